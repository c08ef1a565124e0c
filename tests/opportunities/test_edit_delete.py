"""Creating, editing and deleting opportunities."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from contacts.services import contact_update
from opportunities import services
from opportunities.models import (
    Interaction,
    Opportunity,
    OpportunityEntry,
    SalesQuote,
    Status,
    Task,
)
from opportunities.moves import Move
from salescycles.models import Priority
from tests.conftest import error_codes
from tests.factories import (
    CloseReasonFactory,
    CompanyFactory,
    InteractionFactory,
    OpportunityFactory,
    PersonFactory,
    SalesCycleFactory,
    SalespersonFactory,
    SalesQuoteFactory,
    TaskFactory,
    UserFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def create(**fields):
    fields = {
        "user": None,
        "contact": CompanyFactory(),
        "salesperson": SalespersonFactory(),
        "sales_cycle": cycle_with_stages(),
        "description": "New deal",
    } | fields
    return services.opportunity_create(**fields)


def edit(opportunity, **fields):
    return services.opportunity_edit(user=None, opportunity=opportunity, **fields)


# -- create ----------------------------------------------------------------------------


def test_create_makes_a_not_started_opportunity():
    opp = create(description="Fleet renewal", priority=Priority.HIGH)

    opp = Opportunity.objects.get(pk=opp.pk)
    assert opp.description == "Fleet renewal"
    assert opp.priority == Priority.HIGH
    assert opp.status == Status.NOT_STARTED
    assert opp.creation_date == timezone.localdate()
    assert opp.stage is None
    assert opp.estimated_value == 0
    assert not opp.entries.exists()


def test_create_numbers_from_the_series():
    numbers = [create().number for _ in range(3)]

    assert numbers == ["OP000001", "OP000002", "OP000003"]


def test_create_keeps_a_typed_number_and_the_series_skips_it():
    typed = create(number="OP000002")
    numbers = [create().number for _ in range(2)]

    assert typed.number == "OP000002"
    assert numbers == ["OP000001", "OP000003"]


def test_create_refuses_a_number_in_use():
    create(number="OP-7")

    with pytest.raises(ValidationError) as exc:
        create(number="OP-7")

    assert error_codes(exc.value) == {"number": ["number_taken"]}
    assert Opportunity.objects.count() == 1


@pytest.mark.parametrize(
    ("contact", "company"),
    [("company", "itself"), ("person", "its company"), ("loner", None)],
)
def test_create_derives_the_contact_company(contact, company):
    acme = CompanyFactory()
    contacts = {
        "company": acme,
        "person": PersonFactory(company=acme),
        "loner": PersonFactory(company=None),
    }

    opp = create(contact=contacts[contact])

    expected = {"itself": acme, "its company": acme, None: None}[company]
    assert Opportunity.objects.get(pk=opp.pk).contact_company == expected


def test_create_refuses_a_blocked_salesperson():
    with pytest.raises(ValidationError) as exc:
        create(salesperson=SalespersonFactory(blocked=True))

    assert error_codes(exc.value) == {"salesperson": ["salesperson_blocked"]}
    assert not Opportunity.objects.exists()


def test_create_refuses_a_blocked_cycle():
    with pytest.raises(ValidationError) as exc:
        create(sales_cycle=cycle_with_stages(blocked=True))

    assert error_codes(exc.value) == {"sales_cycle": ["cycle_blocked"]}
    assert not Opportunity.objects.exists()


def test_create_reports_both_blocks_at_once():
    with pytest.raises(ValidationError) as exc:
        create(
            salesperson=SalespersonFactory(blocked=True),
            sales_cycle=SalesCycleFactory(blocked=True),
        )

    assert error_codes(exc.value) == {
        "salesperson": ["salesperson_blocked"],
        "sales_cycle": ["cycle_blocked"],
    }


# -- edit ------------------------------------------------------------------------------


def test_edit_changes_description_and_priority_and_raises_the_version():
    opp = OpportunityFactory(in_progress=True)

    edited = edit(opp, description="Bigger deal", priority=Priority.LOW)

    saved = Opportunity.objects.get(pk=opp.pk)
    assert (saved.description, saved.priority) == ("Bigger deal", Priority.LOW)
    assert saved.version == edited.version == opp.version + 1


def test_edit_refuses_a_stale_version():
    opp = OpportunityFactory()
    edit(opp, description="First edit")

    with pytest.raises(ValidationError) as exc:
        edit(opp, description="Second edit", expected_version=opp.version)

    assert error_codes(exc.value) == ["stale"]
    assert Opportunity.objects.get(pk=opp.pk).description == "First edit"


@pytest.mark.parametrize("state", [{}, {"in_progress": True}])
def test_salesperson_cannot_change_to_a_blocked_one(state):
    opp = OpportunityFactory(**state)

    with pytest.raises(ValidationError) as exc:
        services.opportunity_change_salesperson(
            user=None, opportunity=opp, salesperson=SalespersonFactory(blocked=True)
        )

    assert error_codes(exc.value) == {"salesperson": ["salesperson_blocked"]}


def test_change_salesperson_moves_only_the_old_ones_open_tasks_of_this_opportunity():
    opp = OpportunityFactory(in_progress=True)
    old, new, other = opp.salesperson, SalespersonFactory(), SalespersonFactory()
    moving = TaskFactory(opportunity=opp)
    done = TaskFactory(opportunity=opp, completed=True)
    others = TaskFactory(opportunity=opp, salesperson=other)
    elsewhere = TaskFactory(opportunity=None, salesperson=old)
    other_deal = TaskFactory(opportunity=OpportunityFactory(salesperson=old))

    opp = services.opportunity_change_salesperson(
        user=None, opportunity=opp, salesperson=new
    )

    assert Opportunity.objects.get(pk=opp.pk).salesperson == new
    assert Task.objects.get(pk=moving.pk).salesperson == new
    assert Task.objects.get(pk=done.pk).salesperson == old
    assert Task.objects.get(pk=others.pk).salesperson == other
    assert Task.objects.get(pk=elsewhere.pk).salesperson == old
    assert Task.objects.get(pk=other_deal.pk).salesperson == old


def test_the_old_owner_no_longer_sees_the_opportunity_through_its_tasks(client):
    # Issue 16: left with the old owner, the tasks showed him the deal he no
    # longer sees and hid them from the new owner.
    opp = OpportunityFactory(in_progress=True)
    old_user = UserFactory(username="oldrep", role="Sales reps")
    opp.salesperson.user = old_user
    opp.salesperson.save()
    task = TaskFactory(opportunity=opp, description="Call about the deal")

    services.opportunity_change_salesperson(
        user=None, opportunity=opp, salesperson=SalespersonFactory()
    )

    assert Task.objects.get(pk=task.pk).salesperson != opp.salesperson
    client.force_login(old_user)
    assert "Call about the deal" not in client.get(reverse("opportunities:tasks")).text


def test_running_opportunity_keeps_a_salesperson_blocked_after_assignment():
    opp = OpportunityFactory(in_progress=True)
    opp.salesperson.blocked = True
    opp.salesperson.save()

    opp = edit(opp, description="Still going", salesperson=opp.salesperson)
    opp = services.opportunity_advance(user=None, opportunity=opp, move=Move.NEXT)

    assert opp.stage.number == 20
    assert opp.entries.get(active=True).salesperson.blocked


def test_running_opportunity_goes_on_in_a_cycle_blocked_after_assignment():
    opp = OpportunityFactory(in_progress=True)
    opp.sales_cycle.blocked = True
    opp.sales_cycle.save()

    opp = edit(opp, description="Still going", sales_cycle=opp.sales_cycle)
    opp = services.opportunity_advance(user=None, opportunity=opp, move=Move.NEXT)

    assert opp.stage.number == 20


# -- contact ---------------------------------------------------------------------------


def test_contact_changes_freely_before_start():
    opp = OpportunityFactory()
    elsewhere = PersonFactory()

    services.opportunity_change_contact(user=None, opportunity=opp, contact=elsewhere)

    saved = Opportunity.objects.get(pk=opp.pk)
    assert saved.contact == elsewhere
    assert saved.contact_company == elsewhere.company


@pytest.mark.parametrize("state", ["in_progress", "won"])
def test_contact_of_another_company_is_refused_after_start(state):
    opp = OpportunityFactory(**{state: True})

    with pytest.raises(ValidationError) as exc:
        services.opportunity_change_contact(
            user=None, opportunity=opp, contact=PersonFactory()
        )

    assert error_codes(exc.value) == {"contact": ["contact_other_company"]}
    assert Opportunity.objects.get(pk=opp.pk).contact == opp.contact


def test_contact_of_the_same_company_is_accepted_after_start():
    acme = CompanyFactory()
    opp = OpportunityFactory(in_progress=True, contact=acme)
    buyer = PersonFactory(company=acme)

    services.opportunity_change_contact(user=None, opportunity=opp, contact=buyer)
    opp = services.opportunity_advance(user=None, opportunity=opp, move=Move.NEXT)

    assert opp.contact == buyer
    assert opp.contact_company == acme
    entry = opp.entries.get(active=True)
    assert (entry.contact, entry.contact_company) == (buyer, acme)


# -- sales cycle -----------------------------------------------------------------------


def test_sales_cycle_changes_before_start():
    opp = OpportunityFactory()
    other = cycle_with_stages()

    edit(opp, sales_cycle=other)

    assert Opportunity.objects.get(pk=opp.pk).sales_cycle == other


@pytest.mark.parametrize("state", ["in_progress", "won", "lost"])
def test_sales_cycle_is_frozen_after_start(state):
    opp = OpportunityFactory(**{state: True})

    with pytest.raises(ValidationError) as exc:
        edit(opp, sales_cycle=cycle_with_stages())

    assert error_codes(exc.value) == {"sales_cycle": ["cycle_frozen"]}


def test_sales_cycle_cannot_change_to_a_blocked_one():
    opp = OpportunityFactory()

    with pytest.raises(ValidationError) as exc:
        edit(opp, sales_cycle=SalesCycleFactory(blocked=True))

    assert error_codes(exc.value) == {"sales_cycle": ["cycle_blocked"]}


# -- delete ----------------------------------------------------------------------------


def test_not_started_opportunity_is_deleted_with_its_tasks(rep):
    opp = OpportunityFactory(salesperson=rep.salesperson)
    TaskFactory(opportunity=opp)

    services.opportunity_delete(user=rep, opportunity=opp)

    assert not Opportunity.objects.exists()
    assert not Task.objects.exists()


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_closed_opportunity_is_deleted_with_everything_it_holds(outcome, manager):
    opp = OpportunityFactory(in_progress=True)
    SalesQuoteFactory(opportunity=opp)
    TaskFactory(opportunity=opp)
    InteractionFactory(opportunity=opp)
    kept = TaskFactory(opportunity=None, salesperson=opp.salesperson)
    opp = services.opportunity_close(
        user=None,
        opportunity=opp,
        outcome=outcome,
        close_reason=CloseReasonFactory(won=outcome == "won"),
        cancel_open_tasks=False,
    )

    services.opportunity_delete(user=manager, opportunity=opp)

    assert not Opportunity.objects.exists()
    assert not OpportunityEntry.objects.exists()
    assert not SalesQuote.objects.exists()
    assert not Interaction.objects.exists()
    assert list(Task.objects.all()) == [kept]


@pytest.mark.parametrize("who", ["rep", "manager"])
def test_opportunity_in_progress_cannot_be_deleted(who, request):
    user = request.getfixturevalue(who)
    opp = OpportunityFactory(in_progress=True, salesperson=user.salesperson)
    TaskFactory(opportunity=opp)

    with pytest.raises(ValidationError) as exc:
        services.opportunity_delete(user=user, opportunity=opp)

    assert error_codes(exc.value) == ["delete_in_progress"]
    assert Opportunity.objects.filter(pk=opp.pk).exists()
    assert opp.entries.count() == 1
    assert opp.tasks.count() == 1


@pytest.mark.parametrize("state", ["won", "lost"])
def test_a_rep_cannot_delete_his_closed_one(rep, state):
    opp = OpportunityFactory(salesperson=rep.salesperson, **{state: True})
    entries = opp.entries.count()

    with pytest.raises(ValidationError) as exc:
        services.opportunity_delete(user=rep, opportunity=opp)

    assert error_codes(exc.value) == ["delete_closed_manager_only"]
    assert opp.entries.count() == entries


def test_a_rep_cannot_delete_another_reps_not_started_one(rep):
    opp = OpportunityFactory()

    with pytest.raises(ValidationError) as exc:
        services.opportunity_delete(user=rep, opportunity=opp)

    assert error_codes(exc.value) == ["delete_not_own"]
    assert Opportunity.objects.filter(pk=opp.pk).exists()


def test_without_a_user_nothing_is_deleted():
    opp = OpportunityFactory()

    with pytest.raises(ValidationError) as exc:
        services.opportunity_delete(user=None, opportunity=opp)

    assert error_codes(exc.value) == ["delete_not_own"]


def test_a_manager_deletes_anyones_not_started_one(manager):
    opp = OpportunityFactory()

    services.opportunity_delete(user=manager, opportunity=opp)

    assert not Opportunity.objects.filter(pk=opp.pk).exists()


def test_deleting_one_opportunity_leaves_the_others(manager):
    opp, other = OpportunityFactory(lost=True), OpportunityFactory(lost=True)
    TaskFactory(opportunity=other)

    services.opportunity_delete(user=manager, opportunity=opp)

    assert list(Opportunity.objects.all()) == [other]
    assert other.entries.count() == 2
    assert other.tasks.count() == 1


def test_contact_changes_freely_after_a_reopen_back_to_not_started(manager):
    # Closed before it ever started, then reopened: it has history but has not
    # started, so the contact rule applies no more than the sales cycle rule.
    opp = OpportunityFactory()
    services.opportunity_close(
        user=manager,
        opportunity=opp,
        outcome="lost",
        close_reason=CloseReasonFactory(),
        date_closed=opp.creation_date,
    )
    opp = services.opportunity_reopen(
        user=manager, opportunity=opp, reason="Back", date_of_change=opp.creation_date
    )
    other = CompanyFactory()

    opp = edit(opp, contact=other, sales_cycle=cycle_with_stages())

    assert (opp.status, opp.contact, opp.contact_company) == (
        Status.NOT_STARTED,
        other,
        other,
    )


# -- the contact company is kept --------------------------------------------------


def test_a_person_moving_to_another_company_leaves_the_opportunity_with_the_first(
    client, manager
):
    first, second = CompanyFactory(name="First Oy"), CompanyFactory(name="Second Oy")
    person = PersonFactory(company=first)
    opportunity = OpportunityFactory(contact=person, in_progress=True)
    contact_update(user=manager, contact=person, company=second)

    # The edit page posts the contact it shows: an edit is not a change of it.
    services.opportunity_edit(
        user=manager, opportunity=opportunity, description="Renamed", contact=person
    )
    opportunity = services.opportunity_advance(
        user=manager, opportunity=opportunity, move=Move.NEXT
    )

    assert opportunity.contact_company == first
    assert {entry.contact_company for entry in opportunity.entries.all()} == {first}
    client.force_login(manager)
    page = client.get(reverse("opportunities:detail", args=[opportunity.number]))
    assert "First Oy" in page.content.decode()
    assert "Second Oy" not in page.content.decode()
