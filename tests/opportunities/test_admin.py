"""The managers' opportunity tools in the admin: actions, filters, CSV, usage counts."""

import csv
import datetime
import io
import re

import pytest
from django.contrib.admin import helpers
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.money import format_money
from opportunities import services
from opportunities.models import CloseReason, Opportunity, Status, Task
from tests.factories import (
    ActivityFactory,
    ActivityStepFactory,
    CloseReasonFactory,
    OpportunityFactory,
    SalespersonFactory,
    UserFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:opportunities_opportunity_changelist")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def run_action(client, action, opportunities, **data):
    """Post an action for the chosen opportunities, as the changelist does."""
    return client.post(
        CHANGELIST,
        {
            "action": action,
            helpers.ACTION_CHECKBOX_NAME: [o.pk for o in opportunities],
            **data,
        },
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def with_tasks(**fields):
    activity = ActivityFactory()
    ActivityStepFactory(activity=activity)
    ActivityStepFactory(activity=activity)
    cycle = cycle_with_stages((10, 10, 20, {"activity": activity}), (20, 50, 60, {}))
    return OpportunityFactory(in_progress=True, sales_cycle=cycle, **fields)


# -- reassign -----------------------------------------------------------------------


def test_reassign_asks_for_the_salesperson_first(manager_client):
    chosen = [OpportunityFactory(), OpportunityFactory()]
    SalespersonFactory(code="GONE", blocked=True)

    response = run_action(manager_client, "reassign", chosen, index=0)

    assert response.status_code == 200
    assert response.templates[0].name == "admin/opportunities/action_form.html"
    offered = [
        sp.code for sp in response.context["form"].fields["salesperson"].queryset
    ]
    assert "GONE" not in offered  # blocked salespeople cannot get opportunities
    for opportunity in chosen:
        assert opportunity.number in response.content.decode()


def test_reassign_gives_the_opportunities_and_their_open_tasks(manager_client):
    opportunity = with_tasks()
    old = opportunity.salesperson
    other = OpportunityFactory()
    new = SalespersonFactory(code="NEW")

    response = run_action(
        manager_client,
        "reassign",
        [opportunity, other],
        apply="True",
        salesperson=new.pk,
    )

    assert response.status_code == 302
    assert set(Opportunity.objects.values_list("salesperson__code", flat=True)) == {
        "NEW"
    }
    assert not Task.objects.filter(salesperson=old).exists()
    assert Task.objects.filter(salesperson=new).count() == 2
    assert "2 opportunities given to NEW" in " ".join(messages_of(response))


def test_reassign_always_gives_the_old_owners_open_tasks(manager_client):
    # Issue 16: tasks left behind showed the old owner a deal he no longer had.
    opportunity = with_tasks()
    old = opportunity.salesperson
    new = SalespersonFactory()

    run_action(
        manager_client, "reassign", [opportunity], apply="True", salesperson=new.pk
    )

    assert not Task.objects.filter(salesperson=old).exists()
    assert Task.objects.filter(salesperson=new).count() == 2


# -- close as lost ------------------------------------------------------------------


def test_close_as_lost_preselects_the_only_lost_reason(manager_client):
    reason = CloseReasonFactory(code="PRICE", type="lost")
    CloseReasonFactory(code="WIN", type="won")

    response = run_action(
        manager_client, "close_as_lost", [OpportunityFactory(in_progress=True)], index=0
    )

    field = response.context["form"].fields["close_reason"]
    assert list(field.queryset) == [reason]
    assert field.initial == reason


def test_close_as_lost_closes_each_and_reports_the_refused(manager_client):
    running = OpportunityFactory(in_progress=True)
    won = OpportunityFactory(won=True)
    reason = CloseReasonFactory(code="COMPETE", type="lost")

    response = run_action(
        manager_client,
        "close_as_lost",
        [running, won],
        apply="True",
        close_reason=reason.pk,
        date_closed="2026-02-01",
    )

    running.refresh_from_db()
    won.refresh_from_db()
    assert (running.status, running.close_reason, running.date_closed) == (
        Status.LOST,
        reason,
        datetime.date(2026, 2, 1),
    )
    assert won.status == Status.WON
    texts = messages_of(response)
    assert any(t.startswith(f"{won.number}: ") and "closed" in t for t in texts)
    assert "1 opportunity closed as lost." in texts


def test_close_as_lost_shows_field_errors_and_changes_nothing(manager_client):
    running = OpportunityFactory(in_progress=True)
    CloseReasonFactory(code="COMPETE", type="lost")

    response = run_action(
        manager_client,
        "close_as_lost",
        [running],
        apply="True",
        close_reason="",
        date_closed="not a date",
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"close_reason", "date_closed"}
    running.refresh_from_db()
    assert running.status == Status.IN_PROGRESS


def test_close_as_lost_without_lost_reasons_says_what_to_do(manager_client):
    response = run_action(
        manager_client, "close_as_lost", [OpportunityFactory(in_progress=True)], index=0
    )

    assert response.status_code == 302
    assert "no close reason of type lost" in " ".join(messages_of(response))


# -- reopen -------------------------------------------------------------------------


def test_reopen_asks_for_the_reason_first_and_changes_nothing(manager_client):
    lost = OpportunityFactory(lost=True)

    response = run_action(manager_client, "reopen", [lost], index=0)

    assert response.status_code == 200
    assert response.context["title"] == "Reopen opportunities"
    assert "reason" in response.context["form"].fields
    lost.refresh_from_db()
    assert lost.status == Status.LOST


def test_reopen_without_a_reason_is_a_field_error(manager_client):
    lost = OpportunityFactory(lost=True)

    response = run_action(manager_client, "reopen", [lost], apply="True", reason="")

    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert [e.code for e in errors["reason"]] == ["required"]
    lost.refresh_from_db()
    assert lost.status == Status.LOST


def test_reopen_reopens_the_closed_and_reports_the_open(manager_client):
    lost = OpportunityFactory(lost=True)
    running = OpportunityFactory(in_progress=True)

    response = run_action(
        manager_client,
        "reopen",
        [lost, running],
        apply="True",
        reason="The customer came back",
    )

    lost.refresh_from_db()
    assert lost.status == Status.IN_PROGRESS
    entry = lost.entries.order_by("-id").first()
    assert (entry.action_taken, entry.note) == ("reopened", "The customer came back")
    texts = messages_of(response)
    assert "1 opportunity reopened." in texts
    assert any(t.startswith(f"{running.number}: ") for t in texts)


def test_reopen_is_offered_only_to_those_allowed(client, manager):
    manager.groups.clear()
    manager.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_opportunity", "change_opportunity"]
        )
    )
    client.force_login(manager)

    response = client.get(CHANGELIST)

    actions = [
        name
        for name, _label in response.context["action_form"].fields["action"].choices
    ]
    assert "reopen" not in actions
    assert "export_csv" in actions


