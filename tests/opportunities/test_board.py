"""The board: a drop moves a card in place through the services, or opens the
dialog the move needs, or says which moves are possible; quick-create; the
manager's salesperson filter."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Salesperson
from opportunities.models import Opportunity, SalesQuote, Status
from tests.factories import (
    CloseReasonFactory,
    CompanyFactory,
    OpportunityFactory,
    SalespersonFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def rep_client(client, rep):
    client.force_login(rep)
    return client


@pytest.fixture
def own(rep):
    return Salesperson.objects.get(user=rep)


@pytest.fixture
def cycle():
    """Stages 10, 20 (skippable), 30 (needs a quote), 40."""
    return cycle_with_stages(
        (10, 10, 20, {}),
        (20, 25, 40, {"allow_skip": True}),
        (30, 50, 60, {"quote_required": True}),
        (40, 80, 80, {}),
        code="BOARD",
    )


def stage(cycle, number):
    return cycle.stages.get(number=number)


def drop(client, opportunity, target, data=None, htmx=True):
    target = target if isinstance(target, str) else str(target.pk)
    path = reverse("opportunities:board_move", args=[opportunity.number, target])
    return client.post(path, data or {}, **(HTMX if htmx else {}))


def column(response, number):
    return next(
        c
        for c in response.context["columns"]
        if (c["stage"] and c["stage"].number) == number
    )


def test_a_drop_on_the_next_stage_moves_the_card_in_place(rep_client, own, cycle):
    opportunity = OpportunityFactory(
        salesperson=own, sales_cycle=cycle, in_progress=True
    )

    response = drop(rep_client, opportunity, stage(cycle, 20))

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "opportunities/_board.html"
    assert "dialog" not in response.context
    assert response.context["notice"]["level"] == "success"
    opportunity.refresh_from_db()
    assert opportunity.stage.number == 20
    assert column(response, 10)["totals"]["count"] == 0
    assert column(response, 20)["totals"]["count"] == 1
    assert [c.number for c in column(response, 20)["cards"]] == [opportunity.number]


def test_a_drop_is_one_post_with_a_fixed_number_of_queries(rep_client, own, cycle):
    for _ in range(3):
        OpportunityFactory(salesperson=own, sales_cycle=cycle, in_progress=True)
    opportunity = OpportunityFactory(
        salesperson=own, sales_cycle=cycle, in_progress=True
    )
    target = stage(cycle, 20)
    with CaptureQueriesContext(connection) as queries:
        response = drop(rep_client, opportunity, target)
    assert "dialog" not in response.context
    # session, user, permissions (user and group), the opportunity with its
    # cycle and stage, the cycle's stages; the defaults proposed (active entry,
    # quote); the move: savepoint, the lock (with its quote), the active entry,
    # the superseded entry, the new one, the left stage's tasks cancelled, the
    # opportunity, the log's content type and row, release; the board it
    # answers with (the stages already read): the cards, the column totals,
    # the cards' next activities.
    assert len(queries) == 20


def test_the_start_of_a_card_without_a_value_asks_for_one(rep_client, own, cycle):
    opportunity = OpportunityFactory(salesperson=own, sales_cycle=cycle)

    response = drop(rep_client, opportunity, stage(cycle, 10))

    assert response.context["dialog"]["kind"] == "advance"
    assert Opportunity.objects.get(pk=opportunity.pk).status == Status.NOT_STARTED
    response = drop(
        rep_client,
        opportunity,
        stage(cycle, 10),
        {
            "dialog": "advance",
            "move": "start",
            "target_stage": stage(cycle, 10).pk,
            "version": opportunity.version,
            "date_of_change": TODAY.isoformat(),
            "estimated_value": "12000",
            "chances_pct": "0",
            "estimated_close_date": (TODAY + datetime.timedelta(days=30)).isoformat(),
        },
    )
    assert "dialog" not in response.context
    opportunity.refresh_from_db()
    assert opportunity.status == Status.IN_PROGRESS
    assert opportunity.estimated_value == Decimal(12000)
    assert column(response, None)["totals"]["count"] == 0
    assert column(response, 10)["totals"]["estimated_value"] == Decimal(12000)


def test_a_bad_value_in_the_dialog_shows_on_its_field(rep_client, own, cycle):
    opportunity = OpportunityFactory(salesperson=own, sales_cycle=cycle)

    response = drop(
        rep_client,
        opportunity,
        stage(cycle, 10),
        {
            "dialog": "advance",
            "move": "start",
            "target_stage": stage(cycle, 10).pk,
            "version": opportunity.version,
            "date_of_change": TODAY.isoformat(),
            "estimated_value": "-5",
            "chances_pct": "0",
            "estimated_close_date": TODAY.isoformat(),
        },
    )

    assert response.status_code == 200
    assert "estimated_value" in response.context["dialog"]["form"].errors
    assert Opportunity.objects.get(pk=opportunity.pk).status == Status.NOT_STARTED


def test_a_quick_created_value_starts_without_a_dialog(rep_client, own, cycle):
    company = CompanyFactory()
    close = TODAY + datetime.timedelta(days=60)
    response = rep_client.post(
        reverse("opportunities:board_create", args=[cycle.code]),
        {
            "new-description": "Forklift fleet",
            "new-contact": company.pk,
            "new-estimated_value": "8000",
            "new-estimated_close_date": close.isoformat(),
        },
        **HTMX,
    )
    created = Opportunity.objects.get(description="Forklift fleet")
    assert (created.status, created.salesperson, created.sales_cycle) == (
        Status.NOT_STARTED,
        own,
        cycle,
    )
    assert [c.number for c in column(response, None)["cards"]] == [created.number]

    response = drop(rep_client, created, stage(cycle, 10))

    assert "dialog" not in response.context
    created.refresh_from_db()
    assert created.status == Status.IN_PROGRESS
    assert (created.estimated_value, created.estimated_close_date) == (
        Decimal(8000),
        close,
    )


def test_quick_create_shows_bad_input_on_its_fields(rep_client, own, cycle):
    response = rep_client.post(
        reverse("opportunities:board_create", args=[cycle.code]),
        {
            "new-description": "",
            "new-contact_query": "nobody",
            "new-estimated_value": "x",
        },
        **HTMX,
    )

    form = response.context["quick_create"]
    assert set(form.errors) == {"description", "contact", "estimated_value"}
    assert not Opportunity.objects.exists()


def test_a_manager_quick_creates_for_the_salesperson_the_board_shows(
    client, manager, cycle
):
    client.force_login(manager)
    anna = SalespersonFactory(code="ANNA")
    path = reverse("opportunities:board_create", args=[cycle.code])

    client.post(
        f"{path}?salesperson=ANNA",
        {"new-description": "Racks", "new-contact": CompanyFactory().pk},
    )

    assert Opportunity.objects.get().salesperson == anna


def test_a_quote_required_stage_asks_for_the_quote_and_then_moves(
    rep_client, own, cycle
):
    opportunity = OpportunityFactory(
        salesperson=own, sales_cycle=cycle, in_progress=True
    )
    drop(rep_client, opportunity, stage(cycle, 20))

    response = drop(rep_client, opportunity, stage(cycle, 30))

    assert response.context["dialog"]["kind"] == "quote"
    assert Opportunity.objects.get(pk=opportunity.pk).stage.number == 20
    response = drop(
        rep_client,
        opportunity,
        stage(cycle, 30),
        {"dialog": "quote", "amount": "4500", "date": TODAY.isoformat()},
    )
    assert "dialog" not in response.context
    opportunity.refresh_from_db()
    assert opportunity.stage.number == 30
    assert opportunity.estimated_value == Decimal(4500)
    assert SalesQuote.objects.get(opportunity=opportunity).amount == Decimal(4500)


def test_a_drop_on_won_opens_the_close_dialog_and_closes(rep_client, own, cycle):
    reason = CloseReasonFactory(won=True)
    opportunity = OpportunityFactory(
        salesperson=own, sales_cycle=cycle, in_progress=True
    )

    response = drop(rep_client, opportunity, "won")

    dialog = response.context["dialog"]
    assert dialog["kind"] == "close"
    assert dialog["form"].initial["close_reason"] == reason.pk
    response = drop(
        rep_client,
        opportunity,
        "won",
        {
            "dialog": "close",
            "outcome": "won",
            "close_reason": reason.pk,
            "date_closed": TODAY.isoformat(),
            "sale_value": "900",
            "cancel_open_tasks": "on",
            "version": opportunity.version,
        },
    )
    assert "dialog" not in response.context
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.current_value) == (Status.WON, 900)
    assert column(response, 10)["totals"]["count"] == 0


def test_a_refused_drop_says_which_moves_are_possible(rep_client, own, cycle):
    opportunity = OpportunityFactory(
        salesperson=own, sales_cycle=cycle, in_progress=True
    )

    response = drop(rep_client, opportunity, stage(cycle, 40))

    text = response.context["notice"]["text"]
    assert response.context["notice"]["level"] == "danger"
    assert "20 Stage 20, 30 Stage 30, Won, Lost" in text
    assert Opportunity.objects.get(pk=opportunity.pk).stage.number == 10


def test_cards_carry_the_columns_the_move_rules_allow(rep_client, own, cycle):
    OpportunityFactory(salesperson=own, sales_cycle=cycle)
    at_10 = OpportunityFactory(salesperson=own, sales_cycle=cycle, in_progress=True)
    at_30 = OpportunityFactory(salesperson=own, sales_cycle=cycle, in_progress=True)
    for number in (20, 30):
        drop(rep_client, at_30, stage(cycle, number))
        if number == 20:
            SalesQuote.objects.create(
                opportunity=at_30, number="Q1", amount=1, date=TODAY
            )
    response = rep_client.get(reverse("opportunities:board_cycle", args=[cycle.code]))

    def targets(number):
        [card] = column(response, number)["cards"]
        return [
            t if t in ("won", "lost") else cycle.stages.get(pk=t).number
            for t in card.drop_targets
        ]

    assert targets(None) == [10, "won", "lost"]
    assert targets(10) == [20, 30, "won", "lost"]  # next, skip over 20
    assert targets(30) == [40, 20, 10, "won", "lost"]  # next, previous, jump back
    assert at_10.number in response.content.decode()


def test_a_stale_card_is_not_moved(rep_client, own, cycle):
    opportunity = OpportunityFactory(
        salesperson=own, sales_cycle=cycle, in_progress=True
    )

    response = drop(
        rep_client, opportunity, stage(cycle, 20), {"version": opportunity.version - 1}
    )

    assert "dialog" not in response.context
    assert response.context["notice"]["level"] == "warning"
    assert Opportunity.objects.get(pk=opportunity.pk).stage.number == 10


def test_without_htmx_a_drop_returns_to_the_board(rep_client, own, cycle):
    opportunity = OpportunityFactory(
        salesperson=own, sales_cycle=cycle, in_progress=True
    )

    response = drop(rep_client, opportunity, stage(cycle, 20), htmx=False)

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "opportunities:board_cycle", args=[cycle.code]
    )
    assert [str(m) for m in get_messages(response.wsgi_request)]


def test_another_reps_card_cannot_be_dropped(rep_client, cycle):
    opportunity = OpportunityFactory(sales_cycle=cycle, in_progress=True)

    assert drop(rep_client, opportunity, stage(cycle, 20)).status_code == 404
    assert drop(rep_client, opportunity, "won").status_code == 404


def test_a_drop_on_a_stage_of_another_cycle_is_not_found(rep_client, own, cycle):
    opportunity = OpportunityFactory(
        salesperson=own, sales_cycle=cycle, in_progress=True
    )
    other = cycle_with_stages(code="OTHER")

    assert drop(rep_client, opportunity, stage(other, 20)).status_code == 404
    assert drop(rep_client, opportunity, "nowhere").status_code == 404


def test_managers_filter_the_board_by_salesperson(client, manager, cycle):
    client.force_login(manager)
    anna, jussi = SalespersonFactory(code="ANNA"), SalespersonFactory(code="JUSSI")
    OpportunityFactory(salesperson=anna, sales_cycle=cycle, in_progress=True)
    OpportunityFactory(salesperson=jussi, sales_cycle=cycle, in_progress=True)
    path = reverse("opportunities:board_cycle", args=[cycle.code])

    everyone = client.get(path)
    annas = client.get(path, {"salesperson": "ANNA"})

    assert column(everyone, 10)["totals"]["count"] == 2
    assert [c.salesperson for c in column(annas, 10)["cards"]] == [anna]
    assert column(annas, 10)["totals"]["count"] == 1
    assert "?salesperson=ANNA" in annas.content.decode()


def test_a_rep_has_no_salesperson_filter(rep_client, own, cycle):
    OpportunityFactory(sales_cycle=cycle, in_progress=True)  # another rep's
    path = reverse("opportunities:board_cycle", args=[cycle.code])

    response = rep_client.get(path, {"salesperson": "REP1"})

    assert response.context["salespeople"] == []
    assert column(response, 10)["totals"]["count"] == 0


def test_a_first_guess_is_checked_like_any_close_date(rep_client, own, cycle):
    response = rep_client.post(
        reverse("opportunities:board_create", args=[cycle.code]),
        {
            "new-description": "Too early",
            "new-contact": CompanyFactory().pk,
            "new-estimated_close_date": (
                TODAY - datetime.timedelta(days=1)
            ).isoformat(),
        },
        **HTMX,
    )

    errors = response.context["quick_create"].errors.as_data()
    assert [e.code for e in errors["estimated_close_date"]] == [
        "close_date_before_change"
    ]
    assert not Opportunity.objects.exists()


def test_a_close_dialog_sent_after_a_change_elsewhere_is_not_applied(
    rep_client, own, cycle
):
    reason = CloseReasonFactory(won=True)
    opportunity = OpportunityFactory(
        salesperson=own, sales_cycle=cycle, in_progress=True
    )
    seen = opportunity.version
    drop(rep_client, opportunity, stage(cycle, 20))  # someone else's move

    response = drop(
        rep_client,
        opportunity,
        "won",
        {
            "dialog": "close",
            "outcome": "won",
            "close_reason": reason.pk,
            "date_closed": TODAY.isoformat(),
            "sale_value": "900",
            "version": seen,
        },
    )

    assert response.context["notice"]["level"] == "warning"
    assert Opportunity.objects.get(pk=opportunity.pk).status == Status.IN_PROGRESS


def test_a_dialog_posts_a_stage_id_of_any_size_unlocalized(rep_client, own):
    # PostgreSQL's ids grow past 999 in a long test run; English writes 6,234.
    from salescycles.models import Stage

    big = cycle_with_stages((10, 10, 20, {}))
    Stage.objects.filter(cycle=big).update(id=6234)
    opportunity = OpportunityFactory(salesperson=own, sales_cycle=big)

    response = drop(rep_client, opportunity, Stage.objects.get(pk=6234))

    assert response.context["dialog"]["kind"] == "advance"
    assert 'name="target_stage" value="6234"' in response.content.decode()
