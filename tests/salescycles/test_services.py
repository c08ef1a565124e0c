"""Sales cycle, stage and activity services, and the invariants the database keeps."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from opportunities.models import Opportunity, OpportunityEntry
from opportunities.moves import Move
from opportunities.services import opportunity_advance
from salescycles import services
from salescycles.models import Activity, ActivityStep, SalesCycle, Stage
from tests.conftest import error_codes
from tests.factories import (
    ActivityFactory,
    ActivityStepFactory,
    OpportunityFactory,
    SalesCycleFactory,
    StageFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db


# -- deleting cycles -------------------------------------------------------------------


@pytest.mark.parametrize("state", [{}, {"in_progress": True}])
def test_cycle_with_open_opportunities_cannot_be_deleted(state):
    opp = OpportunityFactory(**state)

    with pytest.raises(ValidationError) as exc:
        services.sales_cycle_delete(user=None, cycle=opp.sales_cycle)

    assert error_codes(exc.value) == ["cycle_has_open_opportunities"]
    assert SalesCycle.objects.filter(pk=opp.sales_cycle_id).exists()


@pytest.mark.parametrize("state", ["won", "lost"])
def test_cycle_with_only_closed_history_is_in_use(state):
    opp = OpportunityFactory(**{state: True})

    with pytest.raises(ValidationError) as exc:
        services.sales_cycle_delete(user=None, cycle=opp.sales_cycle)

    assert error_codes(exc.value) == ["cycle_in_use"]
    assert opp.sales_cycle.stages.count() == 4


def test_unused_cycle_is_deleted_with_its_stages():
    cycle = cycle_with_stages()
    kept = cycle_with_stages()

    services.sales_cycle_delete(user=None, cycle=cycle)

    assert list(SalesCycle.objects.all()) == [kept]
    assert not Stage.objects.filter(cycle_id=cycle.pk).exists()
    assert kept.stages.count() == 4


# -- deleting stages -------------------------------------------------------------------


def test_stage_an_open_opportunity_stands_on_cannot_be_deleted():
    opp = OpportunityFactory(in_progress=True)

    with pytest.raises(ValidationError) as exc:
        services.stage_delete(user=None, stage=opp.stage)

    assert error_codes(exc.value) == ["stage_has_opportunities"]
    assert Stage.objects.filter(pk=opp.stage_id).exists()


def test_stage_reached_by_a_closed_opportunity_is_in_use():
    opp = OpportunityFactory(won=True)

    with pytest.raises(ValidationError) as exc:
        services.stage_delete(user=None, stage=opp.stage)

    assert error_codes(exc.value) == ["stage_in_use"]


def test_stage_in_the_history_only_is_in_use():
    opp = OpportunityFactory(in_progress=True)
    first = opp.stage
    opportunity_advance(user=None, opportunity=opp, move=Move.NEXT)

    with pytest.raises(ValidationError) as exc:
        services.stage_delete(user=None, stage=first)

    assert error_codes(exc.value) == ["stage_in_use"]


def test_unused_stage_is_deleted():
    opp = OpportunityFactory(in_progress=True)
    last = opp.sales_cycle.stages.get(number=40)

    services.stage_delete(user=None, stage=last)

    assert list(opp.sales_cycle.stages.values_list("number", flat=True)) == [
        10,
        20,
        30,
    ]


# -- activities ------------------------------------------------------------------------


def test_activity_used_by_a_stage_cannot_be_deleted():
    activity = ActivityFactory()
    StageFactory(activity=activity)

    with pytest.raises(ValidationError) as exc:
        services.activity_delete(user=None, activity=activity)

    assert error_codes(exc.value) == ["activity_in_use"]
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_unused_activity_is_deleted_with_its_steps():
    activity = ActivityFactory()
    ActivityStepFactory(activity=activity)

    services.activity_delete(user=None, activity=activity)

    assert not Activity.objects.exists()
    assert not ActivityStep.objects.exists()


def test_activity_create_numbers_its_steps():
    activity = services.activity_create(
        user=None,
        code="VISIT",
        steps=[
            {"description": "Call", "date_formula": "1D"},
            {"description": "Visit", "date_formula": "1W"},
        ],
    )

    assert list(activity.steps.values_list("step_no", "description")) == [
        (1, "Call"),
        (2, "Visit"),
    ]


# -- date formulas ---------------------------------------------------------------------


@pytest.mark.parametrize("formula", ["2X", "1M1D", "CM+", "10000D"])
def test_stage_with_an_invalid_date_formula_is_refused(formula):
    cycle = SalesCycleFactory()
    stage = Stage(cycle=cycle, number=1, description="Qualify", date_formula=formula)

    with pytest.raises(ValidationError) as exc:
        services.stage_save(user=None, stage=stage)

    assert error_codes(exc.value) == {"date_formula": ["invalid_date_formula"]}
    assert not Stage.objects.exists()


def test_stage_create_refuses_an_invalid_date_formula():
    with pytest.raises(ValidationError) as exc:
        services.stage_create(
            user=None,
            cycle=SalesCycleFactory(),
            number=1,
            description="Qualify",
            date_formula="next week",
        )

    assert error_codes(exc.value) == {"date_formula": ["invalid_date_formula"]}


def test_stage_with_a_valid_date_formula_is_saved():
    stage = services.stage_save(
        user=None,
        stage=Stage(
            cycle=SalesCycleFactory(), number=1, description="Q", date_formula="CM+1M"
        ),
    )

    assert Stage.objects.get(pk=stage.pk).date_formula == "CM+1M"


def test_activity_step_with_an_invalid_date_formula_is_refused():
    step = ActivityStep(
        activity=ActivityFactory(), step_no=1, description="Call", date_formula="1Z"
    )

    with pytest.raises(ValidationError) as exc:
        services.activity_step_save(user=None, step=step)

    assert error_codes(exc.value) == {"date_formula": ["invalid_date_formula"]}


def test_activity_create_with_an_invalid_step_formula_leaves_nothing():
    with pytest.raises(ValidationError) as exc:
        services.activity_create(
            user=None, code="VISIT", steps=[{"description": "Go", "date_formula": "?"}]
        )

    assert error_codes(exc.value) == {"date_formula": ["invalid_date_formula"]}
    assert not Activity.objects.exists()


# -- invariants kept by the database ---------------------------------------------------


def refused_by_database(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_stage_number_is_unique_in_its_cycle():
    cycle = cycle_with_stages()

    refused_by_database(
        lambda: Stage.objects.create(cycle=cycle, number=20, description="Twin")
    )


def test_same_stage_number_in_another_cycle_is_fine():
    cycle_with_stages()
    other = SalesCycleFactory()

    Stage.objects.create(cycle=other, number=20, description="Twin")

    assert Stage.objects.filter(number=20).count() == 2


@pytest.mark.parametrize(
    "fields",
    [
        {"number": 0},
        {"completed_pct": Decimal("100.01")},
        {"completed_pct": Decimal(-1)},
        {"chances_pct": Decimal(101)},
        {"chances_pct": Decimal("-0.01")},
    ],
)
def test_stage_figures_out_of_range_are_refused_by_the_database(fields):
    cycle = SalesCycleFactory()

    refused_by_database(
        lambda: Stage.objects.create(
            cycle=cycle, **({"number": 1, "description": "S"} | fields)
        )
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"chances_pct": Decimal(101)},
        {"completed_pct": Decimal(-1)},
        {"probability_pct": Decimal("100.01")},
        {"estimated_value": Decimal(-1)},
        {"current_value": Decimal("-0.01")},
    ],
)
@pytest.mark.parametrize("model", [Opportunity, OpportunityEntry])
def test_opportunity_and_entry_figures_out_of_range_are_refused(model, fields):
    opp = OpportunityFactory(in_progress=True)
    rows = opp.entries.all() if model is OpportunityEntry else model.objects.all()

    refused_by_database(lambda: rows.update(**fields))


def test_figures_at_the_limits_are_accepted_by_the_database():
    opp = OpportunityFactory(in_progress=True)

    Opportunity.objects.filter(pk=opp.pk).update(
        chances_pct=Decimal(100), completed_pct=Decimal(0), estimated_value=0
    )

    opp.refresh_from_db()
    assert (opp.chances_pct, opp.completed_pct) == (100, 0)


def test_one_active_entry_per_opportunity():
    opp = OpportunityFactory(in_progress=True)
    entry = opp.entries.get()
    entry.pk = None

    refused_by_database(entry.save)


def test_inactive_entries_are_not_limited():
    opp = OpportunityFactory(in_progress=True)
    entry = opp.entries.get()
    entry.pk = None
    entry.active = False
    entry.save()

    assert opp.entries.count() == 2


@pytest.mark.parametrize(
    ("state", "fields"),
    [
        ({"in_progress": True}, {"status": "won"}),
        ({"won": True}, {"date_closed": None}),
        ({"lost": True}, {"status": "in_progress"}),
    ],
)
def test_date_closed_is_set_exactly_when_closed(state, fields):
    opp = OpportunityFactory(**state)

    refused_by_database(lambda: Opportunity.objects.filter(pk=opp.pk).update(**fields))
