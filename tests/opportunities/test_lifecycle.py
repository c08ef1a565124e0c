"""A whole life cycle through the services: start, next, skip, update, close, reopen."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from opportunities import services
from opportunities.models import Action, Opportunity, Status
from opportunities.moves import Move
from salescycles import services as salescycle_services
from tests.factories import CloseReasonFactory, OpportunityFactory, cycle_with_stages
from tests.invariants import assert_consistent_history

pytestmark = pytest.mark.django_db

D = datetime.date


def test_walk_through_cycle_writes_a_consistent_history(manager):
    cycle = cycle_with_stages(
        (1, 10, 20, {"date_formula": "2W"}),
        (2, 25, 40, {"allow_skip": True}),
        (3, 50, 60, {}),
        (4, 80, 80, {}),
    )
    opp = OpportunityFactory(sales_cycle=cycle, creation_date=D(2026, 3, 1))

    opp = services.opportunity_advance(
        user=manager, opportunity=opp, move=Move.START, date_of_change=D(2026, 3, 2)
    )
    assert opp.status == Status.IN_PROGRESS
    assert opp.stage.number == 1
    assert opp.estimated_close_date == D(2026, 3, 16)

    opp = services.opportunity_advance(
        user=manager,
        opportunity=opp,
        move=Move.NEXT,
        date_of_change=D(2026, 3, 5),
        estimated_value=Decimal(10000),
    )
    opp = services.opportunity_advance(
        user=manager,
        opportunity=opp,
        move=Move.PREVIOUS,
        date_of_change=D(2026, 3, 6),
    )
    opp = services.opportunity_advance(
        user=manager,
        opportunity=opp,
        move=Move.SKIP,
        target_stage=cycle.stages.get(number=3),
        date_of_change=D(2026, 3, 9),
    )
    assert opp.stage.number == 3
    opp = services.opportunity_close(
        user=manager,
        opportunity=opp,
        outcome="won",
        close_reason=CloseReasonFactory(code="WON", type="won"),
        date_closed=D(2026, 3, 20),
        sale_value=Decimal(12000),
    )
    entries = list(opp.entries.order_by("id"))
    assert [e.action_taken for e in entries] == [
        Action.FIRST,
        Action.NEXT,
        Action.PREVIOUS,
        Action.JUMPED,
        Action.WON,
    ]
    assert [e.days_open for e in entries] == [3, 1, 3, 11, 0]
    assert [e.active for e in entries] == [False] * 4 + [True]
    assert opp.status == Status.WON
    assert opp.stage.number == 3  # last stage reached stays visible
    assert opp.current_value == Decimal("12000.00")
    assert entries[-1].previous_stage.number == 3

    opp = services.opportunity_reopen(
        user=manager, opportunity=opp, reason="Back", date_of_change=D(2026, 3, 25)
    )
    assert opp.status == Status.IN_PROGRESS
    assert opp.stage.number == 3
    assert opp.estimated_value == Decimal("10000.00")
    assert opp.probability_pct == Decimal("30.00")
    assert opp.current_value == Decimal("3000.00")


def test_the_furthest_stage_is_the_highest_reached_through_every_move(manager):
    cycle = cycle_with_stages()  # stages 10, 20, 30, 40
    opp = OpportunityFactory(sales_cycle=cycle, creation_date=D(2026, 3, 1))
    assert opp.furthest_stage is None
    reached = []
    for move in (Move.START, Move.NEXT, Move.NEXT, Move.PREVIOUS, Move.PREVIOUS):
        opp = services.opportunity_advance(
            user=manager, opportunity=opp, move=move, estimated_value=Decimal(1000)
        )
        reached.append((opp.stage.number, opp.furthest_stage.number))
    assert reached == [(10, 10), (20, 20), (30, 30), (20, 30), (10, 30)]
    opp = services.opportunity_close(
        user=manager,
        opportunity=opp,
        outcome="lost",
        close_reason=CloseReasonFactory(code="LOST", type="lost"),
    )
    opp.refresh_from_db()
    assert opp.furthest_stage.number == 30


def test_the_migration_fills_in_the_furthest_stage_from_the_history(manager):
    """0006 sets furthest_stage for opportunities made before it."""
    migration = importlib.import_module("opportunities.migrations.0006_furthest_stage")
    cycle = cycle_with_stages()
    started = OpportunityFactory(sales_cycle=cycle)
    for move in (Move.START, Move.NEXT, Move.NEXT, Move.PREVIOUS):
        started = services.opportunity_advance(
            user=manager, opportunity=started, move=move, estimated_value=Decimal(1000)
        )
    never = OpportunityFactory(sales_cycle=cycle)
    Opportunity.objects.update(furthest_stage=None)

    migration.fill_furthest_stage(apps, None)

    started.refresh_from_db()
    never.refresh_from_db()
    assert started.furthest_stage.number == 30
    assert never.furthest_stage is None


def test_renumbering_a_stage_works_the_furthest_stage_out_again(manager):
    cycle = cycle_with_stages()  # stages 10, 20, 30, 40
    opp = OpportunityFactory(sales_cycle=cycle)
    for move in (Move.START, Move.NEXT, Move.NEXT, Move.PREVIOUS):
        opp = services.opportunity_advance(
            user=manager, opportunity=opp, move=move, estimated_value=Decimal(1000)
        )
    assert opp.furthest_stage.number == 30

    stage = cycle.stages.get(number=30)
    stage.number = 15  # now before 20, where the opportunity went back to
    salescycle_services.stage_save(user=manager, stage=stage)

    opp.refresh_from_db()
    assert opp.furthest_stage.number == 20
    assert_consistent_history(opp)
