"""Bulk actions on the opportunity list (issue 19): each opportunity through
its service on its own, a summary of what was done and what was refused."""

import pytest
from django.urls import reverse

from opportunities import bulk
from opportunities.models import Opportunity, Status, Task
from tests.factories import (
    CloseReasonFactory,
    OpportunityFactory,
    SalespersonFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

BULK = reverse("opportunities:bulk")


@pytest.fixture
def reason(db):
    return CloseReasonFactory(code="PRICE")


@pytest.fixture
def deals(rep):
    me = rep.salesperson
    return {
        "a": OpportunityFactory(salesperson=me, in_progress=True, description="A"),
        "b": OpportunityFactory(salesperson=me, in_progress=True, description="B"),
        "won": OpportunityFactory(salesperson=me, won=True, description="Won"),
        "theirs": OpportunityFactory(in_progress=True, description="Theirs"),
    }


def post(client, **data):
    return client.post(BULK, data)


def test_closing_ticked_rows_as_lost_asks_then_reports_each(client, rep, deals, reason):
    client.force_login(rep)
    ids = [deals[k].pk for k in ("a", "b", "won")]

    asked = post(client, action="close_lost", scope="selected", selected=ids)

    assert asked.status_code == 200
    assert asked.context["count"] == 3
    assert Opportunity.objects.filter(status=Status.LOST).count() == 0

    done = post(
        client,
        action="close_lost",
        scope="selected",
        selected=ids,
        confirm="True",
        close_reason=reason.pk,
        date_closed=asked.context["form"].initial["date_closed"].isoformat(),
    )

    outcome = done.context["outcome"]
    assert sorted(o.number for o in outcome.done) == sorted(
        [deals["a"].number, deals["b"].number]
    )
    assert [o.number for o, _reason in outcome.refused] == [deals["won"].number]
    assert "closed" in outcome.refused[0][1]
    for key in ("a", "b"):
        deals[key].refresh_from_db()
        assert deals[key].status == Status.LOST
        assert deals[key].entries.filter(action_taken="lost").count() == 1
    assert deals["won"].entries.filter(action_taken="lost").count() == 0


def test_a_missing_close_reason_is_asked_again_and_nothing_changes(
    client, rep, deals, reason
):
    client.force_login(rep)
    response = post(
        client,
        action="close_lost",
        scope="selected",
        selected=[deals["a"].pk],
        confirm="True",
        date_closed="2026-01-01",
    )
    assert response.status_code == 200
    assert "close_reason" in response.context["form"].errors
    assert not Opportunity.objects.filter(status=Status.LOST).exists()


def test_all_that_match_the_filters_are_the_users_own(client, rep, deals):
    client.force_login(rep)
    TaskFactory(opportunity=deals["a"])
    TaskFactory(opportunity=deals["theirs"])

    response = post(
        client,
        action="cancel_tasks",
        scope="all",
        filters="status=open",
        confirm="True",
    )

    assert sorted(o.number for o in response.context["outcome"].done) == sorted(
        [deals["a"].number, deals["b"].number]
    )
    assert not Task.objects.filter(opportunity=deals["a"], closed=False).exists()
    assert Task.objects.filter(opportunity=deals["theirs"], closed=False).exists()


def test_another_reps_rows_are_never_touched(client, rep, deals, reason):
    client.force_login(rep)
    response = post(
        client,
        action="close_lost",
        scope="selected",
        selected=[deals["theirs"].pk],
        confirm="True",
        close_reason=reason.pk,
        date_closed="2026-01-01",
    )
    assert response.status_code == 302
    deals["theirs"].refresh_from_db()
    assert deals["theirs"].status == Status.IN_PROGRESS


def test_a_rep_cannot_reassign_a_manager_can(client, rep, manager, deals):
    other = SalespersonFactory(code="NEW")
    client.force_login(rep)
    refused = post(
        client,
        action="reassign",
        scope="selected",
        selected=[deals["a"].pk],
        confirm="True",
        salesperson=other.pk,
    )
    assert refused.status_code == 302
    deals["a"].refresh_from_db()
    assert deals["a"].salesperson == rep.salesperson

    client.force_login(manager)
    done = post(
        client,
        action="reassign",
        scope="selected",
        selected=[deals["a"].pk, deals["theirs"].pk],
        confirm="True",
        salesperson=other.pk,
    )
    assert len(done.context["outcome"].done) == 2
    assert set(Opportunity.objects.filter(salesperson=other)) == {
        deals["a"],
        deals["theirs"],
    }


def test_export_of_the_ticked_rows(client, rep, deals):
    client.force_login(rep)
    response = post(client, action="export", scope="selected", selected=[deals["b"].pk])
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert deals["b"].number in body and deals["a"].number not in body


def test_too_many_at_once_are_refused_before_anything_changes(
    client, rep, deals, reason, monkeypatch
):
    monkeypatch.setattr(bulk, "MOST", 1)
    client.force_login(rep)
    response = post(
        client, action="cancel_tasks", scope="all", filters="", confirm="True"
    )
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "at most 1 can be changed at once" in messages[0]


def test_the_list_offers_the_bulk_form_and_row_boxes(client, rep, deals):
    client.force_login(rep)
    page = client.get(reverse("opportunities:list")).content.decode()
    assert 'form="bulk"' in page
    assert 'value="reassign"' not in page
    assert 'value="close_lost"' in page


def test_the_confirmation_page_queries_do_not_grow_with_rows(
    client, rep, reason, django_assert_num_queries
):
    me = rep.salesperson
    deals = [OpportunityFactory(salesperson=me, in_progress=True) for _ in range(25)]
    client.force_login(rep)
    # session, user, the two permission queries, the count of the chosen, the
    # lost reasons for the default, the first rows shown with their joins, and
    # the lost reasons of the form's one select: for 25 rows as for 3.
    with django_assert_num_queries(8):
        response = post(
            client,
            action="close_lost",
            scope="selected",
            selected=[d.pk for d in deals],
        )
    assert response.context["count"] == 25
