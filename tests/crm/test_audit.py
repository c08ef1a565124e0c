"""Every change is attributable: the history for moves, the admin log for the rest."""

import datetime

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.urls import reverse
from django.utils import timezone

from contacts.models import Salesperson
from opportunities.models import Opportunity
from tests.factories import CompanyFactory, OpportunityFactory, TaskFactory

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
