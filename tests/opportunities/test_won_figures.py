"""A won closing keeps the last estimate; its current value is the sale value
(SPEC §6, as in Business Central), and every won value of the statistics reads
the sale value. Also the data migration that brings old won entries over."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from contacts.models import Salesperson
from crm.spreadsheets import csv_text
from opportunities import services, statistics
from opportunities.models import Action, Opportunity, OpportunityEntry, Status
from opportunities.moves import Move
from tests.crm.dataio.importing import import_text
from tests.factories import (
    CloseReasonFactory,
    CompanyFactory,
    OpportunityFactory,
    SalespersonFactory,
    cycle_with_stages,
)
from tests.invariants import assert_consistent_history

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = datetime.timedelta(days=1)
TODAY = timezone.localdate()
FIGURES = (
    "estimated_value",
    "chances_pct",
    "completed_pct",
    "probability_pct",
    "current_value",
    "estimated_close_date",
)

migration = importlib.import_module(
    "opportunities.migrations.0008_won_entry_keeps_estimate"
)


def figures(source) -> dict:
    return {name: getattr(source, name) for name in FIGURES}


def won_at(estimate, sale, *, closed_on, salesperson=None, created=None, **fields):
    """Started at ``estimate``, updated, then won for ``sale`` on ``closed_on``."""
    opportunity = OpportunityFactory(
        salesperson=salesperson or SalespersonFactory(),
        creation_date=created or closed_on - 10 * DAY,
        **fields,
    )
    opportunity = services.opportunity_advance(
        user=None,
        opportunity=opportunity,
        move=Move.START,
        date_of_change=closed_on - 5 * DAY,
        estimated_value=Decimal(estimate) / 2,
    )
    opportunity = services.opportunity_advance(
        user=None,
        opportunity=opportunity,
        move=Move.UPDATE,
        date_of_change=closed_on - 2 * DAY,
        estimated_value=Decimal(estimate),
    )
    return services.opportunity_close(
        user=None,
        opportunity=opportunity,
        outcome="won",
        close_reason=CloseReasonFactory(won=True),
        date_closed=closed_on,
        sale_value=Decimal(sale) if sale is not None else None,
    )


# -- the won closing entry --------------------------------------------------------


def test_a_won_entry_keeps_the_last_estimate_and_the_sale_value_as_current():
    opportunity = won_at(10000, 12500, closed_on=D(2026, 3, 2))

    entry = opportunity.entries.get(active=True)
    assert entry.action_taken == Action.WON
    assert figures(entry) == {
        "estimated_value": Decimal("10000.00"),
        "chances_pct": Decimal(100),
        "completed_pct": Decimal(100),
        "probability_pct": Decimal(100),
        "current_value": Decimal("12500.00"),
        "estimated_close_date": D(2026, 3, 2),
    }
    opportunity.refresh_from_db()
    assert figures(opportunity) == figures(entry)
    assert_consistent_history(opportunity)


def test_a_sale_value_left_out_is_the_last_estimate():
    opportunity = won_at(4000, None, closed_on=D(2026, 3, 2))

    assert (opportunity.estimated_value, opportunity.current_value) == (
        Decimal("4000.00"),
        Decimal("4000.00"),
    )


def test_won_before_it_started_has_no_estimate_and_the_sale_value():
    opportunity = services.opportunity_close(
        user=None,
        opportunity=OpportunityFactory(),
        outcome="won",
        close_reason=CloseReasonFactory(won=True),
        date_closed=D(2026, 3, 2),
        sale_value=Decimal(700),
    )

    assert (opportunity.estimated_value, opportunity.current_value) == (
        Decimal(0),
        Decimal("700.00"),
    )


def test_the_close_page_writes_the_estimate_and_the_sale_value(client, rep):
    own = Salesperson.objects.get(user=rep)
    reason = CloseReasonFactory(won=True)
    opportunity = OpportunityFactory(salesperson=own, in_progress=True)  # 1,000
    client.force_login(rep)

    response = client.post(
        reverse("opportunities:close", args=[opportunity.number]),
        {
            "outcome": "won",
            "close_reason": reason.pk,
            "date_closed": TODAY.isoformat(),
            "sale_value": "1500",
            "cancel_open_tasks": "on",
            "version": opportunity.version,
        },
    )

    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.status == Status.WON
    assert (opportunity.estimated_value, opportunity.current_value) == (
        Decimal("1000.00"),
        Decimal("1500.00"),
    )


def test_reopening_a_won_opportunity_brings_back_its_estimate(manager):
    opportunity = won_at(10000, 12500, closed_on=D(2026, 3, 2))

    opportunity = services.opportunity_reopen(
        user=manager,
        opportunity=opportunity,
        date_of_change=D(2026, 3, 3),
        reason="The customer came back",
    )

    assert opportunity.estimated_value == Decimal("10000.00")


# -- the won value of the statistics is the sale value ----------------------------


@pytest.fixture
def sold_above_estimate():
    """Won for 1,500 on an estimate of 1,000 (this quarter); lost at 2,000."""
    sp = SalespersonFactory(code="S")
    won = won_at(1000, 1500, closed_on=TODAY, salesperson=sp, created=TODAY - 60 * DAY)
    lost = OpportunityFactory(
        salesperson=sp, sales_cycle=won.sales_cycle, creation_date=TODAY - 60 * DAY
    )
    lost = services.opportunity_advance(
        user=None,
        opportunity=lost,
        move=Move.START,
        date_of_change=TODAY - DAY,
        estimated_value=Decimal(2000),
    )
    services.opportunity_close(
        user=None,
        opportunity=lost,
        outcome="lost",
        close_reason=CloseReasonFactory(),
        date_closed=TODAY,
    )
    return {"salesperson": sp, "won": won, "cycle": won.sales_cycle}


def test_the_statistics_read_the_sale_value_as_won_value(sold_above_estimate):
    everything = Opportunity.objects.all()
    sp, won = sold_above_estimate["salesperson"], sold_above_estimate["won"]

    split = statistics.figures(everything)
    rates = statistics.win_rates(
        statistics.outcomes_by(everything.closed(), "salesperson_id"), "salesperson_id"
    )
    quarter = statistics.quarter_by(everything, "salesperson_id", TODAY)
    reasons = statistics.by_close_reason(everything)
    reached = statistics.furthest_stage_reached(everything)

    assert split["won"]["current_value"] == Decimal("1500.00")
    assert split["won"]["estimated_value"] == Decimal("1000.00")  # the estimate
    assert split["win_rate_value"] == Decimal("42.9")  # 1,500 of 3,500
    assert rates[sp.pk]["won"]["current_value"] == Decimal("1500.00")
    assert rates[sp.pk]["win_rate_value"] == Decimal("42.9")
    assert quarter[sp.pk]["won_value"] == Decimal("1500.00")
    assert reasons[won.close_reason_id]["value"] == Decimal("1500.00")
    lost_reason = Opportunity.objects.get(status=Status.LOST).close_reason_id
    assert reasons[lost_reason]["value"] == Decimal("2000.00")
    assert {key[1]: row["value"] for key, row in reached.items()} == {
        Status.WON: Decimal("1500.00"),
        Status.LOST: Decimal("2000.00"),
    }


def stats(name):
    return reverse(f"statistics:{name}")


def table(response, slug):
    section = next(s for s in response.context["sections"] if s.table.slug == slug)
    # The body as an English CSV writes it.
    return [[csv_text(value) for value in row] for row in section.table.values()][1:]


def test_the_pages_show_the_sale_value_as_won_value(
    client, manager, sold_above_estimate
):
    client.force_login(manager)

    overview = client.get(stats("overview"))
    forecast = client.get(stats("forecast"))
    win_rate = client.get(stats("win_rate"))
    salespeople = client.get(stats("salespeople"))
    contacts = client.get(stats("contacts"))
    reasons = client.get(stats("close_reasons"))
    home = client.get(reverse("home"))

    cues = {cue["label"]: cue for cue in overview.context["cues"]}
    assert cues["Won this quarter"]["value"] == "€1,500.00"
    assert table(overview, "quarter-by-salesperson")[0][1:3] == ["1", "1500.00"]
    assert table(forecast, "won-by-month")[-2][1:] == ["1", "1500.00"]
    assert table(win_rate, "win-rate-by-salesperson")[0][4:] == [
        "1500.00",
        "2000.00",
        "42.9",
    ]
    cues = {cue["label"]: cue for cue in win_rate.context["cues"]}
    assert cues["Win rate by value"]["detail"] == "€1,500.00 won of €3,500.00"
    # Won count, won value, lost count, lost value, average won value.
    assert table(salespeople, "salespeople")[0][4:9] == [
        "1",
        "1500.00",
        "1",
        "2000.00",
        "1500.00",
    ]
    assert table(contacts, "contacts")[-1][4:9] == [
        "1",
        "1500.00",
        "1",
        "2000.00",
        "1500.00",
    ]
    assert ["Won", "1", "1500.00", "1500.00"] in [
        row[1:5] for row in table(reasons, "close-reasons")
    ]
    assert home.context["cues"]["won_quarter"] == Decimal("1500.00")


def test_contacts_rank_by_the_won_sale_value(client, manager):
    """Two companies with nothing open: the larger sale first, whatever the
    estimates were."""
    big_estimate, big_sale = (
        CompanyFactory(name="Big estimate"),
        CompanyFactory(name="Big sale"),
    )
    won_at(9000, 1000, closed_on=TODAY, contact=big_estimate)
    won_at(1000, 9000, closed_on=TODAY, contact=big_sale)
    client.force_login(manager)

    rows = table(client.get(stats("contacts")), "contacts")

    assert [row[0].split(" ", 1)[1] for row in rows[:2]] == ["Big sale", "Big estimate"]


# -- imports ------------------------------------------------------------------------

HEADER = (
    "number,description,contact,salesperson,sales_cycle,creation_date,status,"
    "stage,estimated_value,current_value,date_closed,close_reason"
)


@pytest.fixture
def world():
    SalespersonFactory(code="AH")
    CompanyFactory(number="C1")
    cycle_with_stages(code="CYC")
    CloseReasonFactory(code="FIT", won=True)


def test_an_imported_won_row_reads_its_sale_value_from_the_current_value(
    tmp_path, world
):
    rows = (
        "OP1,Sold above,C1,AH,CYC,2026-01-05,Won,30,5000,6000,2026-02-10,FIT\n"
        "OP2,No current value,C1,AH,CYC,2026-01-05,Won,30,5000,,2026-02-10,FIT\n"
    )

    status, out, err = import_text(tmp_path, "opportunities", HEADER + "\n" + rows)

    assert status == 0, err
    assert "current value" not in (out + err).lower()  # no "calculated" warning
    sold = Opportunity.objects.get(number="OP1")
    assert (sold.estimated_value, sold.current_value) == (Decimal(5000), Decimal(6000))
    first, closing = sold.entries.order_by("id")
    assert (first.estimated_value, closing.estimated_value) == (5000, 5000)
    assert closing.current_value == Decimal(6000)
    at_estimate = Opportunity.objects.get(number="OP2")
    assert (at_estimate.estimated_value, at_estimate.current_value) == (
        Decimal(5000),
        Decimal(5000),
    )
    for opportunity in (sold, at_estimate):
        assert_consistent_history(opportunity)


def test_an_imported_won_entry_keeps_its_sale_value_without_a_probability(
    tmp_path, world
):
    OpportunityFactory(
        number="OP9",
        contact=CompanyFactory(number="C9"),
        sales_cycle=cycle_with_stages(code="CYC9"),
        creation_date=D(2026, 1, 5),
    )
    text = (
        "entry_no,opportunity,stage,date_of_change,action_taken,estimated_value,"
        "chances_pct,current_value,close_reason\n"
        "1,OP9,10,2026-01-10,first,1000,20,,\n"
        "2,OP9,,2026-02-01,won,1000,100,1300,FIT\n"
    )

    status, _out, err = import_text(tmp_path, "opportunity-entries", text)

    assert status == 0, err
    opportunity = Opportunity.objects.get(number="OP9")
    assert opportunity.status == Status.WON
    assert (opportunity.estimated_value, opportunity.current_value) == (
        Decimal(1000),
        Decimal(1300),
    )


# -- the migration ------------------------------------------------------------------


def the_old_way(opportunity):
    """Make the won entries (and the opportunity when its entry is active) what
    they were before 0008: estimated value = the sale value."""
    entries = OpportunityEntry.objects.filter(
        opportunity=opportunity, action_taken=Action.WON
    )
    for entry in entries:
        OpportunityEntry.objects.filter(pk=entry.pk).update(
            estimated_value=entry.current_value
        )
        if entry.active:
            Opportunity.objects.filter(pk=opportunity.pk).update(
                estimated_value=entry.current_value
            )


def test_the_migration_gives_won_entries_their_last_estimate(manager):
    won = won_at(10000, 12500, closed_on=D(2026, 3, 2))  # estimates 5,000, 10,000
    at_once = services.opportunity_close(
        user=None,
        opportunity=OpportunityFactory(),
        outcome="won",
        close_reason=CloseReasonFactory(won=True),
        date_closed=D(2026, 3, 2),
        sale_value=Decimal(700),
    )
    reopened = won_at(3000, 4000, closed_on=D(2026, 3, 2))
    reopened = services.opportunity_reopen(
        user=manager,
        opportunity=reopened,
        date_of_change=D(2026, 3, 3),
        reason="The customer came back",
    )
    lost = OpportunityFactory(lost=True)  # 1,000
    for opportunity in (won, at_once, reopened, lost):
        the_old_way(opportunity)
    reopened_before = figures(Opportunity.objects.get(pk=reopened.pk))
    lost_entries = list(lost.entries.values_list("estimated_value", "current_value"))

    migration.keep_the_last_estimate(apps, None)

    won.refresh_from_db()
    closing = won.entries.get(active=True)
    assert (closing.estimated_value, closing.current_value) == (10000, 12500)
    assert (won.estimated_value, won.current_value) == (10000, 12500)
    assert_consistent_history(won)
    at_once.refresh_from_db()
    assert (at_once.estimated_value, at_once.current_value) == (0, 700)
    # The reopened one: its won entry is fixed, its figures are the reopened ones.
    old_closing = reopened.entries.get(action_taken=Action.WON)
    assert (old_closing.estimated_value, old_closing.current_value) == (3000, 4000)
    assert figures(Opportunity.objects.get(pk=reopened.pk)) == reopened_before
    assert (
        list(lost.entries.values_list("estimated_value", "current_value"))
        == lost_entries
    )


def test_the_migration_backwards_puts_the_sale_value_back_as_estimate():
    won = won_at(10000, 12500, closed_on=D(2026, 3, 2))

    migration.sale_value_as_estimate(apps, None)

    won.refresh_from_db()
    assert (won.estimated_value, won.current_value) == (12500, 12500)
    assert won.entries.get(active=True).estimated_value == 12500
