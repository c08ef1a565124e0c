"""The statistics pages: who sees what, the figures shown, links, CSV, queries."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.spreadsheets import csv_text
from opportunities import services
from opportunities.models import Opportunity
from opportunities.moves import Move
from tests.crm.story import tell
from tests.factories import (
    CloseReasonFactory,
    OpportunityFactory,
    SalespersonFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db

PAGES = [
    "overview",
    "forecast",
    "win_rate",
    "matrix",
    "cycles",
    "salespeople",
    "contacts",
    "close_reasons",
]
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def url(name):
    return reverse(f"statistics:{name}")


def table(response, slug):
    return next(s.table for s in response.context["sections"] if s.table.slug == slug)


def csv_lines(tbl) -> list[list[str]]:
    """The table as an English CSV writes it, the heading first."""
    return [[csv_text(value) for value in row] for row in tbl.values()]


def plain(tbl) -> list[list[str]]:
    """The table's body as the CSV writes it."""
    return csv_lines(tbl)[1:]


def csv_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def story(manager, rep):
    return tell(manager, rep=rep)


@pytest.mark.parametrize("name", PAGES)
def test_every_statistics_page_needs_a_login(client, db, name):
    response = client.get(url(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_for_a_rep_and_a_manager(client, story, rep, manager, name):
    for user in (rep, manager):
        client.force_login(user)
        response = client.get(url(name))
        assert response.status_code == 200
        assert response.context["sections"]


def test_a_rep_sees_only_their_own_figures(client, story, rep):
    client.force_login(rep)

    response = client.get(url("salespeople"), {"salesperson": "B"})

    assert "salesperson" not in response.context["form"].fields
    rows = plain(table(response, "salespeople"))
    # Only A: 1 open, 1 won, 1 lost (B's figures are not there).
    assert [row[0].split()[0] for row in rows] == ["A", "Total"]
    assert rows[0][1:8] == ["1", "500.00", "10.00", "1", "1200.00", "1", "2000.00"]
    assert rows[-1][0] == "Total"
    assert rows[-1][1] == "1"


def test_a_manager_sees_everyone_and_can_pick_a_salesperson(client, story, manager):
    client.force_login(manager)

    everyone = plain(table(client.get(url("salespeople")), "salespeople"))
    only_b = plain(
        table(client.get(url("salespeople"), {"salesperson": "B"}), "salespeople")
    )

    assert [row[0].split()[0] for row in everyone] == ["A", "B", "Total"]
    assert everyone[-1][1:8] == [
        "3",
        "3500.00",
        "70.00",
        "1",
        "1200.00",
        "1",
        "2000.00",
    ]
    assert [row[0].split()[0] for row in only_b] == ["B", "Total"]
    assert only_b[0][1] == "2"


def test_win_rate_page_figures(client, story, manager):
    client.force_login(manager)

    response = client.get(url("win_rate"))

    by_sp = plain(table(response, "win-rate-by-salesperson"))
    assert by_sp == [
        ["A " + story["a"].name, "1", "1", "50.0", "1200.00", "2000.00", "37.5"]
    ]
    cues = {cue["label"]: cue["value"] for cue in response.context["cues"]}
    assert cues["Win rate"] == "50.0 %"
    assert cues["Average days to close, won"] == "20.0"
    assert cues["Average days to close, lost"] == "15.0"
    funnel = plain(table(response, "funnel"))
    cycle = story["cycle"].code
    assert funnel == [
        [f"{cycle} · 10 Stage 10", "0", "0", "0.00", "1", "1"],
        [f"{cycle} · 20 Stage 20", "0", "1", "2000.00", "1", "1"],
        [f"{cycle} · 30 Stage 30", "1", "0", "0.00", "1", "0"],
        [f"{cycle} · 40 Stage 40", "0", "0", "0.00", "0", "0"],
    ]
    lost = plain(table(response, "lost-by-reason"))
    assert lost[0][:3] == [str(story["price"]), "1", "2000.00"]


def test_closed_date_range_limits_the_closed_figures(client, story, manager):
    client.force_login(manager)

    # O2 was lost on 20 Jan, O1 won on 25 Jan.
    response = client.get(
        url("win_rate"), {"date_from": "2026-01-21", "date_to": "2026-01-31"}
    )

    by_sp = plain(table(response, "win-rate-by-salesperson"))
    assert by_sp[0][1:4] == ["1", "0", "100.0"]
    # Time in stage is not limited by the closing dates.
    assert plain(table(response, "time-in-stage"))[0][1] == "3"


def test_a_reversed_date_range_is_a_field_error_not_figures(client, story, manager):
    client.force_login(manager)

    response = client.get(
        url("close_reasons"), {"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["date_to"]
    assert response.context["sections"] == []


def test_cycle_statistics_show_the_open_pipeline_per_stage(client, story, manager):
    client.force_login(manager)

    response = client.get(url("cycles"))

    rows = plain(table(response, f"cycle-{story['cycle'].code}"))
    assert rows[0] == ["Not started", "", "1", "0.00", "0.00", "", ""]
    assert rows[1] == ["10 Stage 10", "10.00", "2", "3500.00", "70.00", "3.0", "4.0"]
    assert rows[2][5:] == ["8.0", "8.0"]
    assert rows[-1] == ["Total", "", "3", "3500.00", "70.00", "", ""]


def test_contact_statistics_count_a_company_with_its_persons(client, story, manager):
    client.force_login(manager)

    rows = plain(table(client.get(url("contacts")), "contacts"))

    assert rows[0][0] == f"{story['c1'].number} C1"
    assert rows[0][1:8] == ["3", "3500.00", "70.00", "1", "1200.00", "1", "2000.00"]


def test_close_reason_statistics(client, story, manager):
    client.force_login(manager)

    rows = plain(table(client.get(url("close_reasons")), "close-reasons"))

    assert rows == [
        [str(story["price"]), "Lost", "1", "2000.00", "2000.00", "100.0"],
        [str(story["won"]), "Won", "1", "1200.00", "1200.00", "100.0"],
    ]


# -- the matrix ---------------------------------------------------------------------

Q1 = {"date_from": "2026-01-01", "date_to": "2026-03-31", "period": "month"}


def test_matrix_by_salesperson_and_month(client, story, manager):
    client.force_login(manager)

    response = client.get(url("matrix"), Q1)

    rows = plain(table(response, "matrix"))
    assert [row[0].split()[0] for row in rows] == ["A", "B", "Total"]
    assert rows[0][1:] == ["0", "0", "1", "1"]  # O5 closes in March
    assert rows[1][1:] == ["1", "0", "0", "1"]  # O3 in January
    assert rows[2][1:] == ["1", "0", "1", "2"]


def test_matrix_cells_link_to_the_list_filtered_to_them(client, story, manager):
    client.force_login(manager)
    response = client.get(url("matrix"), Q1 | {"measure": "estimated_value"})
    row_a = table(response, "matrix").rows[0]

    march = row_a.cells[3]
    listed = client.get(march.href)

    assert march.value == Decimal("500.00")
    assert [o.number for o in listed.context["object_list"]] == [story["o"][4].number]


def test_matrix_by_contact_indents_persons_under_their_company(client, story, manager):
    client.force_login(manager)

    response = client.get(url("matrix"), Q1 | {"rows": "contact", "status": "all"})

    tbl = table(response, "matrix")
    assert [(str(row.cells[0]), row.indent) for row in tbl.rows] == [
        ("C1", 0),
        ("P", 1),
    ]
    # C1: O3 (via P) in January, O5 in March, O1 and O2 closed in January (their
    # close date is the date closed); P: O2 and O3.
    assert [str(c) for c in tbl.rows[0].cells[1:]] == ["3", "0", "1", "4"]
    assert [str(c) for c in tbl.rows[1].cells[1:]] == ["2", "0", "0", "2"]
    person_january = tbl.rows[1].cells[1]
    listed = client.get(person_january.href)
    assert {o.number for o in listed.context["object_list"]} == {
        story["o"][1].number,
        story["o"][2].number,
    }


@pytest.mark.parametrize(
    ("measure", "rounding", "march"),
    [
        ("current_value", "none", "10.00"),
        ("average_estimated_value", "none", "500.00"),
        ("estimated_value", "thousands", "1"),  # 500 / 1,000 rounds half up
        ("estimated_value", "millions", "0"),
    ],
)
def test_matrix_measures_and_rounding(client, story, manager, measure, rounding, march):
    client.force_login(manager)

    response = client.get(
        url("matrix"), Q1 | {"measure": measure, "rounding": rounding}
    )

    assert plain(table(response, "matrix"))[0][3] == march


def test_matrix_refuses_too_many_columns(client, story, manager):
    client.force_login(manager)

    response = client.get(
        url("matrix"),
        {"date_from": "2026-01-01", "date_to": "2026-12-31", "period": "day"},
    )

    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["period"]] == [
        "too_many_columns"
    ]


def test_matrix_for_a_rep_has_only_their_rows(client, story, rep):
    client.force_login(rep)

    rows = plain(table(client.get(url("matrix"), Q1 | {"salesperson": "B"}), "matrix"))

    assert [row[0].split()[0] for row in rows] == ["A", "Total"]


# -- forecast and this quarter (relative to today) ----------------------------------


@pytest.fixture
def pipeline(manager):
    """One opportunity overdue, one closing next month, one won this month and
    one won thirteen months ago."""
    cycle = cycle_with_stages()
    sp = SalespersonFactory(code="F")
    reason = CloseReasonFactory(won=True)
    long_ago = TODAY - 500 * DAY

    def started(value, on, close_date):
        opportunity = OpportunityFactory(
            salesperson=sp, sales_cycle=cycle, creation_date=long_ago
        )
        return services.opportunity_advance(
            user=None,
            opportunity=opportunity,
            move=Move.START,
            date_of_change=on,
            estimated_value=Decimal(value),
            estimated_close_date=close_date,
        )

    overdue = started(1000, TODAY - 60 * DAY, TODAY - 40 * DAY)
    next_month = (TODAY.replace(day=1) + 32 * DAY).replace(day=10)
    coming = started(2000, TODAY, next_month)
    for value, closed_on in ((3000, TODAY), (4000, TODAY - 400 * DAY)):
        won = started(value, closed_on - DAY, closed_on)
        services.opportunity_close(
            user=None,
            opportunity=won,
            outcome="won",
            close_reason=reason,
            date_closed=closed_on,
        )
    return {"overdue": overdue, "coming": coming, "cycle": cycle}


def test_forecast_by_month_with_the_overdue_first(client, pipeline, manager):
    client.force_login(manager)

    response = client.get(url("forecast"))

    rows = plain(table(response, "forecast-by-month"))
    assert rows[0][0] == "Earlier (overdue)"
    assert rows[0][2:] == ["1", "1000.00", "20.00"]  # 1,000 × 20 % × 10 %
    assert rows[1][1].endswith("10 Stage 10")
    this_month, following = rows[2], rows[3]
    assert this_month[2:] == ["0", "0.00", "0.00"]
    assert following[2:] == ["1", "2000.00", "40.00"]
    assert rows[-1] == ["Total", "", "2", "3000.00", "60.00"]
    won = plain(table(response, "won-by-month"))
    assert len(won) == 13  # twelve months and the total
    assert won[-2][1:] == ["1", "3000.00"]  # this month
    assert won[-1][1:] == ["1", "3000.00"]  # the one 400 days ago is older


def test_forecast_chart_is_svg_with_labelled_axes(client, pipeline, manager):
    client.force_login(manager)

    page = client.get(url("forecast")).content.decode()

    assert page.count("<svg") >= 2
    assert "Estimated close month" in page
    assert "Calculated current value (EUR)" in page


def test_this_quarter_cues_and_who_is_behind(client, pipeline, manager):
    client.force_login(manager)

    response = client.get(url("overview"))

    cues = {cue["label"]: cue for cue in response.context["cues"]}
    assert cues["Won this quarter"]["value"] == "€3,000.00"
    assert cues["Overdue"]["value"] == "€1,000.00"
    rows = plain(table(response, "quarter-by-salesperson"))
    assert rows[0][0].startswith("F ")
    assert rows[0][1:3] == ["1", "3000.00"]


# -- CSV and queries ------------------------------------------------------------------


def test_each_table_downloads_as_the_csv_of_what_is_shown(client, story, manager):
    client.force_login(manager)
    response = client.get(url("win_rate"))

    for section in response.context["sections"]:
        download = client.get(url("win_rate"), {"csv": section.table.slug})
        assert download["Content-Type"] == "text/csv; charset=utf-8"
        assert csv_of(download) == csv_lines(section.table)
    assert client.get(url("win_rate"), {"csv": "nothing"}).status_code == 404


def test_contact_csv_holds_every_company_not_one_page(client, manager):
    client.force_login(manager)
    cycle = cycle_with_stages()
    for _ in range(55):
        OpportunityFactory(sales_cycle=cycle)

    shown = table(client.get(url("contacts")), "contacts")
    download = csv_of(client.get(url("contacts"), {"csv": "contacts"}))

    assert len(shown.rows) == 50
    assert len(download) == 1 + 55 + 1  # header, companies, total


def test_contact_statistics_page_through_the_companies(client, manager):
    client.force_login(manager)
    cycle = cycle_with_stages()
    for _ in range(55):
        OpportunityFactory(sales_cycle=cycle)

    second = client.get(url("contacts"), {"page": "2"})
    past_the_end = client.get(url("contacts"), {"page": "9"})
    not_a_number = client.get(url("contacts"), {"page": "x"})

    assert len(table(second, "contacts").rows) == 5
    assert "Page 2 of 2" in second.content.decode()
    assert table(past_the_end, "contacts").rows == table(second, "contacts").rows
    assert "Page 1 of 2" in not_a_number.content.decode()
    assert len(table(not_a_number, "contacts").rows) == 50


def queries(client, name, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url(name), params or {})
    assert response.status_code == 200
    return len(captured)


def more_history(count):
    """``count`` more opportunities each of several salespeople, contacts and states."""
    cycle = Opportunity.objects.first().sales_cycle
    reason = CloseReasonFactory()
    for index in range(count):
        opportunity = OpportunityFactory(sales_cycle=cycle)
        opportunity = services.opportunity_advance(
            user=None,
            opportunity=opportunity,
            move=Move.START,
            estimated_value=Decimal(100 + index),
        )
        services.opportunity_advance(user=None, opportunity=opportunity, move=Move.NEXT)
        if index % 3 == 0:
            services.opportunity_close(
                user=None, opportunity=opportunity, outcome="lost", close_reason=reason
            )


# session, user, permissions (user's and groups'), the form's salesperson and
# cycle choices, then the page's own: a fixed number whatever the data.
EXPECTED_QUERIES = {
    # by salesperson this quarter, its salespeople, the quarter's split, lost by
    # reason and its reasons
    "overview": 11,
    # the pipeline by month and stage, its stages, won by month
    "forecast": 9,
    # days to close, won and lost by salesperson and cycle, salespeople, cycles,
    # stages, time in stage, furthest stage, lost by reason, reasons
    "win_rate": 15,
    # + stage choices; the cells, their salespeople, the column totals
    "matrix": 10,
    # the pipeline, time in stage, cycles, stages
    "cycles": 10,
    # the split, salespeople, the total
    "salespeople": 9,
    # the page of companies with how many there are, their figures, their
    # contacts, the total
    "contacts": 10,
    # by reason, the reasons
    "close_reasons": 8,
}


@pytest.mark.parametrize("name", PAGES)
def test_each_page_issues_a_fixed_number_of_queries(client, story, manager, name):
    client.force_login(manager)
    params = Q1 if name == "matrix" else {}  # the story's close dates
    few = queries(client, name, params)

    more_history(30)

    assert queries(client, name, params) == few == EXPECTED_QUERIES[name]


def test_matrix_by_contact_issues_a_fixed_number_of_queries(client, story, manager):
    client.force_login(manager)
    params = Q1 | {"rows": "contact", "status": "all"}
    few = queries(client, "matrix", params)

    more_history(30)

    # The page count and the page of companies, their cells, the column totals.
    assert queries(client, "matrix", params) == few == 11


def followed_counts(client, response) -> list[tuple]:
    """(shown, listed) for every count on the page that links to the list."""
    pairs = []
    for section in response.context["sections"]:
        for _row, cells in section.table.body():
            for column, value in cells:
                if column.kind == "count" and getattr(value, "href", None):
                    listed = client.get(value.href).context["totals"]["count"]
                    pairs.append((section.table.slug, value.value, listed))
    return pairs


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("cycles", {"date_from": "2026-01-01", "date_to": "2026-01-31"}),
        ("close_reasons", {"date_from": "2026-01-21", "date_to": "2026-01-31"}),
        ("win_rate", {"date_from": "2026-01-21", "date_to": "2026-01-31"}),
        ("salespeople", {"sales_cycle": "CYC"}),
        ("contacts", {}),
        ("matrix", Q1 | {"status": "all", "rows": "contact"}),
    ],
)
def test_every_linked_count_lists_exactly_what_it_counts(
    client, story, manager, name, params
):
    client.force_login(manager)
    story["cycle"].__class__.objects.filter(pk=story["cycle"].pk).update(code="CYC")

    pairs = followed_counts(client, client.get(url(name), params))

    assert pairs
    assert [(slug, shown) for slug, shown, _listed in pairs] == [
        (slug, listed) for slug, _shown, listed in pairs
    ]


@pytest.mark.parametrize("name", ["overview", "forecast"])
def test_this_quarters_and_the_forecasts_links_list_what_they_count(
    client, pipeline, manager, name
):
    client.force_login(manager)

    pairs = followed_counts(client, client.get(url(name)))

    assert any(shown for _slug, shown, _listed in pairs)
    assert [shown for _slug, shown, _listed in pairs] == [
        listed for _slug, _shown, listed in pairs
    ]
