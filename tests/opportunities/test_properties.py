"""Property-based tests: whatever values and sequence of actions come in, the
services either do what was asked or refuse it with a ValidationError, and the
history keeps its invariants (tests/invariants.py)."""

import contextlib
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opportunities import history, services
from opportunities.forms import AdvanceForm, CloseForm
from opportunities.models import CloseReasonType, Opportunity
from opportunities.moves import Move, available
from tests.factories import (
    START_DATE,
    CloseReasonFactory,
    CompanyFactory,
    SalespersonFactory,
    cycle_with_stages,
)
from tests.invariants import assert_consistent_history

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=60,
    derandomize=True,  # the same examples on every run: CI stays reproducible
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

money = st.one_of(
    st.none(),
    st.decimals(min_value=-1000, max_value=10**12, places=2, allow_nan=False),
)
percent = st.one_of(
    st.none(), st.decimals(min_value=-50, max_value=200, places=2, allow_nan=False)
)
days = st.integers(min_value=-10, max_value=400)
advance = st.tuples(
    st.just("advance"),
    st.sampled_from(Move.values),
    st.integers(min_value=0, max_value=5),  # which stage, if it needs one
    days,
    money,
    percent,
    st.one_of(st.none(), days),
)
close = st.tuples(
    st.just("close"),
    st.sampled_from(CloseReasonType.values),
    st.booleans(),  # a reason of the right type?
    days,
    money,
)
reopen = st.tuples(st.just("reopen"), days)


class Rollback(Exception):
    """Ends an example: its opportunity and history go with the savepoint."""


@contextlib.contextmanager
def fresh_opportunity(world):
    """A not-started opportunity for one example, gone with it afterwards."""
    try:
        with transaction.atomic():
            yield services.opportunity_create(
                user=world["manager"],
                contact=world["contact"],
                salesperson=world["salesperson"],
                sales_cycle=world["cycle"],
                description="Property",
                creation_date=START_DATE,
            )
            raise Rollback
    except Rollback:
        pass


@pytest.fixture
def world(manager):
    cycle = cycle_with_stages(
        (10, 10, 20, {}),
        (20, 25, 40, {"allow_skip": True}),
        (30, 50, 60, {"allow_skip": True, "quote_required": True}),
        (40, 80, 80, {}),
    )
    return {
        "cycle": cycle,
        "stages": list(cycle.stages.order_by("number")),
        "contact": CompanyFactory(),
        "salesperson": SalespersonFactory(),
        "reasons": {
            CloseReasonType.WON: CloseReasonFactory(won=True),
            CloseReasonType.LOST: CloseReasonFactory(),
        },
        "manager": manager,
    }


def last_date(opportunity) -> datetime.date:
    entry = history.active_entry(opportunity)
    return entry.date_of_change if entry else opportunity.creation_date


def act(world, opportunity, action) -> None:
    """Run one action; a refusal must be a ValidationError (or, to reopen as a
    rep, PermissionDenied)."""
    kind, *args = action
    base = last_date(opportunity)
    try:
        if kind == "advance":
            move, index, offset, value, chances, close_in = args
            date = base + datetime.timedelta(days=offset)
            services.opportunity_advance(
                user=world["manager"],
                opportunity=opportunity,
                move=move,
                target_stage=world["stages"][index % len(world["stages"])],
                date_of_change=date,
                estimated_value=value,
                chances_pct=chances,
                estimated_close_date=None
                if close_in is None
                else date + datetime.timedelta(days=close_in),
            )
        elif kind == "close":
            outcome, right_reason, offset, value = args
            other = (
                CloseReasonType.LOST
                if outcome == CloseReasonType.WON
                else CloseReasonType.WON
            )
            services.opportunity_close(
                user=world["manager"],
                opportunity=opportunity,
                outcome=outcome,
                close_reason=world["reasons"][outcome if right_reason else other],
                date_closed=base + datetime.timedelta(days=args[2]),
                sale_value=value,
            )
        else:
            services.opportunity_reopen(
                user=world["manager"],
                opportunity=opportunity,
                reason="Back",
                date_of_change=base + datetime.timedelta(days=args[0]),
            )
    except ValidationError:
        pass


@EXAMPLES
@given(actions=st.lists(st.one_of(advance, close, reopen), max_size=12))
def test_any_sequence_of_actions_keeps_the_history_consistent(world, actions):
    with fresh_opportunity(world) as opportunity:
        for action in actions:
            act(world, opportunity, action)
            opportunity = Opportunity.objects.get(pk=opportunity.pk)
            assert_consistent_history(opportunity)


text = st.text(max_size=40)
field_value = st.one_of(
    text,
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(str),
    st.sampled_from(["", "0", "1e9999", "nan", "2026-02-30", "1 234,50", "-1"]),
)
ADVANCE_FIELDS = (
    "move",
    "target_stage",
    "date_of_change",
    "estimated_value",
    "chances_pct",
    "estimated_close_date",
    "version",
)
CLOSE_FIELDS = ("outcome", "close_reason", "date_closed", "sale_value", "version")


@EXAMPLES
@given(
    data=st.fixed_dictionaries(
        dict.fromkeys(
            (
                "move",
                "target_stage",
                "date_of_change",
                "estimated_value",
                "chances_pct",
                "estimated_close_date",
                "version",
            ),
            field_value,
        )
    ),
    closing=st.fixed_dictionaries(
        dict.fromkeys(
            ("outcome", "close_reason", "date_closed", "sale_value", "version"),
            field_value,
        )
    ),
)
def test_forms_take_any_input_and_answer_with_field_errors(world, data, closing):
    with fresh_opportunity(world) as opportunity:
        options = available(world["stages"], opportunity.current_stage)
        advance_form = AdvanceForm(
            data, opportunity=opportunity, user=world["manager"], options=options
        )
        if advance_form.is_valid():
            advance_form.save()
        close_form = CloseForm(closing, opportunity=opportunity, user=world["manager"])
        if close_form.is_valid():
            close_form.save()
        assert_consistent_history(Opportunity.objects.get(pk=opportunity.pk))


def test_a_rep_reopening_is_refused_with_permission_denied(world, rep):
    opportunity = services.opportunity_create(
        user=rep,
        contact=world["contact"],
        salesperson=world["salesperson"],
        sales_cycle=world["cycle"],
        description="Closed",
        creation_date=START_DATE,
    )
    services.opportunity_close(
        user=rep,
        opportunity=opportunity,
        outcome=CloseReasonType.LOST,
        close_reason=world["reasons"][CloseReasonType.LOST],
        date_closed=START_DATE,
    )

    with pytest.raises(PermissionDenied):
        services.opportunity_reopen(user=rep, opportunity=opportunity, reason="Back")

    assert Decimal(0) == Opportunity.objects.get(pk=opportunity.pk).current_value
