"""Quotes, tasks, interactions and close reasons."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from contacts.models import Salesperson
from opportunities import services
from opportunities.models import (
    INTERACTION_LENGTH,
    CloseReason,
    CloseReasonType,
    Interaction,
    InteractionKind,
    Opportunity,
    SalesQuote,
    Task,
    TaskStatus,
)
from opportunities.services import editing as editing_services
from opportunities.services import records as records_services
from salescycles.models import ActivityStepType, Priority
from tests.conftest import error_codes
from tests.crm.dataio.importing import run
from tests.factories import (
    START_DATE,
    CloseReasonFactory,
    CompanyFactory,
    OpportunityFactory,
    SalespersonFactory,
    SalesQuoteFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def quote(opportunity, **fields):
    fields = {"user": None, "amount": Decimal(2500), "date": D(2026, 2, 1)} | fields
    return services.sales_quote_create(opportunity=opportunity, **fields)


# -- sales quotes ----------------------------------------------------------------------


def test_quote_is_linked_to_an_opportunity_in_progress():
    opp = OpportunityFactory(in_progress=True)

    made = quote(
        opp,
        amount=Decimal("2500.555"),
        valid_until=D(2026, 3, 1),
        description="Offer",
    )

    saved = SalesQuote.objects.get(pk=made.pk)
    assert saved.opportunity == opp
    assert saved.number == "SQ000001"
    assert saved.amount == Decimal("2500.56")
    assert (saved.date, saved.valid_until) == (D(2026, 2, 1), D(2026, 3, 1))
    assert saved.description == "Offer"
    assert Opportunity.objects.get(pk=opp.pk).version == opp.version + 1


def test_quote_numbers_follow_the_series_and_keep_typed_ones():
    typed = quote(OpportunityFactory(in_progress=True), number="SQ000002")
    drawn = [quote(OpportunityFactory(in_progress=True)).number for _ in range(2)]

    assert typed.number == "SQ000002"
    assert drawn == ["SQ000001", "SQ000003"]


def test_quote_refuses_a_number_in_use():
    quote(OpportunityFactory(in_progress=True), number="Q-1")

    with pytest.raises(ValidationError) as exc:
        quote(OpportunityFactory(in_progress=True), number="Q-1")

    assert error_codes(exc.value) == {"number": ["number_taken"]}
    assert SalesQuote.objects.count() == 1


def test_quote_date_defaults_to_today():
    made = quote(OpportunityFactory(in_progress=True), date=None)

    assert made.date == timezone.localdate()


@pytest.mark.parametrize("state", [{}, {"won": True}, {"lost": True}])
def test_quote_needs_an_opportunity_in_progress(state):
    opp = OpportunityFactory(**state)

    with pytest.raises(ValidationError) as exc:
        quote(opp)

    assert error_codes(exc.value) == ["quote_needs_in_progress"]
    assert not SalesQuote.objects.exists()


def test_opportunity_has_only_one_quote():
    opp = OpportunityFactory(in_progress=True)
    quote(opp)

    with pytest.raises(ValidationError) as exc:
        quote(opp, amount=Decimal(3000))

    assert error_codes(exc.value) == ["quote_exists"]
    assert SalesQuote.objects.get().amount == Decimal(2500)


@pytest.mark.parametrize("amount", [Decimal(0), Decimal("-0.01"), None])
def test_quote_amount_must_be_positive(amount):
    with pytest.raises(ValidationError) as exc:
        quote(OpportunityFactory(in_progress=True), amount=amount)

    assert error_codes(exc.value) == {"amount": ["amount_required"]}


def test_quote_cannot_expire_before_its_date():
    with pytest.raises(ValidationError) as exc:
        quote(
            OpportunityFactory(in_progress=True),
            date=D(2026, 2, 1),
            valid_until=D(2026, 1, 31),
        )

    assert error_codes(exc.value) == {"valid_until": ["valid_before_date"]}


def test_quote_may_expire_on_its_date():
    made = quote(
        OpportunityFactory(in_progress=True),
        date=D(2026, 2, 1),
        valid_until=D(2026, 2, 1),
    )

    assert made.valid_until == D(2026, 2, 1)


# -- tasks -----------------------------------------------------------------------------


def test_task_on_an_opportunity_takes_its_salesperson_and_contact():
    opp = OpportunityFactory(in_progress=True)

    task = services.task_create(
        user=None,
        opportunity=opp,
        description="Send brochure",
        date=D(2026, 2, 3),
        type=ActivityStepType.PHONE_CALL,
        priority=Priority.HIGH,
    )

    saved = Task.objects.get(pk=task.pk)
    assert saved.number == "TD000001"
    assert (saved.salesperson, saved.contact, saved.opportunity) == (
        opp.salesperson,
        opp.contact,
        opp,
    )
    assert (saved.type, saved.priority, saved.date) == (
        ActivityStepType.PHONE_CALL,
        Priority.HIGH,
        D(2026, 2, 3),
    )
    assert saved.status == TaskStatus.NOT_STARTED
    assert not saved.closed
    assert saved.opportunity_entry is None


def test_task_keeps_a_given_salesperson_and_contact():
    opp = OpportunityFactory(in_progress=True)
    salesperson, contact = SalespersonFactory(), CompanyFactory()

    task = TaskFactory(opportunity=opp, salesperson=salesperson, contact=contact)

    assert (task.salesperson, task.contact) == (salesperson, contact)


def test_task_without_opportunity_needs_a_salesperson():
    with pytest.raises(ValidationError) as exc:
        services.task_create(user=None, description="Call", date=START_DATE)

    assert error_codes(exc.value) == {"salesperson": ["required"]}
    assert not Task.objects.exists()


def test_task_update_changes_an_open_task():
    task = TaskFactory()
    other = SalespersonFactory()

    services.task_update(
        user=None,
        task=task,
        description="Call again",
        date=D(2026, 2, 9),
        priority=Priority.LOW,
        status=TaskStatus.WAITING,
        salesperson=other,
    )

    saved = Task.objects.get(pk=task.pk)
    assert (saved.description, saved.date, saved.priority, saved.status) == (
        "Call again",
        D(2026, 2, 9),
        Priority.LOW,
        TaskStatus.WAITING,
    )
    assert saved.salesperson == other
    assert not saved.closed


def test_task_update_to_completed_closes_the_task():
    task = TaskFactory()

    services.task_update(user=None, task=task, status=TaskStatus.COMPLETED)

    saved = Task.objects.get(pk=task.pk)
    assert saved.closed
    assert not saved.cancelled
    assert saved.date_closed == timezone.localdate()


@pytest.mark.parametrize("trait", ["completed", "cancelled"])
def test_closed_task_cannot_be_updated(trait):
    task = TaskFactory(**{trait: True})

    with pytest.raises(ValidationError) as exc:
        services.task_update(user=None, task=task, description="Too late")

    assert error_codes(exc.value) == ["task_closed"]
    assert Task.objects.get(pk=task.pk).description != "Too late"


def test_task_complete_closes_without_cancelling():
    task = services.task_complete(user=None, task=TaskFactory())

    saved = Task.objects.get(pk=task.pk)
    assert (saved.closed, saved.cancelled, saved.status) == (
        True,
        False,
        TaskStatus.COMPLETED,
    )
    assert saved.date_closed == timezone.localdate()


def test_task_cancel_is_closed_cancelled_and_completed():
    task = services.task_cancel(user=None, task=TaskFactory())

    saved = Task.objects.get(pk=task.pk)
    assert (saved.closed, saved.cancelled, saved.status) == (
        True,
        True,
        TaskStatus.COMPLETED,
    )
    assert saved.date_closed == timezone.localdate()


@pytest.mark.parametrize("close", [services.task_complete, services.task_cancel])
def test_task_is_closed_on_a_given_date(close):
    task = close(user=None, task=TaskFactory(), on=D(2026, 2, 3))

    assert Task.objects.get(pk=task.pk).date_closed == D(2026, 2, 3)


@pytest.mark.parametrize("trait", ["completed", "cancelled"])
@pytest.mark.parametrize("close", [services.task_complete, services.task_cancel])
def test_closed_task_cannot_be_closed_again(trait, close):
    task = TaskFactory(**{trait: True})

    with pytest.raises(ValidationError) as exc:
        close(user=None, task=task)

    assert error_codes(exc.value) == ["task_closed"]
    assert Task.objects.get(pk=task.pk).cancelled == (trait == "cancelled")


@pytest.mark.parametrize("create", ["quote", "opportunity"])
def test_a_typed_number_taken_after_the_check_is_refused_not_a_server_error(
    monkeypatch, create
):
    """The race of two requests typing one number, in one thread: the first
    commits between the second's check and its insert (tests/opportunities/
    test_concurrency.py races real threads on PostgreSQL)."""
    SalesQuoteFactory(number="Q-1")
    taken = OpportunityFactory(in_progress=True)
    for module in (records_services, editing_services):
        monkeypatch.setattr(module, "check_new_number", lambda model, number: None)

    with pytest.raises(ValidationError) as exc:
        if create == "quote":
            services.sales_quote_create(
                user=None, opportunity=taken, amount=Decimal(10), number="Q-1"
            )
        else:
            services.opportunity_create(
                user=None,
                number=taken.number,
                description="Copy",
                contact=taken.contact,
                salesperson=taken.salesperson,
                sales_cycle=taken.sales_cycle,
            )

    assert error_codes(exc.value) == {"number": ["number_taken"]}


# -- interactions ----------------------------------------------------------------------


def test_interaction_log_defaults_to_the_opportunitys_salesperson_and_today(manager):
    opp = OpportunityFactory(in_progress=True)

    logged = services.interaction_log(
        user=manager, opportunity=opp, kind=InteractionKind.CALL, description="Rang"
    )

    saved = Interaction.objects.get(pk=logged.pk)
    assert (saved.opportunity, saved.kind, saved.description) == (
        opp,
        InteractionKind.CALL,
        "Rang",
    )
    assert saved.salesperson == opp.salesperson
    assert saved.date == timezone.localdate()
    assert saved.created_by == manager
    assert opp.interactions.count() == 1


def test_interaction_log_keeps_a_given_date_and_salesperson():
    opp = OpportunityFactory(in_progress=True)
    salesperson = SalespersonFactory()

    logged = services.interaction_log(
        user=None,
        opportunity=opp,
        kind=InteractionKind.MEETING,
        description="Visit",
        date=D(2026, 2, 4),
        salesperson=salesperson,
    )

    assert (logged.date, logged.salesperson) == (D(2026, 2, 4), salesperson)
    assert logged.created_by is None


def test_interaction_log_refuses_an_unknown_kind():
    with pytest.raises(ValidationError) as exc:
        services.interaction_log(
            user=None,
            opportunity=OpportunityFactory(),
            kind="fax",
            description="Sent",
        )

    assert error_codes(exc.value) == {"kind": ["invalid_choice"]}
    assert not Interaction.objects.exists()


def test_interaction_text_is_bounded_in_the_service_the_form_and_imports(
    client, rep, tmp_path
):
    opportunity = OpportunityFactory(
        salesperson=Salesperson.objects.get(user=rep), description="Bounded"
    )
    too_long = "x" * (INTERACTION_LENGTH + 1)

    with pytest.raises(ValidationError) as exc:
        services.interaction_log(
            user=None, opportunity=opportunity, kind="note", description=too_long
        )
    client.force_login(rep)
    response = client.post(
        reverse("opportunities:interaction", args=[opportunity.number]),
        {"date": "2026-12-01", "kind": "note", "description": too_long},
    )
    path = tmp_path / "interactions.csv"
    path.write_text(
        "opportunity,date,kind,description,salesperson\n"
        f"{opportunity.number},2026-12-01,note,{too_long},REP1\n"
    )
    status, _out, err = run("import_data", "interactions", path)

    assert error_codes(exc.value) == {"description": ["max_length"]}
    assert response.status_code == 200
    assert "description" in response.context["form"].errors
    assert status == 1 and "interactions.csv:2: description: " in err
    assert not Interaction.objects.exists()
    services.interaction_log(
        user=None,
        opportunity=opportunity,
        kind="note",
        description="x" * INTERACTION_LENGTH,
    )


# -- close reasons ---------------------------------------------------------------------


def test_close_reason_save_creates_and_changes_a_reason():
    reason = services.close_reason_save(
        user=None,
        close_reason=CloseReason(code="PRICE", description="Price", type="lost"),
    )
    reason.description = "Too expensive"
    services.close_reason_save(user=None, close_reason=reason)

    saved = CloseReason.objects.get()
    assert (saved.code, saved.description, saved.type) == (
        "PRICE",
        "Too expensive",
        CloseReasonType.LOST,
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"code": "X", "type": "draw"}, {"type": ["invalid_choice"]}),
        ({"code": "", "type": "won"}, {"code": ["blank"]}),
        ({"code": "PRICE", "type": "lost"}, {"code": ["unique"]}),
    ],
)
def test_close_reason_save_validates(fields, expected):
    CloseReasonFactory(code="PRICE")

    with pytest.raises(ValidationError) as exc:
        services.close_reason_save(user=None, close_reason=CloseReason(**fields))

    assert error_codes(exc.value) == expected


def test_unused_close_reason_is_deleted():
    reason = CloseReasonFactory()

    services.close_reason_delete(user=None, close_reason=reason)

    assert not CloseReason.objects.exists()


@pytest.mark.parametrize("reopened", [False, True])
def test_close_reason_used_to_close_is_kept(manager, reopened):
    opp = OpportunityFactory(lost=True)
    if reopened:
        services.opportunity_reopen(user=manager, opportunity=opp, reason="Back")
    reason = CloseReason.objects.get(code="LOST")

    with pytest.raises(ValidationError) as exc:
        services.close_reason_delete(user=None, close_reason=reason)

    assert error_codes(exc.value) == ["close_reason_in_use"]
    assert CloseReason.objects.filter(pk=reason.pk).exists()
