"""Business Central parity of the moves (issue 16): chances left 0 on a stage of
none are refused, the current value is rounded once, and an update proposes
the rep's own chances and close date."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from contacts.models import Salesperson
from opportunities import services
from opportunities.models import Status
from opportunities.moves import Move
from salescycles.probability import Method
from tests.conftest import error_codes
from tests.factories import START_DATE, OpportunityFactory, cycle_with_stages

pytestmark = pytest.mark.django_db

LATER = datetime.date(2026, 3, 2)
TODAY = timezone.localdate()


def advance(opportunity, move, **kwargs):
    kwargs.setdefault("user", None)
    return services.opportunity_advance(opportunity=opportunity, move=move, **kwargs)


def zero_chances_cycle():
    """Stage 10 at 20 % chances, stage 20 at none (0 %)."""
    return cycle_with_stages((10, 10, 20, {}), (20, 25, 0, {}))


def url(name, *args):
    return reverse(f"opportunities:{name}", args=args)


@pytest.fixture
def rep_client(client, rep):
    client.force_login(rep)
    return client


@pytest.fixture
def own(rep):
    return Salesperson.objects.get(user=rep)


# -- chances left 0 ---------------------------------------------------------------


@pytest.mark.parametrize("chances", [None, Decimal(0)])
def test_chances_left_zero_into_a_stage_of_no_chances_are_refused(chances):
    opp = OpportunityFactory(in_progress=True, sales_cycle=zero_chances_cycle())

    with pytest.raises(ValidationError) as exc:
        advance(opp, Move.NEXT, date_of_change=LATER, chances_pct=chances)

    assert error_codes(exc.value) == {"chances_pct": ["chances_required"]}
    opp.refresh_from_db()
    assert (opp.stage.number, opp.entries.count()) == (10, 1)


def test_chances_left_zero_at_start_into_a_stage_of_no_chances_are_refused():
    cycle = cycle_with_stages((10, 10, 0, {}), (20, 25, 40, {}))
    opp = OpportunityFactory(sales_cycle=cycle)

    with pytest.raises(ValidationError) as exc:
        advance(opp, Move.START, date_of_change=START_DATE)

    assert error_codes(exc.value) == {"chances_pct": ["chances_required"]}
    opp.refresh_from_db()
    assert opp.status == Status.NOT_STARTED


def test_typed_chances_into_a_stage_of_no_chances_are_kept():
    opp = OpportunityFactory(in_progress=True, sales_cycle=zero_chances_cycle())

    opp = advance(opp, Move.NEXT, date_of_change=LATER, chances_pct=Decimal(30))

    entry = opp.entries.get(active=True)
    assert (entry.stage.number, entry.chances_pct) == (20, Decimal(30))


def test_chances_left_zero_take_the_stage_value_when_it_has_one():
    opp = OpportunityFactory(in_progress=True, sales_cycle=zero_chances_cycle())
    opp = advance(opp, Move.NEXT, date_of_change=LATER, chances_pct=Decimal(30))

    opp = advance(opp, Move.PREVIOUS, date_of_change=LATER, chances_pct=Decimal(0))

    assert opp.entries.get(active=True).chances_pct == Decimal(20)


def test_an_update_left_zero_keeps_its_own_chances_on_a_stage_of_none():
    opp = OpportunityFactory(in_progress=True, sales_cycle=zero_chances_cycle())
    opp = advance(opp, Move.NEXT, date_of_change=LATER, chances_pct=Decimal(30))

    opp = advance(opp, Move.UPDATE, date_of_change=LATER, chances_pct=Decimal(0))

    assert opp.entries.get(active=True).chances_pct == Decimal(30)


def test_the_page_refuses_chances_left_zero_into_a_stage_of_none(rep_client, own):
    opp = OpportunityFactory(
        salesperson=own, in_progress=True, sales_cycle=zero_chances_cycle()
    )

    response = rep_client.post(
        url("advance", opp.number),
        {
            "move": "next",
            "date_of_change": TODAY.isoformat(),
            "estimated_value": "2000",
            "chances_pct": "0",
            "estimated_close_date": (TODAY + datetime.timedelta(days=30)).isoformat(),
            "version": opp.version,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert [e.code for e in errors["chances_pct"]] == ["chances_required"]
    assert "stage 20" in response.content.decode()
    opp.refresh_from_db()
    assert (opp.stage.number, opp.entries.count()) == (10, 1)


# -- round once ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "chances", "probability", "value"),
    [
        # 12.5 % x 35 % = 4.375 %: stored 4.38, the value from 4.375.
        (Method.MULTIPLY, "12.5", "4.38", "4375.00"),
        # (33.33 + 35) / 2 = 34.165 %: stored 34.17, the value from 34.165.
        (Method.ADD, "33.33", "34.17", "34165.00"),
        (Method.CHANCES, "12.5", "12.50", "12500.00"),
        (Method.COMPLETED, "12.5", "35.00", "35000.00"),
    ],
)
def test_the_current_value_is_rounded_once(method, chances, probability, value):
    cycle = cycle_with_stages(
        (10, 10, 20, {}), (20, 35, 40, {}), probability_method=method
    )
    opp = OpportunityFactory(in_progress=True, sales_cycle=cycle)

    opp = advance(
        opp,
        Move.NEXT,
        date_of_change=LATER,
        estimated_value=Decimal(100000),
        chances_pct=Decimal(chances),
    )

    entry = opp.entries.get(active=True)
    assert (entry.probability_pct, entry.current_value) == (
        Decimal(probability),
        Decimal(value),
    )
    opp.refresh_from_db()
    assert (opp.probability_pct, opp.current_value) == (
        Decimal(probability),
        Decimal(value),
    )


# -- an update proposes the rep's own figures ---------------------------------------


def test_the_update_form_proposes_the_current_chances_and_close_date(rep_client, own):
    cycle = cycle_with_stages((10, 10, 20, {"date_formula": "1W"}), (20, 25, 40, {}))
    opp = OpportunityFactory(salesperson=own, in_progress=True, sales_cycle=cycle)
    own_close_date = TODAY + datetime.timedelta(days=90)
    opp = advance(
        opp,
        Move.UPDATE,
        chances_pct=Decimal("45.5"),
        estimated_close_date=own_close_date,
    )

    response = rep_client.get(
        url("advance", opp.number), {"move": "update"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    form = response.context["form"]
    assert form.initial["move"] == "update"
    assert form.initial["chances_pct"] == Decimal("45.50")  # not the stage's 20
    assert form.initial["estimated_close_date"] == own_close_date  # not 1W
    assert "the current chances, not the stage" in str(
        form.fields["chances_pct"].help_text
    )
    assert "current estimated close date" in str(
        form.fields["estimated_close_date"].help_text
    )


def test_the_form_of_a_move_proposes_the_stage_chances_with_its_help(rep_client, own):
    opp = OpportunityFactory(salesperson=own, in_progress=True)
    advance(opp, Move.UPDATE, chances_pct=Decimal("45.5"))

    response = rep_client.get(
        url("advance", opp.number), {"move": "next"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    form = response.context["form"]

    assert form.initial["chances_pct"] == Decimal(40)
    assert str(form.fields["chances_pct"].help_text) == (
        "Leave 0 to take the stage's value."
    )