# -- CSV ----------------------------------------------------------------------------


def test_export_writes_the_chosen_opportunities_with_their_figures(manager_client):
    won = OpportunityFactory(won=True, description="Fleet; renewal, 2027")
    OpportunityFactory()  # not chosen

    response = run_action(manager_client, "export_csv", [won], index=0)

    assert response["Content-Type"].startswith("text/csv")
    header, row = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    record = dict(zip(header, row, strict=True))
    assert record["No."] == won.number
    assert record["Description"] == "Fleet; renewal, 2027"
    assert record["Status"] == "Won"
    assert record["Estimated value"] == "1000.00"
    assert record["Calculated current value"] == "1000.00"
    assert record["Close reason"] == "WON"
    assert record["Stage"] == "10"


def test_export_runs_a_fixed_number_of_queries(manager_client):
    def queries_for(rows):
        chosen = [OpportunityFactory(won=True) for _ in range(rows)]
        with CaptureQueriesContext(connection) as queries:
            response = run_action(manager_client, "export_csv", chosen, index=0)
        assert len(response.content.decode().splitlines()) == rows + 1
        return len(queries)

    # Session, user, the chosen rows' queryset and one joined query for the
    # export, whatever the number of rows.
    assert queries_for(3) == queries_for(30)


# -- filters and counts -------------------------------------------------------------


