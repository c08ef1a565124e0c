"""``opportunity_close`` (won, lost) and ``opportunity_reopen``."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from opportunities import services
from opportunities.models import (
    Action,
    CloseReasonType,
    Opportunity,
    Status,
    TaskStatus,
)
from opportunities.moves import Move
from tests.conftest import error_codes
from tests.factories import (
    START_DATE,
    ActivityFactory,
    CloseReasonFactory,
    OpportunityFactory,
    SalesQuoteFactory,
    TaskFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = datetime.timedelta(days=1)
WON, LOST = CloseReasonType.WON, CloseReasonType.LOST
CLOSED_ON = D(2026, 3, 2)
FIGURES = [
    "estimated_value",
    "chances_pct",
    "completed_pct",
    "probability_pct",
    "current_value",
    "estimated_close_date",
]


def reason(outcome):
    return CloseReasonFactory(won=True) if outcome == WON else CloseReasonFactory()


def close(opportunity, outcome, **kwargs):
    kwargs.setdefault("user", None)
    kwargs.setdefault("close_reason", reason(outcome))
    kwargs.setdefault("date_closed", CLOSED_ON)
    return services.opportunity_close(
        opportunity=opportunity, outcome=outcome, **kwargs
    )


def reopen(opportunity, user, reason="The customer came back", **kwargs):
    return services.opportunity_reopen(
        user=user, opportunity=opportunity, reason=reason, **kwargs
    )


def on_stage_20(**fields):
    """In progress on stage 20 (C 40, K 25, multiply), estimated at 10,000."""
    opp = OpportunityFactory(in_progress=True, **fields)
    return services.opportunity_advance(
        user=None,
        opportunity=opp,
        move=Move.NEXT,
        date_of_change=D(2026, 2, 2),
        estimated_value=Decimal(10000),
        estimated_close_date=D(2026, 12, 31),
    )


# -- close: reason, sale value, date ---------------------------------------------------


@pytest.mark.parametrize("outcome", [WON, LOST])
def test_close_needs_a_reason(outcome):
    opp = OpportunityFactory(in_progress=True)

    with pytest.raises(ValidationError) as exc:
        close(opp, outcome, close_reason=None)

    assert error_codes(exc.value) == {"close_reason": ["close_reason_required"]}


@pytest.mark.parametrize(("outcome", "other"), [(WON, LOST), (LOST, WON)])
def test_close_reason_must_match_the_outcome(outcome, other):
    opp = OpportunityFactory(in_progress=True)

    with pytest.raises(ValidationError) as exc:
        close(opp, outcome, close_reason=reason(other))

    assert error_codes(exc.value) == {"close_reason": ["close_reason_type"]}
    assert Opportunity.objects.get(pk=opp.pk).status == Status.IN_PROGRESS


def test_sale_value_defaults_to_the_quote_amount():
    opp = on_stage_20()
    SalesQuoteFactory(opportunity=opp, amount=Decimal("8000.40"))

    opp = close(opp, WON)

    assert opp.current_value == Decimal("8000.40")


def test_sale_value_defaults_to_the_estimated_value_without_a_quote():
    opp = close(on_stage_20(), WON)

    assert opp.current_value == Decimal("10000.00")


def test_typed_sale_value_is_kept_in_cents():
    opp = on_stage_20()
    SalesQuoteFactory(opportunity=opp, amount=Decimal(8000))

    opp = close(opp, WON, sale_value=Decimal("12345.675"))

    assert opp.current_value == Decimal("12345.68")


@pytest.mark.parametrize("sale_value", [Decimal(0), Decimal(-1)])
def test_sale_value_must_be_positive(sale_value):
    opp = on_stage_20()

    with pytest.raises(ValidationError) as exc:
        close(opp, WON, sale_value=sale_value)

    assert error_codes(exc.value) == {"sale_value": ["sale_value_required"]}


def test_winning_without_any_value_needs_a_sale_value():
    opp = OpportunityFactory()  # not started: no estimate to default to

    with pytest.raises(ValidationError) as exc:
        close(opp, WON)

    assert error_codes(exc.value) == {"sale_value": ["sale_value_required"]}


@pytest.mark.parametrize("outcome", [WON, LOST])
def test_close_date_cannot_go_before_the_last_entry(outcome):
    opp = on_stage_20()  # last entry on 2026-02-02

    with pytest.raises(ValidationError) as exc:
        close(opp, outcome, date_closed=D(2026, 2, 1))

    assert error_codes(exc.value) == {"date_closed": ["date_before_last_entry"]}


def test_close_errors_are_reported_together():
    opp = on_stage_20()

    with pytest.raises(ValidationError) as exc:
        close(
            opp,
            WON,
            close_reason=reason(LOST),
            date_closed=D(2026, 2, 1),
            sale_value=Decimal(0),
        )

    assert error_codes(exc.value) == {
        "close_reason": ["close_reason_type"],
        "date_closed": ["date_before_last_entry"],
        "sale_value": ["sale_value_required"],
    }


def test_close_may_be_dated_on_the_last_entrys_date():
    opp = close(on_stage_20(), LOST, date_closed=D(2026, 2, 2))

    assert opp.date_closed == D(2026, 2, 2)


def test_close_date_defaults_to_today_after_an_older_entry():
    opp = close(on_stage_20(), LOST, date_closed=None)

    assert opp.date_closed == timezone.localdate()


def test_not_started_opportunity_cannot_be_closed_before_its_creation():
    opp = OpportunityFactory(creation_date=D(2026, 2, 1))

    with pytest.raises(ValidationError) as exc:
        close(opp, LOST, date_closed=D(2026, 1, 31))

    assert error_codes(exc.value) == {"date_closed": ["date_before_last_entry"]}


# -- close: the closing entry and the opportunity --------------------------------------


def test_won_closing_entry(manager):
    opp = on_stage_20()
    won = reason(WON)

    opp = close(opp, WON, user=manager, close_reason=won, sale_value=Decimal(12000))

    entry = opp.entries.get(active=True)
    assert entry.action_taken == Action.WON
    assert entry.stage is None
    assert entry.previous_stage.number == 20
    assert entry.date_of_change == CLOSED_ON
    assert entry.date_closed == CLOSED_ON
    assert entry.close_reason == won
    assert entry.created_by == manager
    assert {name: getattr(entry, name) for name in FIGURES} == {
        "estimated_value": Decimal("10000.00"),  # the last estimate (SPEC §6)
        "chances_pct": Decimal(100),
        "completed_pct": Decimal(100),
        "probability_pct": Decimal(100),
        "current_value": Decimal("12000.00"),  # the sale value
        "estimated_close_date": CLOSED_ON,
    }


def test_lost_closing_entry_keeps_the_estimated_value():
    opp = on_stage_20()

    opp = close(opp, LOST)

    entry = opp.entries.get(active=True)
    assert entry.action_taken == Action.LOST
    assert entry.stage is None
    assert entry.previous_stage.number == 20
    assert entry.date_closed == CLOSED_ON
    assert {name: getattr(entry, name) for name in FIGURES} == {
        "estimated_value": Decimal("10000.00"),
        "chances_pct": Decimal(0),
        "completed_pct": Decimal(100),
        "probability_pct": Decimal(0),
        "current_value": Decimal(0),
        "estimated_close_date": CLOSED_ON,
    }


@pytest.mark.parametrize(
    ("outcome", "status"), [(WON, Status.WON), (LOST, Status.LOST)]
)
def test_closed_opportunity_keeps_its_last_stage_and_copies_the_entry(outcome, status):
    opp = on_stage_20()

    close(opp, outcome, close_reason=reason(outcome))

    opp = Opportunity.objects.get(pk=opp.pk)
    entry = opp.entries.get(active=True)
    assert opp.status == status
    assert opp.date_closed == CLOSED_ON
    assert opp.close_reason == reason(outcome)
    assert opp.stage.number == 20  # the last stage reached stays visible
    assert opp.current_stage is None
    for name in FIGURES:
        assert getattr(opp, name) == getattr(entry, name), name


def test_close_retires_the_active_entry_with_its_days_open():
    opp = on_stage_20()  # entered on 2026-02-02

    opp = close(opp, LOST, date_closed=D(2026, 2, 12))

    before = opp.entries.order_by("id")[1]
    assert not before.active
    assert before.days_open == 10
    assert opp.entries.filter(active=True).count() == 1


@pytest.mark.parametrize(
    ("outcome", "status"), [(WON, Status.WON), (LOST, Status.LOST)]
)
def test_not_started_opportunity_can_be_closed(outcome, status):
    opp = OpportunityFactory()

    opp = close(opp, outcome, sale_value=Decimal(500))

    assert opp.status == status
    assert opp.stage is None
    entry = opp.entries.get()
    assert entry.action_taken == outcome
    assert entry.previous_stage is None


def test_close_cancels_open_tasks_by_default():
    opp = on_stage_20()
    task = TaskFactory(opportunity=opp)
    done = TaskFactory(opportunity=opp, completed=True)

    close(opp, LOST)

    task.refresh_from_db()
    assert (task.closed, task.cancelled, task.status, task.date_closed) == (
        True,
        True,
        TaskStatus.COMPLETED,
        CLOSED_ON,
    )
    done.refresh_from_db()
    assert not done.cancelled


def test_close_keeps_open_tasks_when_asked():
    opp = on_stage_20()
    task = TaskFactory(opportunity=opp)

    close(opp, WON, cancel_open_tasks=False)

    task.refresh_from_db()
    assert not task.closed
    assert not task.cancelled


def test_close_creates_no_stage_tasks():
    cycle = cycle_with_stages((1, 10, 20, {"activity": ActivityFactory()}))
    opp = OpportunityFactory(in_progress=True, sales_cycle=cycle)

    opp = close(opp, LOST, cancel_open_tasks=False)

    assert opp.tasks.count() == 1  # the one from the start


@pytest.mark.parametrize("state", ["won", "lost"])
@pytest.mark.parametrize("outcome", [WON, LOST])
def test_closed_opportunity_cannot_be_closed_again(state, outcome):
    opp = OpportunityFactory(**{state: True})

    with pytest.raises(ValidationError) as exc:
        close(opp, outcome, sale_value=Decimal(1))

    assert error_codes(exc.value) == ["closed"]
    assert opp.entries.count() == 2


def test_close_refuses_a_stale_version():
    opp = on_stage_20()

    with pytest.raises(ValidationError) as exc:
        close(opp, LOST, expected_version=opp.version - 1)

    assert error_codes(exc.value) == ["stale"]


# -- reopen ----------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["", "   "])
def test_reopen_needs_a_reason(manager, given):
    opp = OpportunityFactory(lost=True)

    with pytest.raises(ValidationError) as exc:
        reopen(opp, manager, reason=given)

    assert error_codes(exc.value) == {"reason": ["reopen_reason_required"]}
    assert Opportunity.objects.get(pk=opp.pk).status == Status.LOST


def test_reopen_reason_is_at_most_250_characters(manager):
    opp = OpportunityFactory(lost=True)

    with pytest.raises(ValidationError) as exc:
        reopen(opp, manager, reason="x" * 251)

    assert error_codes(exc.value) == {"reason": ["note_too_long"]}


def test_reopen_keeps_the_reason_on_the_reopened_entry(manager):
    opp = reopen(OpportunityFactory(lost=True), manager, reason=" New budget ")

    entry = opp.entries.get(active=True)
    assert (entry.action_taken, entry.note) == (Action.REOPENED, "New budget")
    assert [e.note for e in opp.entries.exclude(pk=entry.pk)] == ["", ""]


@pytest.mark.parametrize("outcome", [WON, LOST])
def test_close_keeps_its_optional_note_on_the_closing_entry(outcome):
    opp = close(on_stage_20(), outcome, note=" Signed at the fair ")

    entry = opp.entries.get(active=True)
    assert (entry.action_taken, entry.note) == (outcome, "Signed at the fair")


def test_close_without_a_note_keeps_none():
    opp = close(on_stage_20(), LOST)

    assert opp.entries.get(active=True).note == ""


def test_close_note_is_at_most_250_characters():
    opp = on_stage_20()

    with pytest.raises(ValidationError) as exc:
        close(opp, LOST, note="x" * 251)

    assert error_codes(exc.value) == {"note": ["note_too_long"]}
    assert Opportunity.objects.get(pk=opp.pk).status == Status.IN_PROGRESS


def test_only_managers_may_reopen(rep):
    opp = OpportunityFactory(lost=True)

    with pytest.raises(PermissionDenied):
        reopen(opp, rep)

    assert Opportunity.objects.get(pk=opp.pk).status == Status.LOST
    assert opp.entries.count() == 2


@pytest.mark.parametrize("state", [{}, {"in_progress": True}])
def test_reopen_needs_a_closed_opportunity(manager, state):
    opp = OpportunityFactory(**state)

    with pytest.raises(ValidationError) as exc:
        reopen(opp, manager)

    assert error_codes(exc.value) == ["not_closed"]


@pytest.mark.parametrize("outcome", [WON, LOST])
def test_reopen_returns_to_the_last_stage_with_the_figures_before_closing(
    manager, outcome
):
    opp = on_stage_20()
    before = opp.entries.get(active=True)
    close(opp, outcome, sale_value=Decimal(99999))

    opp = reopen(opp, manager, date_of_change=D(2026, 3, 5))

    entry = opp.entries.get(active=True)
    assert entry.action_taken == Action.REOPENED
    assert entry.stage.number == 20
    assert entry.date_of_change == D(2026, 3, 5)
    assert entry.created_by == manager
    for name in FIGURES:
        assert getattr(entry, name) == getattr(before, name), name
    saved = Opportunity.objects.get(pk=opp.pk)
    assert saved.status == Status.IN_PROGRESS
    assert saved.current_stage.number == 20
    assert saved.date_closed is None
    assert saved.close_reason is None
    for name in FIGURES:
        assert getattr(saved, name) == getattr(entry, name), name


def test_reopen_moves_a_past_estimated_close_date_to_the_date_of_reopening(manager):
    opp = OpportunityFactory(lost=True)  # estimated close date 2026-01-05

    opp = reopen(opp, manager, date_of_change=D(2026, 3, 5))

    assert opp.estimated_close_date == D(2026, 3, 5)


def test_reopen_keeps_a_future_estimated_close_date(manager):
    opp = close(on_stage_20(), LOST)  # estimated close date 2026-12-31

    opp = reopen(opp, manager, date_of_change=D(2026, 3, 5))

    assert opp.estimated_close_date == D(2026, 12, 31)


def test_reopen_retires_the_closing_entry_with_its_days_open(manager):
    opp = close(on_stage_20(), WON)  # closed on 2026-03-02

    opp = reopen(opp, manager, date_of_change=D(2026, 3, 9))

    closing = opp.entries.get(action_taken=Action.WON)
    assert not closing.active
    assert closing.days_open == 7
    assert opp.entries.filter(active=True).count() == 1


def test_reopen_cannot_go_before_the_closing_date(manager):
    opp = OpportunityFactory(won=True)  # closed on START_DATE + 10 days

    with pytest.raises(ValidationError) as exc:
        reopen(opp, manager, date_of_change=START_DATE + 9 * DAY)

    assert error_codes(exc.value) == {"date_of_change": ["date_before_last_entry"]}


def test_reopen_refuses_a_stale_version(manager):
    opp = OpportunityFactory(won=True)

    with pytest.raises(ValidationError) as exc:
        reopen(opp, manager, expected_version=opp.version - 1)

    assert error_codes(exc.value) == ["stale"]
    assert Opportunity.objects.get(pk=opp.pk).status == Status.WON


def test_reopened_opportunity_moves_and_closes_again(manager):
    opp = reopen(OpportunityFactory(lost=True), manager)

    opp = services.opportunity_advance(user=manager, opportunity=opp, move=Move.NEXT)
    opp = close(opp, WON, date_closed=None)

    assert opp.status == Status.WON
    assert opp.stage.number == 20
    assert [e.action_taken for e in opp.entries.order_by("id")] == [
        Action.FIRST,
        Action.LOST,
        Action.REOPENED,
        Action.NEXT,
        Action.WON,
    ]


def test_reopening_one_closed_before_start_goes_back_to_not_started(manager):
    opp = close(OpportunityFactory(), WON, sale_value=Decimal(700))

    opp = reopen(opp, manager, date_of_change=D(2026, 3, 5))

    saved = Opportunity.objects.get(pk=opp.pk)
    assert saved.status == Status.NOT_STARTED
    assert saved.stage is None
    assert saved.date_closed is None
    assert saved.close_reason is None
    entry = saved.entries.get(active=True)
    assert entry.action_taken == Action.REOPENED
    assert entry.stage is None
    assert (entry.estimated_value, entry.current_value) == (0, 0)


def test_opportunity_reopened_before_start_can_then_be_started(manager):
    opp = close(OpportunityFactory(), LOST)
    opp = reopen(opp, manager, date_of_change=D(2026, 3, 5))

    opp = services.opportunity_advance(
        user=manager,
        opportunity=opp,
        move=Move.START,
        date_of_change=D(2026, 3, 6),
        estimated_value=Decimal(100),
    )

    assert opp.status == Status.IN_PROGRESS
    assert opp.stage.number == 10
    entries = list(opp.entries.order_by("id"))
    assert [e.action_taken for e in entries] == [
        Action.LOST,
        Action.REOPENED,
        Action.FIRST,
    ]
    assert [e.days_open for e in entries] == [3, 1, 0]
    assert [e.active for e in entries] == [False, False, True]
