"""The statistics' figures, against the story of ``tests.crm.story`` (by hand)."""

import datetime
from decimal import Decimal

import pytest

from opportunities import statistics
from opportunities.models import CloseReason, Opportunity, Status
from tests.crm.story import DAY, D, tell

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(manager):
    return tell(manager)


def test_a_reopened_opportunity_is_open_again(story):
    o3 = story["o"][2]

    assert o3.status == Status.IN_PROGRESS
    assert o3.estimated_close_date == D + 8 * DAY
    assert o3.current_value == Decimal("60.00")


def test_open_won_lost_by_salesperson(story):
    split = statistics.split_by(Opportunity.objects.all(), "salesperson_id")
    a, b = split[story["a"].pk], split[story["b"].pk]

    assert (a["open"]["count"], a["won"]["count"], a["lost"]["count"]) == (1, 1, 1)
    assert a["open"]["estimated_value"] == Decimal("500.00")
    assert a["open"]["current_value"] == Decimal("10.00")
    assert a["won"]["estimated_value"] == Decimal("1000.00")  # O1's last estimate
    assert a["won"]["current_value"] == Decimal("1200.00")  # its sale value
    assert a["lost"]["estimated_value"] == Decimal("2000.00")
    assert a["lost"]["current_value"] == Decimal("0.00")
    assert a["win_rate"] == Decimal("50.0")
    assert a["win_rate_value"] == Decimal("37.5")  # 1,200 of 3,200
    # B: O3 (reopened) and O4 (not started) are open; nothing closed.
    assert (b["open"]["count"], b["won"]["count"], b["lost"]["count"]) == (2, 0, 0)
    assert b["open"]["estimated_value"] == Decimal("3000.00")
    assert b["open"]["average_estimated_value"] == Decimal("1500.00")
    assert b["win_rate"] is None


def test_a_company_counts_its_persons_opportunities(story):
    split = statistics.split_by(
        Opportunity.objects.all(), statistics.contact_company_key()
    )

    assert list(split) == [story["c1"].pk]
    c1 = split[story["c1"].pk]
    assert (c1["open"]["count"], c1["won"]["count"], c1["lost"]["count"]) == (3, 1, 1)


def test_days_to_close_from_creation(story):
    days = statistics.days_to_close(Opportunity.objects.all())

    assert days == {"won": Decimal("20.0"), "lost": Decimal("15.0")}


def test_time_in_each_stage_and_navs_days_open(story):
    stages = {s.number: s.pk for s in story["cycle"].stages.all()}

    durations = statistics.stage_durations(Opportunity.objects.all())

    # Stage 10: entries of 2, 2 (O1), 5 (O2) and 3 (O3) days; three opportunities.
    assert durations[stages[10]]["average_days_open"] == Decimal("3.0")
    assert durations[stages[10]]["average_days_in_stage"] == Decimal("4.0")
    assert durations[stages[10]]["opportunities"] == 3
    assert durations[stages[20]]["average_days_in_stage"] == Decimal("8.0")  # 6, 10
    assert durations[stages[30]]["average_days_in_stage"] == Decimal("10.0")
    assert stages[40] not in durations


def test_time_in_stage_follows_the_scope(story):
    durations = statistics.stage_durations(
        Opportunity.objects.filter(salesperson=story["b"])
    )

    assert list(durations) == [story["cycle"].stages.get(number=10).pk]
    assert durations[story["cycle"].stages.get(number=10).pk][
        "average_days_in_stage"
    ] == Decimal("3.0")


def test_furthest_stage_reached_by_won_and_lost(story):
    cycle = story["cycle"].pk

    reached = statistics.furthest_stage_reached(Opportunity.objects.all())

    # O3 was lost at 10 but is open again: not in the funnel.
    assert reached == {
        (cycle, Status.WON, 30): {"count": 1, "value": Decimal("1200.00")},
        (cycle, Status.LOST, 20): {"count": 1, "value": Decimal("2000.00")},
    }


def test_close_reasons_count_what_is_closed_now(story):
    by_reason = statistics.by_close_reason(Opportunity.objects.all())

    assert by_reason == {
        story["price"].pk: {
            "count": 1,
            "value": Decimal("2000.00"),
            "average_value": Decimal("2000.00"),
        },
        story["won"].pk: {
            "count": 1,
            "value": Decimal("1200.00"),
            "average_value": Decimal("1200.00"),
        },
    }
    assert CloseReason.objects.count() == 2