def test_stage_filter_offers_the_chosen_cycles_stages_only(manager_client):
    first = cycle_with_stages(code="ONE")
    cycle_with_stages(code="TWO")

    everything = manager_client.get(CHANGELIST)
    one = manager_client.get(CHANGELIST, {"sales_cycle__id__exact": first.pk})

    def stage_choices(response):
        (spec,) = [s for s in response.context["cl"].filter_specs if s.title == "stage"]
        return [choice["display"] for choice in spec.choices(response.context["cl"])][
            1:
        ]

    assert len(stage_choices(everything)) == 8
    assert stage_choices(one) == [
        "ONE 10 Stage 10",
        "ONE 20 Stage 20",
        "ONE 30 Stage 30",
        "ONE 40 Stage 40",
    ]


def test_stage_filter_narrows_the_list(manager_client):
    at_ten = OpportunityFactory(in_progress=True)
    OpportunityFactory()

    response = manager_client.get(CHANGELIST, {"stage__id__exact": at_ten.stage_id})

    assert list(response.context["cl"].result_list) == [at_ten]


def test_close_reasons_show_how_many_opportunities_used_them(manager_client):
    for _ in range(2):
        OpportunityFactory(lost=True)
    OpportunityFactory(won=True)
    CloseReasonFactory(code="UNUSED")

    response = manager_client.get(reverse("admin:opportunities_closereason_changelist"))

    counts = {r.code: r.times_used for r in response.context["cl"].result_list}
    assert counts == {"LOST": 2, "WON": 1, "UNUSED": 0}


def test_close_reason_count_is_per_opportunity_not_per_closing(manager_client, manager):
    opportunity = OpportunityFactory(lost=True)
    reason = CloseReason.objects.get(code="LOST")
    services.opportunity_reopen(user=manager, opportunity=opportunity, reason="Back")
    services.opportunity_close(
        user=manager, opportunity=opportunity, outcome="lost", close_reason=reason
    )

    response = manager_client.get(reverse("admin:opportunities_closereason_changelist"))

    (row,) = response.context["cl"].result_list
    assert row.times_used == 1


# -- deleting, and the notes in the history ------------------------------------------


def change_url(opportunity, view="change"):
    return reverse(f"admin:opportunities_opportunity_{view}", args=[opportunity.pk])


def test_the_delete_confirmation_names_what_leaves_the_statistics(manager_client):
    lost = OpportunityFactory(lost=True)

    response = manager_client.get(change_url(lost, "delete"))

    sentences = response.context["statistics_left"]
    assert sentences[0].startswith(f"Lost, {format_money(lost.estimated_value)} ")
    page = response.content.decode()
    assert "What leaves the statistics" in page
    assert sentences[0] in page


def test_a_staff_member_who_is_no_manager_cannot_delete_a_closed_one(client):
    user = UserFactory(username="clerk", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=[
                "view_opportunity",
                "change_opportunity",
                "delete_opportunity",
            ]
        )
    )
    client.force_login(user)
    won = OpportunityFactory(won=True)

    response = client.post(change_url(won, "delete"), {"post": "yes"})

    assert response.url == change_url(won)
    assert any("only a sales manager" in m for m in messages_of(response))
    assert Opportunity.objects.filter(pk=won.pk).exists()


def test_the_entry_inline_shows_the_notes(manager_client, manager):
    opportunity = OpportunityFactory(lost=True)
    services.opportunity_reopen(
        user=manager, opportunity=opportunity, reason="The customer came back"
    )

    response = manager_client.get(change_url(opportunity))

    page = response.content.decode()
    assert re.search(r'<td class="field-note">\s*<p>The customer came back</p>', page)
