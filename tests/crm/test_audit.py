"""Every change is attributable: the history for moves, the admin log for the rest."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, Salesperson
from contacts.services import contact_delete, contact_update
from opportunities.models import Opportunity
from tests.factories import (
    CloseReasonFactory,
    CompanyFactory,
    OpportunityFactory,
    PersonFactory,
    SalesCycleFactory,
    SalespersonFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def own(rep):
    return Salesperson.objects.get(user=rep)


def logged(obj) -> list[tuple]:
    return [
        (entry.user.username, entry.action_flag, entry.object_repr)
        for entry in LogEntry.objects.filter(object_id=str(obj.pk)).order_by("pk")
    ]


def test_moves_are_in_the_history_with_who_and_when(client, rep, own):
    client.force_login(rep)
    opportunity = OpportunityFactory(salesperson=own)

    client.post(
        reverse("opportunities:advance", args=[opportunity.number]),
        {
            "move": "start",
            "date_of_change": timezone.localdate().isoformat(),
            "estimated_value": "100",
            "chances_pct": "0",
            "estimated_close_date": timezone.localdate().isoformat(),
            "version": opportunity.version,
        },
    )

    entry = opportunity.entries.get()
    assert entry.created_by == rep
    assert timezone.now() - entry.created_at < datetime.timedelta(minutes=1)


def test_page_changes_outside_the_history_go_to_the_admin_log(client, rep, own):
    client.force_login(rep)
    contact = CompanyFactory()
    response = client.post(
        reverse("opportunities:create"),
        {
            "description": "Logged deal",
            "contact": contact.pk,
            "salesperson": own.pk,
            "sales_cycle": OpportunityFactory().sales_cycle.pk,
            "priority": "normal",
        },
    )
    assert response.status_code == 302
    opportunity = Opportunity.objects.get(description="Logged deal")
    client.post(
        reverse("opportunities:edit", args=[opportunity.number]),
        {
            "description": "Renamed deal",
            "contact": contact.pk,
            "salesperson": own.pk,
            "sales_cycle": opportunity.sales_cycle_id,
            "priority": "high",
        },
    )
    client.post(reverse("opportunities:delete", args=[opportunity.number]))

    flags = [flag for _user, flag, _repr in logged(opportunity)]
    assert flags == [ADDITION, CHANGE, DELETION]
    assert {user for user, _flag, _repr in logged(opportunity)} == {"rep1"}
    change = LogEntry.objects.get(object_id=str(opportunity.pk), action_flag=CHANGE)
    assert (
        "description" in change.change_message and "priority" in change.change_message
    )


def test_a_task_done_in_the_pages_is_logged(client, rep, own):
    client.force_login(rep)
    task = TaskFactory(salesperson=own, opportunity__salesperson=own)

    client.post(reverse("opportunities:task_complete", args=[task.number]))

    assert logged(task) == [("rep1", CHANGE, str(task))]


def test_a_redirect_after_a_task_stays_on_this_site(client, rep, own):
    client.force_login(rep)
    task = TaskFactory(salesperson=own, opportunity__salesperson=own)

    response = client.post(
        reverse("opportunities:task_cancel", args=[task.number]),
        {"next": "/\\evil.example/"},  # a browser reads /\ as //
    )

    assert response["Location"] == reverse("opportunities:tasks")


# -- the services log inside their own transaction ---------------------------------


def test_a_refused_delete_leaves_no_log_row(manager):
    # contact_delete writes its row, then the delete is refused (a person works
    # for the company): the row is rolled back with the delete.
    company = CompanyFactory()
    PersonFactory(company=company)

    with pytest.raises(ValidationError) as refused:
        contact_delete(user=manager, contact=company)

    assert refused.value.code == "contact_in_use"
    assert logged(company) == []


def test_a_change_and_its_log_row_commit_together(manager):
    company = CompanyFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        contact_update(user=manager, contact=company, name="Renamed")
        assert logged(company) == [("manager", CHANGE, str(company))]
        raise RuntimeError("the caller's transaction fails later")

    assert logged(company) == []
    company.refresh_from_db()
    assert company.name != "Renamed"


def test_contact_pages_log_once_per_change(client, rep):
    client.force_login(rep)

    client.post(reverse("contacts:create"), {"type": "company", "name": "Logged Oy"})

    contact = Contact.objects.get(name="Logged Oy")
    assert logged(contact) == [("rep1", ADDITION, str(contact))]


def test_admin_changes_are_logged_once_by_the_service(client, manager):
    client.force_login(manager)
    cycle = SalesCycleFactory(code="LOGGED")
    opts = cycle._meta

    client.post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[cycle.pk]),
        {
            "code": "LOGGED",
            "description": "Renamed in the admin",
            "probability_method": cycle.probability_method,
            "stages-TOTAL_FORMS": "0",
            "stages-INITIAL_FORMS": "0",
            "stages-MIN_NUM_FORMS": "0",
            "stages-MAX_NUM_FORMS": "1000",
        },
    )

    cycle.refresh_from_db()
    assert cycle.description == "Renamed in the admin"
    assert logged(cycle) == [("manager", CHANGE, str(cycle))]


def test_admin_bulk_actions_are_logged_per_opportunity(client, manager):
    client.force_login(manager)
    running = OpportunityFactory(in_progress=True)
    lost = OpportunityFactory(lost=True)
    new = SalespersonFactory(code="NEW")
    reason = CloseReasonFactory(code="PRICE", type="lost")
    changelist = reverse("admin:opportunities_opportunity_changelist")

    def run(action, chosen, **data):
        client.post(
            changelist,
            {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in chosen], **data},
        )

    run("reassign", [running], apply="True", salesperson=new.pk)
    run("reopen", [lost], apply="True", reason="Back")
    run(
        "close_as_lost",
        [running],
        apply="True",
        close_reason=reason.pk,
        date_closed=timezone.localdate().isoformat(),
    )

    assert logged(running) == [
        ("manager", CHANGE, str(running)),
        ("manager", CHANGE, str(running)),
    ]
    assert logged(lost) == [("manager", CHANGE, str(lost))]
    messages = LogEntry.objects.filter(object_id=str(running.pk)).values_list(
        "change_message", flat=True
    )
    assert any("salesperson" in message for message in messages)
