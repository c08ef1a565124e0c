"""``opportunity_advance``: start, next, previous, skip, jump back and update."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from opportunities import services
from opportunities.models import Action, Opportunity, Status, Task, TaskStatus
from opportunities.moves import Move
from salescycles.models import ActivityStepType, Priority, Stage
from salescycles.probability import Method
from tests.conftest import error_codes
from tests.factories import (
    START_DATE,
    ActivityFactory,
    ActivityStepFactory,
    OpportunityFactory,
    SalesCycleFactory,
    SalesQuoteFactory,
    TaskFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = datetime.timedelta(days=1)
LATER = D(2026, 3, 2)

FIGURES = [
    "estimated_value",
    "chances_pct",
    "completed_pct",
    "probability_pct",
    "current_value",
    "estimated_close_date",
]


def advance(opportunity, move, **kwargs):
    kwargs.setdefault("user", None)
    return services.opportunity_advance(opportunity=opportunity, move=move, **kwargs)


def skip_cycle(stage_options=None):
    """Stages 10-40 (default figures); 20 and 30 allow skip; options by number."""
    stage_options = stage_options or {}
    specs = [
        (10, 10, 20, {}),
        (20, 25, 40, {"allow_skip": True}),
        (30, 50, 60, {"allow_skip": True}),
        (40, 80, 80, {}),
    ]
    return cycle_with_stages(
        *[
            (number, done, chances, options | stage_options.get(number, {}))
            for number, done, chances, options in specs
        ]
    )


def walked_to(number, cycle=None, **fields):
    """In progress (value 1,000) on stage ``number``, one day per stage from start."""
    opportunity = OpportunityFactory(
        in_progress=True, sales_cycle=cycle or cycle_with_stages(), **fields
    )
    day = START_DATE
    while opportunity.stage.number != number:
        day += DAY
        opportunity = advance(opportunity, Move.NEXT, date_of_change=day)
    return opportunity


def stage(opportunity, number):
    return opportunity.sales_cycle.stages.get(number=number)


def last_entry(opportunity):
    return opportunity.entries.get(active=True)


# -- start -----------------------------------------------------------------------------


def test_start_enters_the_lowest_stage_with_a_first_entry(manager):
    opp = OpportunityFactory(contact__name="ACME")

    opp = advance(opp, Move.START, user=manager, date_of_change=D(2026, 1, 6))

    assert opp.status == Status.IN_PROGRESS
    assert opp.stage.number == 10
    entry = opp.entries.get()
    assert entry.action_taken == Action.FIRST
    assert entry.stage.number == 10
    assert entry.previous_stage is None
    assert entry.date_of_change == D(2026, 1, 6)
    assert entry.active
    assert entry.days_open == 0
    assert entry.estimated_value == Decimal(0)  # start may leave it 0
    assert entry.chances_pct == Decimal(20)
    assert entry.completed_pct == Decimal(10)
    assert entry.probability_pct == Decimal("2.00")
    assert entry.current_value == Decimal(0)
    assert entry.created_by == manager
    assert entry.sales_cycle == opp.sales_cycle
    assert entry.contact == opp.contact
    assert entry.contact_company == opp.contact
    assert entry.salesperson == opp.salesperson


def test_start_into_a_quote_required_stage_needs_no_quote():
    cycle = cycle_with_stages((1, 10, 20, {"quote_required": True}), (2, 20, 30, {}))
    opp = OpportunityFactory(sales_cycle=cycle)

    opp = advance(opp, Move.START, date_of_change=START_DATE)

    assert opp.stage.number == 1


# -- defaults --------------------------------------------------------------------------


def test_date_of_change_defaults_to_today_after_an_older_entry():
    opp = OpportunityFactory(in_progress=True)  # last entry on START_DATE

    opp = advance(opp, Move.NEXT)

    assert last_entry(opp).date_of_change == timezone.localdate()


def test_date_of_change_defaults_to_the_last_entry_date_when_that_is_later():
    # Issue 16: a date of change after today is refused, so the last entry is
    # later than "today" only for a today given to the defaults.
    opp = OpportunityFactory(in_progress=True)  # last entry on START_DATE

    defaults = services.advance_defaults(
        opp, Move.NEXT, stage(opp, 20), today=START_DATE - 10 * DAY
    )

    assert defaults["date_of_change"] == START_DATE


def test_start_date_defaults_to_the_later_of_today_and_the_creation_date():
    today = timezone.localdate()
    opp = OpportunityFactory(creation_date=today - 30 * DAY)

    opp = advance(opp, Move.START)

    assert last_entry(opp).date_of_change == today


def test_a_default_date_after_today_is_refused_as_date_in_future():
    # Issue 16: once the default of a creation date ahead, now refused.
    opp = OpportunityFactory(creation_date=timezone.localdate() + 5 * DAY)

    with pytest.raises(ValidationError) as raised:
        advance(opp, Move.START)

    assert error_codes(raised.value) == {"date_of_change": ["date_in_future"]}


@pytest.mark.parametrize("move", [Move.NEXT, Move.UPDATE])
def test_estimated_value_defaults_to_the_last_entrys(move):
    opp = OpportunityFactory(in_progress=True)

    opp = advance(opp, move, date_of_change=LATER)

    assert last_entry(opp).estimated_value == Decimal("1000.00")


def test_estimated_value_defaults_to_the_quote_amount():
    opp = OpportunityFactory(in_progress=True)
    SalesQuoteFactory(opportunity=opp, amount=Decimal("2500.50"))

    opp = advance(opp, Move.NEXT, date_of_change=LATER)

    assert last_entry(opp).estimated_value == Decimal("2500.50")


def test_typed_estimated_value_is_kept_in_cents():
    opp = OpportunityFactory(in_progress=True)

    opp = advance(
        opp, Move.UPDATE, date_of_change=LATER, estimated_value=Decimal("1234.565")
    )

    assert last_entry(opp).estimated_value == Decimal("1234.57")
    assert opp.estimated_value == Decimal("1234.57")


@pytest.mark.parametrize(
    ("current", "move", "target", "chances", "completed"),
    [
        (10, Move.NEXT, 20, 40, 25),
        (10, Move.SKIP, 30, 60, 50),
        (10, Move.SKIP, 40, 80, 80),
        (30, Move.PREVIOUS, 20, 40, 25),
        (30, Move.JUMP_BACK, 10, 20, 10),
        (30, Move.UPDATE, 30, 60, 50),
    ],
)
def test_chances_and_completed_default_from_the_target_stage(
    current, move, target, chances, completed
):
    opp = walked_to(current, skip_cycle())

    opp = advance(opp, move, target_stage=stage(opp, target), date_of_change=LATER)

    entry = last_entry(opp)
    assert entry.stage.number == target
    assert entry.chances_pct == Decimal(chances)
    assert entry.completed_pct == Decimal(completed)


def test_an_update_keeps_the_chances_and_close_date_it_updates():
    opp = OpportunityFactory(in_progress=True)
    opp = advance(
        opp,
        Move.UPDATE,
        date_of_change=LATER,
        chances_pct=Decimal("45.5"),
        estimated_close_date=LATER + datetime.timedelta(days=60),
    )

    defaults = services.advance_defaults(opp, Move.UPDATE, opp.stage, today=LATER)
    opp = advance(opp, Move.UPDATE, date_of_change=LATER, estimated_value=Decimal(5))

    assert defaults["chances_pct"] == Decimal("45.5")
    assert defaults["estimated_close_date"] == LATER + datetime.timedelta(days=60)
    assert last_entry(opp).chances_pct == Decimal("45.5")
    assert last_entry(opp).estimated_close_date == LATER + datetime.timedelta(days=60)


def test_a_move_to_another_stage_proposes_that_stages_chances():
    opp = OpportunityFactory(in_progress=True)
    opp = advance(opp, Move.UPDATE, date_of_change=LATER, chances_pct=Decimal("45.5"))

    opp = advance(opp, Move.NEXT, date_of_change=LATER)

    assert last_entry(opp).chances_pct == Decimal(40)


def test_chances_left_zero_take_the_target_stage_value():
    opp = OpportunityFactory(in_progress=True)

    opp = advance(opp, Move.NEXT, date_of_change=LATER, chances_pct=Decimal(0))

    assert last_entry(opp).chances_pct == Decimal(40)


def test_typed_chances_are_kept_and_completed_still_comes_from_the_stage():
    opp = OpportunityFactory(in_progress=True)

    opp = advance(opp, Move.NEXT, date_of_change=LATER, chances_pct=Decimal("33.5"))

    entry = last_entry(opp)
    assert entry.chances_pct == Decimal("33.50")
    assert entry.completed_pct == Decimal(25)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("", D(2026, 3, 10)),
        ("2W", D(2026, 3, 24)),
        ("CM+1M", D(2026, 4, 30)),
    ],
)
def test_estimated_close_date_defaults_to_the_target_stage_formula(formula, expected):
    cycle = cycle_with_stages(
        (10, 10, 20, {"date_formula": "1Y"}),
        (20, 25, 40, {"date_formula": formula}),
    )
    opp = OpportunityFactory(in_progress=True, sales_cycle=cycle)

    opp = advance(opp, Move.NEXT, date_of_change=D(2026, 3, 10))

    assert last_entry(opp).estimated_close_date == expected


@pytest.mark.parametrize("close_date", [D(2026, 3, 2), D(2026, 9, 30)])
def test_typed_estimated_close_date_is_kept(close_date):
    opp = OpportunityFactory(in_progress=True)

    opp = advance(
        opp, Move.NEXT, date_of_change=D(2026, 3, 2), estimated_close_date=close_date
    )

    assert last_entry(opp).estimated_close_date == close_date


def test_advance_defaults_propose_what_a_move_would_write():
    cycle = skip_cycle({30: {"date_formula": "1M"}})
    opp = OpportunityFactory(in_progress=True, sales_cycle=cycle)
    SalesQuoteFactory(opportunity=opp, amount=Decimal(3000))

    defaults = services.advance_defaults(
        opp, Move.SKIP, stage(opp, 30), today=D(2026, 2, 10)
    )

    assert defaults == {
        "date_of_change": D(2026, 2, 10),
        "estimated_value": Decimal("3000.00"),
        "chances_pct": Decimal(60),
        "estimated_close_date": D(2026, 3, 10),
    }


@pytest.mark.parametrize(
    ("current", "move", "target", "action"),
    [
        (10, Move.NEXT, 20, Action.NEXT),
        (10, Move.SKIP, 20, Action.NEXT),
        (10, Move.SKIP, 30, Action.JUMPED),
        (30, Move.PREVIOUS, 20, Action.PREVIOUS),
        (40, Move.JUMP_BACK, 30, Action.PREVIOUS),
        (40, Move.JUMP_BACK, 10, Action.JUMPED),
        (20, Move.UPDATE, 20, Action.UPDATED),
    ],
)
def test_each_move_writes_its_action(current, move, target, action):
    opp = walked_to(current, skip_cycle())

    opp = advance(opp, move, target_stage=stage(opp, target), date_of_change=LATER)

    entry = last_entry(opp)
    assert entry.action_taken == action
    assert (entry.previous_stage.number, entry.stage.number) == (current, target)


# -- probability and current value -----------------------------------------------------


# The worked example: C = 60, K = 25 on an opportunity estimated at 10,000.
@pytest.mark.parametrize(
    ("method", "probability", "value"),
    [
        (Method.MULTIPLY, "15.00", "1500.00"),
        (Method.ADD, "42.50", "4250.00"),
        (Method.CHANCES, "60.00", "6000.00"),
        (Method.COMPLETED, "25.00", "2500.00"),
    ],
)
def test_probability_and_current_value_follow_the_cycle_method(
    method, probability, value
):
    cycle = cycle_with_stages(
        (1, 10, 20, {}), (2, 25, 60, {}), probability_method=method
    )
    opp = OpportunityFactory(in_progress=True, sales_cycle=cycle)

    opp = advance(opp, Move.NEXT, date_of_change=LATER, estimated_value=Decimal(10000))

    entry = last_entry(opp)
    assert entry.probability_pct == Decimal(probability)
    assert entry.current_value == Decimal(value)
    opp.refresh_from_db()
    assert opp.probability_pct == Decimal(probability)
    assert opp.current_value == Decimal(value)


# -- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "move"),
    [
        (None, Move.NEXT),
        (None, Move.PREVIOUS),
        (None, Move.SKIP),
        (None, Move.JUMP_BACK),
        (None, Move.UPDATE),
        (10, Move.START),
        (10, Move.PREVIOUS),
        (10, Move.JUMP_BACK),
        (10, Move.SKIP),  # stage 20 does not allow skip
        (20, Move.JUMP_BACK),  # only one stage below
        (40, Move.NEXT),
        (40, Move.SKIP),
    ],
)
def test_unavailable_move_is_refused(current, move):
    opp = walked_to(current) if current else OpportunityFactory()

    with pytest.raises(ValidationError) as exc:
        advance(opp, move, date_of_change=LATER)

    assert error_codes(exc.value) == {"move": ["move_unavailable"]}


@pytest.mark.parametrize(("current", "move"), [(10, Move.SKIP), (30, Move.JUMP_BACK)])
def test_move_with_several_targets_needs_a_target(current, move):
    opp = walked_to(current, skip_cycle())

    with pytest.raises(ValidationError) as exc:
        advance(opp, move, date_of_change=LATER)

    assert error_codes(exc.value) == {"target_stage": ["target_required"]}


@pytest.mark.parametrize(
    ("current", "move", "target"),
    [
        (None, Move.START, 20),
        (10, Move.NEXT, 30),
        (30, Move.PREVIOUS, 10),
        (10, Move.SKIP, 40),  # the chain ends at 30, which does not allow skip
        (40, Move.JUMP_BACK, 40),
        (30, Move.UPDATE, 20),
    ],
)
def test_target_outside_the_moves_candidates_is_refused(current, move, target):
    cycle = skip_cycle({30: {"allow_skip": False}})
    opp = (
        walked_to(current, cycle) if current else OpportunityFactory(sales_cycle=cycle)
    )

    with pytest.raises(ValidationError) as exc:
        advance(opp, move, target_stage=stage(opp, target), date_of_change=LATER)

    assert error_codes(exc.value) == {"target_stage": ["invalid_target_stage"]}


def test_target_of_another_cycle_is_refused():
    opp = OpportunityFactory(in_progress=True)
    elsewhere = cycle_with_stages().stages.get(number=20)

    with pytest.raises(ValidationError) as exc:
        advance(opp, Move.NEXT, target_stage=elsewhere, date_of_change=LATER)

    assert error_codes(exc.value) == {"target_stage": ["invalid_target_stage"]}


@pytest.mark.parametrize(("move", "target"), [(Move.NEXT, 20), (Move.SKIP, 30)])
def test_next_or_skip_into_quote_required_stage_needs_a_quote(move, target):
    cycle = skip_cycle({20: {"quote_required": True}, 30: {"quote_required": True}})
    opp = OpportunityFactory(in_progress=True, sales_cycle=cycle)

    with pytest.raises(ValidationError) as exc:
        advance(opp, move, target_stage=stage(opp, target), date_of_change=LATER)

    assert error_codes(exc.value) == {"target_stage": ["quote_required"]}


@pytest.mark.parametrize(("move", "target"), [(Move.NEXT, 20), (Move.SKIP, 30)])
def test_next_or_skip_into_quote_required_stage_with_a_quote(move, target):
    cycle = skip_cycle({20: {"quote_required": True}, 30: {"quote_required": True}})
    opp = OpportunityFactory(in_progress=True, sales_cycle=cycle)
    SalesQuoteFactory(opportunity=opp)

    opp = advance(opp, move, target_stage=stage(opp, target), date_of_change=LATER)

    assert opp.stage.number == target


@pytest.mark.parametrize(
    ("move", "target"), [(Move.PREVIOUS, 30), (Move.JUMP_BACK, 20)]
)
def test_previous_or_jump_back_into_quote_required_stage_needs_no_quote(move, target):
    opp = walked_to(40)
    Stage.objects.filter(cycle=opp.sales_cycle).update(quote_required=True)

    opp = advance(opp, move, target_stage=stage(opp, target), date_of_change=LATER)

    assert opp.stage.number == target


@pytest.mark.parametrize("move", [Move.NEXT, Move.UPDATE])
def test_date_of_change_cannot_go_before_the_last_entry(move):
    opp = OpportunityFactory(in_progress=True)

    with pytest.raises(ValidationError) as exc:
        advance(opp, move, date_of_change=START_DATE - DAY)

    assert error_codes(exc.value) == {"date_of_change": ["date_before_last_entry"]}


@pytest.mark.parametrize(
    ("language", "written"), [("en", "5 Jan 2026"), ("fi", "5.1.2026")]
)
def test_the_refused_date_is_written_the_readers_way(language, written):
    opp = OpportunityFactory(in_progress=True)  # started on 5 Jan 2026

    with translation.override(language):
        with pytest.raises(ValidationError) as exc:
            advance(opp, Move.UPDATE, date_of_change=START_DATE - DAY)
        message = exc.value.messages[0]

    assert written in message


def test_date_of_change_may_equal_the_last_entrys():
    opp = OpportunityFactory(in_progress=True)

    opp = advance(opp, Move.NEXT, date_of_change=START_DATE)

    assert last_entry(opp).date_of_change == START_DATE


def test_start_cannot_be_dated_before_the_creation_date():
    opp = OpportunityFactory(creation_date=D(2026, 2, 1))

    with pytest.raises(ValidationError) as exc:
        advance(opp, Move.START, date_of_change=D(2026, 1, 31))

    assert error_codes(exc.value) == {"date_of_change": ["date_before_last_entry"]}


@pytest.mark.parametrize(
    ("move", "value"),
    [
        (Move.NEXT, Decimal(0)),
        (Move.NEXT, Decimal(-1)),
        (Move.UPDATE, Decimal(0)),
        (Move.START, Decimal("-0.01")),
    ],
)
def test_estimated_value_must_be_positive(move, value):
    opp = OpportunityFactory(in_progress=move != Move.START)

    with pytest.raises(ValidationError) as exc:
        advance(opp, move, date_of_change=LATER, estimated_value=value)

    assert error_codes(exc.value) == {"estimated_value": ["estimated_value_required"]}


def test_estimated_value_left_zero_at_start_must_be_given_on_the_next_move():
    opp = advance(OpportunityFactory(), Move.START, date_of_change=START_DATE)

    with pytest.raises(ValidationError) as exc:
        advance(opp, Move.NEXT, date_of_change=LATER)

    assert error_codes(exc.value) == {"estimated_value": ["estimated_value_required"]}


@pytest.mark.parametrize("chances", [Decimal(-5), Decimal("100.01"), Decimal(101)])
def test_chances_must_be_between_0_and_100(chances):
    opp = OpportunityFactory(in_progress=True)

    with pytest.raises(ValidationError) as exc:
        advance(opp, Move.UPDATE, date_of_change=LATER, chances_pct=chances)

    assert error_codes(exc.value) == {"chances_pct": ["chances_out_of_range"]}


def test_typed_chances_are_rounded_to_cents_before_the_probability():
    # Stage 10 is 10 % completed; multiply: 33.335 -> 33.34 % x 10 % = 3.33 %.
    opp = OpportunityFactory(in_progress=True)

    opp = advance(opp, Move.UPDATE, date_of_change=LATER, chances_pct=Decimal("33.335"))

    entry = last_entry(opp)
    assert (entry.chances_pct, entry.probability_pct) == (
        Decimal("33.34"),
        Decimal("3.33"),
    )


def test_unknown_move_is_refused_as_unavailable():
    opp = OpportunityFactory(in_progress=True)

    with pytest.raises(ValidationError) as exc:
        advance(opp, "teleport", date_of_change=LATER)

    assert error_codes(exc.value) == {"move": ["move_unavailable"]}


@pytest.mark.parametrize("chances", [Decimal("0.01"), Decimal(100)])
def test_chances_at_the_limits_are_accepted(chances):
    opp = OpportunityFactory(in_progress=True)

    opp = advance(opp, Move.UPDATE, date_of_change=LATER, chances_pct=chances)

    assert last_entry(opp).chances_pct == chances


def test_estimated_close_date_cannot_be_before_the_date_of_change():
    opp = OpportunityFactory(in_progress=True)

    with pytest.raises(ValidationError) as exc:
        advance(opp, Move.NEXT, date_of_change=LATER, estimated_close_date=LATER - DAY)

    assert error_codes(exc.value) == {
        "estimated_close_date": ["close_date_before_change"]
    }


def test_every_field_error_is_reported_at_once():
    cycle = cycle_with_stages((1, 10, 20, {}), (2, 20, 30, {"quote_required": True}))
    opp = OpportunityFactory(in_progress=True, sales_cycle=cycle)

    with pytest.raises(ValidationError) as exc:
        advance(
            opp,
            Move.NEXT,
            date_of_change=START_DATE - DAY,
            estimated_value=Decimal(0),
            chances_pct=Decimal(120),
            estimated_close_date=START_DATE - 2 * DAY,
        )

    assert error_codes(exc.value) == {
        "target_stage": ["quote_required"],
        "date_of_change": ["date_before_last_entry"],
        "estimated_value": ["estimated_value_required"],
        "chances_pct": ["chances_out_of_range"],
        "estimated_close_date": ["close_date_before_change"],
    }


def test_a_refused_move_writes_nothing():
    opp = OpportunityFactory(in_progress=True)
    version = opp.version

    with pytest.raises(ValidationError):
        advance(opp, Move.NEXT, date_of_change=LATER, estimated_value=Decimal(0))

    opp.refresh_from_db()
    assert opp.version == version
    assert opp.stage.number == 10
    assert opp.entries.count() == 1
    assert last_entry(opp).days_open == 0


@pytest.mark.parametrize("state", ["won", "lost"])
@pytest.mark.parametrize("move", [Move.START, Move.NEXT, Move.UPDATE])
def test_closed_opportunity_refuses_every_move(state, move):
    opp = OpportunityFactory(**{state: True})

    with pytest.raises(ValidationError) as exc:
        advance(opp, move, date_of_change=LATER)

    assert error_codes(exc.value) == ["closed"]


def test_start_needs_a_cycle_with_stages():
    opp = OpportunityFactory(sales_cycle=SalesCycleFactory())

    with pytest.raises(ValidationError) as exc:
        advance(opp, Move.START, date_of_change=START_DATE)

    assert error_codes(exc.value) == ["cycle_has_no_stages"]
    assert Opportunity.objects.get(pk=opp.pk).status == Status.NOT_STARTED


def test_stale_version_is_refused():
    opp = OpportunityFactory(in_progress=True)
    seen = opp.version
    advance(opp, Move.UPDATE, date_of_change=LATER)

    with pytest.raises(ValidationError) as exc:
        advance(opp, Move.NEXT, date_of_change=LATER, expected_version=seen)

    assert error_codes(exc.value) == ["stale"]
    assert Opportunity.objects.get(pk=opp.pk).stage.number == 10


def test_current_version_is_accepted_and_raised():
    opp = OpportunityFactory(in_progress=True)

    moved = advance(opp, Move.NEXT, date_of_change=LATER, expected_version=opp.version)

    assert moved.version == opp.version + 1
    assert Opportunity.objects.get(pk=opp.pk).version == opp.version + 1


# -- the ledger ------------------------------------------------------------------------


def walk(opportunity):
    """Start, next, previous, update and next on fixed dates."""
    opportunity = advance(opportunity, Move.START, date_of_change=D(2026, 1, 5))
    opportunity = advance(
        opportunity,
        Move.NEXT,
        date_of_change=D(2026, 1, 8),
        estimated_value=Decimal(5000),
    )
    opportunity = advance(opportunity, Move.PREVIOUS, date_of_change=D(2026, 1, 18))
    opportunity = advance(
        opportunity,
        Move.UPDATE,
        date_of_change=D(2026, 1, 18),
        chances_pct=Decimal(35),
        estimated_close_date=D(2026, 6, 30),
    )
    return advance(opportunity, Move.NEXT, date_of_change=D(2026, 2, 17))


def test_superseded_entries_get_their_days_open():
    opp = walk(OpportunityFactory())

    entries = opp.entries.order_by("id")
    assert [e.action_taken for e in entries] == [
        Action.FIRST,
        Action.NEXT,
        Action.PREVIOUS,
        Action.UPDATED,
        Action.NEXT,
    ]
    assert [e.days_open for e in entries] == [3, 10, 0, 30, 0]


def test_exactly_one_entry_is_active_the_latest():
    opp = walk(OpportunityFactory())

    entries = list(opp.entries.order_by("id"))
    assert [e.active for e in entries] == [False, False, False, False, True]


def test_entries_record_the_previous_stage():
    opp = walk(OpportunityFactory())

    assert [
        (e.previous_stage.number if e.previous_stage else None, e.stage.number)
        for e in opp.entries.order_by("id")
    ] == [(None, 10), (10, 20), (20, 10), (10, 10), (10, 20)]


@pytest.mark.parametrize("steps", [1, 2, 3, 4, 5])
def test_opportunity_figures_equal_the_active_entrys(steps):
    opp = OpportunityFactory()
    moves = [
        {"move": Move.START, "date_of_change": D(2026, 1, 5)},
        {"move": Move.NEXT, "estimated_value": Decimal("5000.10")},
        {"move": Move.UPDATE, "chances_pct": Decimal(35)},
        {"move": Move.NEXT, "estimated_close_date": D(2026, 12, 31)},
        {"move": Move.PREVIOUS},
    ]
    for kwargs in moves[:steps]:
        kwargs = {"date_of_change": D(2026, 2, 1)} | kwargs
        opp = advance(opp, **kwargs)

    saved = Opportunity.objects.get(pk=opp.pk)
    entry = last_entry(saved)
    assert saved.stage == entry.stage
    for name in FIGURES:
        assert getattr(saved, name) == getattr(entry, name), name
        assert getattr(opp, name) == getattr(entry, name), name


def test_each_change_raises_the_version_by_one():
    opp = OpportunityFactory()
    versions = [opp.version]
    opp = advance(opp, Move.START, date_of_change=LATER)
    versions.append(opp.version)
    opp = advance(opp, Move.NEXT, estimated_value=Decimal(1), date_of_change=LATER)
    versions.append(opp.version)

    assert versions == [versions[0], versions[0] + 1, versions[0] + 2]


# -- stage tasks -----------------------------------------------------------------------


def test_entering_a_stage_creates_one_task_per_activity_step():
    activity = ActivityFactory()
    ActivityStepFactory(
        activity=activity,
        step_no=1,
        type=ActivityStepType.PHONE_CALL,
        description="Call the buyer",
        priority=Priority.HIGH,
        date_formula="1W",
    )
    ActivityStepFactory(
        activity=activity,
        step_no=2,
        type=ActivityStepType.MEETING,
        description="Demo",
        priority=Priority.LOW,
        date_formula="CM",
    )
    cycle = cycle_with_stages((1, 10, 20, {}), (2, 25, 40, {"activity": activity}))
    opp = OpportunityFactory(in_progress=True, sales_cycle=cycle)

    opp = advance(opp, Move.NEXT, date_of_change=D(2026, 2, 3))

    entry = last_entry(opp)
    tasks = Task.objects.order_by("number")
    assert [(t.number, t.type, t.description, t.priority, t.date) for t in tasks] == [
        (
            "TD000001",
            ActivityStepType.PHONE_CALL,
            "Call the buyer",
            Priority.HIGH,
            D(2026, 2, 10),
        ),
        ("TD000002", ActivityStepType.MEETING, "Demo", Priority.LOW, D(2026, 2, 28)),
    ]
    for task in tasks:
        assert task.opportunity == opp
        assert task.opportunity_entry == entry
        assert task.salesperson == opp.salesperson
        assert task.contact == opp.contact
        assert not task.closed
        assert task.status == TaskStatus.NOT_STARTED


def test_activity_without_steps_creates_one_plain_task():
    activity = ActivityFactory(description="Qualify")
    cycle = cycle_with_stages((1, 10, 20, {}), (2, 25, 40, {"activity": activity}))
    opp = OpportunityFactory(in_progress=True, sales_cycle=cycle)

    opp = advance(opp, Move.NEXT, date_of_change=D(2026, 2, 3))

    task = Task.objects.get()
    assert task.type == ActivityStepType.NONE
    assert task.description == "Qualify"
    assert task.date == D(2026, 2, 3)
    assert task.priority == Priority.NORMAL
    assert task.opportunity_entry == last_entry(opp)


@pytest.mark.parametrize(
    ("current", "move", "target"),
    [
        (None, Move.START, 10),
        (10, Move.NEXT, 20),
        (30, Move.PREVIOUS, 20),
        (10, Move.SKIP, 30),
        (40, Move.JUMP_BACK, 20),
    ],
)
def test_every_move_entering_a_stage_creates_its_tasks(current, move, target):
    cycle = skip_cycle()
    opp = (
        walked_to(current, cycle) if current else OpportunityFactory(sales_cycle=cycle)
    )
    cycle.stages.filter(number=target).update(activity=ActivityFactory())

    opp = advance(
        opp,
        move,
        target_stage=stage(opp, target),
        date_of_change=LATER,
        estimated_value=Decimal(1000),
    )

    assert Task.objects.filter(opportunity=opp).count() == 1
    assert Task.objects.get().opportunity_entry == last_entry(opp)


def test_update_creates_no_stage_tasks():
    cycle = cycle_with_stages((1, 10, 20, {"activity": ActivityFactory()}))
    opp = OpportunityFactory(in_progress=True, sales_cycle=cycle)
    assert Task.objects.count() == 1  # from the start

    advance(opp, Move.UPDATE, date_of_change=LATER)

    assert Task.objects.count() == 1


def test_stage_without_activity_creates_no_tasks():
    opp = OpportunityFactory(in_progress=True)

    advance(opp, Move.NEXT, date_of_change=LATER)

    assert not Task.objects.exists()


def test_entering_a_stage_cancels_the_open_tasks_the_stage_left_made():
    # Issue 16: by default a move cancels the tasks of the stage being left;
    # tasks made by hand, closed ones and other opportunities' stay as they are.
    cycle = cycle_with_stages(
        (1, 10, 20, {"activity": ActivityFactory(description="Qualify")}),
        (2, 25, 40, {"activity": ActivityFactory(description="Demo")}),
    )
    opp = OpportunityFactory(in_progress=True, sales_cycle=cycle)
    qualify = Task.objects.get(opportunity=opp, description="Qualify")
    by_hand = TaskFactory(opportunity=opp)
    done_task = TaskFactory(opportunity=opp, completed=True)
    elsewhere = TaskFactory()

    opp = advance(opp, Move.NEXT, date_of_change=LATER)

    qualify.refresh_from_db()
    assert (qualify.closed, qualify.cancelled, qualify.status) == (
        True,
        True,
        TaskStatus.COMPLETED,
    )
    assert qualify.date_closed == LATER
    for task in (by_hand, done_task, elsewhere):
        before = (task.closed, task.cancelled)
        task.refresh_from_db()
        assert (task.closed, task.cancelled) == before
    stage_task = Task.objects.get(opportunity_entry=last_entry(opp))
    assert (stage_task.description, stage_task.closed) == ("Demo", False)


def test_a_rep_may_keep_the_tasks_of_the_stage_left():
    cycle = cycle_with_stages(
        (1, 10, 20, {"activity": ActivityFactory(description="Qualify")}),
        (2, 25, 40, {}),
    )
    opp = OpportunityFactory(in_progress=True, sales_cycle=cycle)

    advance(opp, Move.NEXT, date_of_change=LATER, cancel_stage_tasks=False)

    assert Task.objects.get(description="Qualify").closed is False


def test_a_walk_through_the_cycle_leaves_only_the_current_stages_tasks():
    # Issue 16: next, next, skip, previous, jump back left 11 open tasks.
    activities = [ActivityFactory(description=f"Step at {n}") for n in range(5)]
    for activity in activities:
        ActivityStepFactory(activity=activity, description=f"{activity} call")
        ActivityStepFactory(activity=activity, description=f"{activity} mail")
    cycle = cycle_with_stages(
        *[
            (10 * (n + 1), 10 * (n + 1), 50, {"activity": a, "allow_skip": True})
            for n, a in enumerate(activities)
        ]
    )
    stages = list(cycle.stages.order_by("number"))
    opp = advance(
        OpportunityFactory(sales_cycle=cycle), Move.START, estimated_value=Decimal(100)
    )
    for move, target in [
        (Move.NEXT, None),
        (Move.NEXT, None),
        (Move.SKIP, stages[4]),
        (Move.PREVIOUS, None),
        (Move.JUMP_BACK, stages[0]),
    ]:
        opp = advance(opp, move, target_stage=target)

    open_tasks = Task.objects.filter(opportunity=opp, closed=False)
    assert opp.stage == stages[0]
    assert sorted(open_tasks.values_list("description", flat=True)) == [
        f"{activities[0]} call",
        f"{activities[0]} mail",
    ]


def test_re_entering_a_stage_does_not_repeat_a_task_still_open():
    cycle = cycle_with_stages(
        (1, 10, 20, {"activity": ActivityFactory(description="Qualify")}),
        (2, 25, 40, {}),
    )
    opp = advance(
        OpportunityFactory(sales_cycle=cycle), Move.START, estimated_value=Decimal(100)
    )
    opp = advance(opp, Move.NEXT, cancel_stage_tasks=False)

    advance(opp, Move.PREVIOUS)

    assert Task.objects.filter(description="Qualify", closed=False).count() == 1


def test_open_tasks_stay_open_unless_cancelled():
    opp = OpportunityFactory(in_progress=True)
    task = TaskFactory(opportunity=opp)

    advance(opp, Move.NEXT, date_of_change=LATER)

    task.refresh_from_db()
    assert not task.closed
    assert not task.cancelled