def test_open_pipeline_by_stage(story):
    cycle = story["cycle"]
    stage_10 = cycle.stages.get(number=10).pk

    pipeline = statistics.open_by_stage(Opportunity.objects.all())

    assert pipeline == {
        (cycle.pk, stage_10): {
            "count": 2,
            "estimated_value": Decimal("3500.00"),
            "current_value": Decimal("70.00"),
        },
        (cycle.pk, None): {
            "count": 1,
            "estimated_value": Decimal("0.00"),
            "current_value": Decimal("0.00"),
        },
    }


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("month", {datetime.date(2026, 1, 1): 1, datetime.date(2026, 3, 1): 1}),
        ("quarter", {datetime.date(2026, 1, 1): 2}),
        ("year", {datetime.date(2026, 1, 1): 2}),
        # 13 Jan 2026 is in the week of Monday 12 Jan; 10 Mar in that of 9 Mar.
        ("week", {datetime.date(2026, 1, 12): 1, datetime.date(2026, 3, 9): 1}),
        ("day", {datetime.date(2026, 1, 13): 1, datetime.date(2026, 3, 10): 1}),
    ],
)
def test_open_opportunities_by_period_of_close_date(story, period, expected):
    rows = statistics.by_period(
        Opportunity.objects.in_progress(),
        date_field="estimated_close_date",
        period=period,
    )

    assert {row["period"]: row["count"] for row in rows} == expected


def test_by_period_sums_per_key(story):
    rows = statistics.by_period(
        Opportunity.objects.in_progress(),
        date_field="estimated_close_date",
        period="month",
        keys=("salesperson_id",),
    )

    assert sorted(
        (
            row["salesperson_id"],
            row["period"],
            row["estimated_value"],
            row["current_value"],
        )
        for row in rows
    ) == sorted(
        [
            (
                story["b"].pk,
                datetime.date(2026, 1, 1),
                Decimal("3000.00"),
                Decimal("60.00"),
            ),
            (
                story["a"].pk,
                datetime.date(2026, 3, 1),
                Decimal("500.00"),
                Decimal("10.00"),
            ),
        ]
    )


def test_quarter_figures_per_salesperson(story):
    # On 1 Mar 2026 (Q1): O1 won in it; O5 closes on 10 Mar; O3 is overdue.
    today = datetime.date(2026, 3, 1)

    rows = statistics.quarter_by(Opportunity.objects.all(), "salesperson_id", today)

    a, b = rows[story["a"].pk], rows[story["b"].pk]
    assert (a["won_count"], a["won_value"]) == (1, Decimal("1200.00"))
    assert (a["closing_count"], a["closing_current_value"]) == (1, Decimal("10.00"))
    assert a["closing_estimated_value"] == Decimal("500.00")
    assert (a["overdue_count"], b["overdue_count"]) == (0, 1)
    assert b["overdue_estimated_value"] == Decimal("3000.00")
    assert b["won_value"] == Decimal("0.00")


@pytest.mark.parametrize(
    ("period", "start", "end", "expected"),
    [
        (
            "month",
            (2026, 11, 15),
            (2027, 2, 1),
            [(2026, 11, 1), (2026, 12, 1), (2027, 1, 1), (2027, 2, 1)],
        ),
        (
            "quarter",
            (2026, 2, 10),
            (2026, 7, 1),
            [(2026, 1, 1), (2026, 4, 1), (2026, 7, 1)],
        ),
        ("year", (2025, 6, 1), (2026, 1, 1), [(2025, 1, 1), (2026, 1, 1)]),
        (
            "week",
            (2026, 12, 2),
            (2026, 12, 14),
            [(2026, 11, 30), (2026, 12, 7), (2026, 12, 14)],
        ),
        (
            "day",
            (2026, 2, 27),
            (2026, 3, 1),
            [(2026, 2, 27), (2026, 2, 28), (2026, 3, 1)],
        ),
    ],
)
def test_period_starts(period, start, end, expected):
    starts = statistics.period_starts(
        period, datetime.date(*start), datetime.date(*end)
    )

    assert starts == [datetime.date(*day) for day in expected]


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        ("day", (2026, 2, 28), (2026, 2, 28)),
        ("week", (2026, 11, 30), (2026, 12, 6)),
        ("month", (2026, 2, 1), (2026, 2, 28)),
        ("quarter", (2026, 10, 1), (2026, 12, 31)),
        ("year", (2026, 1, 1), (2026, 12, 31)),
    ],
)
def test_period_end(period, first, last):
    assert statistics.period_end(period, datetime.date(*first)) == datetime.date(*last)


def test_ratio_and_average_round_half_up_and_refuse_nothing():
    assert statistics.ratio(1, 3) == Decimal("33.3")
    assert statistics.ratio(2, 3) == Decimal("66.7")
    assert statistics.ratio(1, 0) is None
    assert statistics.average(Decimal("10.00"), 3) == Decimal("3.33")
    assert statistics.average(Decimal("0.05"), 2) == Decimal("0.03")
    assert statistics.average(0, 0) is None
