"""The home page ("my pipeline"): signing in, cues, top 5, recent changes, scoping.

And the error pages.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.views import defaults

from contacts.models import Salesperson
from opportunities import services
from opportunities.models import OpportunityEntry
from opportunities.moves import Move
from tests.factories import (
    CloseReasonFactory,
    OpportunityFactory,
    SalespersonFactory,
    TaskFactory,
    UserFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def cycle():
    return cycle_with_stages()


@pytest.fixture
def own(rep):
    return Salesperson.objects.get(user=rep)


def closing(opportunity, on: datetime.date, value=Decimal(1000)):
    """The opportunity updated today with estimated close date ``on``."""
    return services.opportunity_advance(
        user=None,
        opportunity=opportunity,
        move=Move.UPDATE,
        date_of_change=min(TODAY, on - datetime.timedelta(days=1)),
        estimated_value=value,
        estimated_close_date=on,
    )


def test_home_page_requires_login(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_login_page_renders_the_form(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert "Sign in" in html


def test_signing_in_leads_home(client, rep):
    response = client.post(
        reverse("login"), {"username": "rep1", "password": "secret-pass-123"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.fixture
def pipelines(own, cycle):
    """REP1: one closing in 3 days, one overdue, one not started, one won;
    someone else: one overdue worth more than all of REP1's."""
    mine = {"salesperson": own, "sales_cycle": cycle}
    soon = OpportunityFactory(**mine, in_progress=True)
    late = OpportunityFactory(**mine, in_progress=True)
    return {
        "soon": closing(soon, TODAY + datetime.timedelta(days=3), Decimal(300)),
        "late": closing(late, TODAY - datetime.timedelta(days=1), Decimal(200)),
        "new": OpportunityFactory(**mine),
        "won": OpportunityFactory(**mine, won=True),
        "others": closing(
            OpportunityFactory(
                sales_cycle=cycle, in_progress=True, description="Someone else's"
            ),
            TODAY - datetime.timedelta(days=5),
            Decimal(9000),
        ),
    }


def test_a_rep_sees_cues_of_their_own_pipeline(client, rep, own, pipelines):
    TaskFactory(salesperson=own, opportunity=pipelines["soon"], date=TODAY)
    TaskFactory(
        salesperson=own, opportunity=pipelines["soon"], date=TODAY, completed=True
    )
    TaskFactory(
        salesperson=own, opportunity=pipelines["late"], date=datetime.date(2000, 1, 1)
    )
    TaskFactory(opportunity=pipelines["others"], date=TODAY)
    client.force_login(rep)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    cues = response.context["cues"]
    assert cues["open_count"] == 3
    assert cues["open_estimated_value"] == Decimal(500)
    assert cues["due_week"] == 1
    assert cues["overdue"] == 1
    assert cues["tasks_today"] == 1
    assert cues["tasks_overdue"] == 1
    html = response.content.decode()
    assert f"{reverse('opportunities:list')}?due=overdue" in html
    assert f"{reverse('opportunities:tasks')}?when=today" in html


def test_a_rep_sees_only_their_top_opportunities_and_changes(client, rep, pipelines):
    client.force_login(rep)

    response = client.get(reverse("home"))

    top = [o.number for o in response.context["top_opportunities"]]
    assert top == [
        pipelines["soon"].number,
        pipelines["late"].number,
        pipelines["new"].number,
    ]
    recent = response.context["recent_entries"]
    assert {e.opportunity.number for e in recent} == {
        pipelines[key].number for key in ("soon", "late", "won")
    }
    # Latest first: "won" got its entries after the others' updates.
    assert [e.action_taken for e in recent[:2]] == ["won", "first"]
    assert recent[0].opportunity.number == pipelines["won"].number
    html = response.content.decode()
    assert pipelines["others"].number not in html
    assert "Someone else" not in html
    assert reverse("opportunities:detail", args=[pipelines["soon"].number]) in html


def test_a_manager_sees_everyones_pipeline(client, manager, pipelines):
    client.force_login(manager)

    response = client.get(reverse("home"))

    cues = response.context["cues"]
    assert cues["open_count"] == 4
    assert cues["overdue"] == 2
    assert response.context["top_opportunities"][0] == pipelines["others"]
    assert len(response.context["recent_entries"]) == 8  # two per started one
    assert response.context["recent_entries"][0].opportunity == pipelines["others"]
    by_salesperson = response.context["by_salesperson"]
    assert [row["salesperson__code"] for row in by_salesperson] == [
        pipelines["others"].salesperson.code,
        "REP1",
    ]
    assert by_salesperson[1]["open_count"] == 3
    assert by_salesperson[1]["overdue"] == 1
    assert by_salesperson[0]["open_estimated_value"] == Decimal(9000)


def test_home_shows_what_was_won_this_quarter(client, rep, own, cycle):
    reason = CloseReasonFactory(won=True)
    for value, closed_on in ((700, TODAY), (900, TODAY - datetime.timedelta(days=400))):
        opportunity = OpportunityFactory(
            salesperson=own,
            sales_cycle=cycle,
            creation_date=TODAY - datetime.timedelta(days=500),
        )
        services.opportunity_close(
            user=None,
            opportunity=opportunity,
            outcome="won",
            close_reason=reason,
            date_closed=closed_on,
            sale_value=Decimal(value),
        )
    client.force_login(rep)

    response = client.get(reverse("home"))

    assert response.context["cues"]["won_quarter"] == Decimal(700)
    assert response.context["by_salesperson"] == []  # a rep's home has no table


def test_recent_changes_are_the_last_ten_entries(client, manager, cycle):
    for _ in range(6):
        OpportunityFactory(sales_cycle=cycle, won=True)  # two entries each
    client.force_login(manager)

    recent = client.get(reverse("home")).context["recent_entries"]

    latest = OpportunityEntry.objects.order_by("-pk")[:10]
    assert [e.pk for e in recent] == [e.pk for e in latest]


def test_a_user_without_a_salesperson_sees_an_empty_pipeline(client, cycle):
    OpportunityFactory(sales_cycle=cycle, in_progress=True)
    client.force_login(UserFactory(username="visitor", role="Sales reps"))

    response = client.get(reverse("home"))

    assert response.context["cues"]["open_count"] == 0
    assert response.context["top_opportunities"] == []
    assert "No open opportunities." in response.content.decode()


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("who", ["rep", "manager"])
def test_home_page_queries_do_not_grow_with_rows(
    client, cycle, rows, who, request, django_assert_num_queries
):
    user = request.getfixturevalue(who)
    salespeople = [user.salesperson, SalespersonFactory()]
    for index in range(rows):
        opportunity = OpportunityFactory(
            salesperson=salespeople[index % 2],
            sales_cycle=cycle,
            in_progress=index % 3 == 0,
        )
        if index % 3 == 0:
            TaskFactory(opportunity=opportunity, salesperson=opportunity.salesperson)
    client.force_login(user)

    # 1 the session, 2 the user (authentication middleware),
    # 3 the user's own permissions and 4 those of their groups (for_user asks
    # has_perm("opportunities.view_all_opportunities"); cached on the user after),
    # 5 the opportunity cues per salesperson (one grouped scan with filtered
    # Counts and Sums: the page's cues are their sums, a manager's pipeline by
    # salesperson their rows), 6 the task cues (one aggregate), 7 the top 5
    # with contact, salesperson, etc. joined (for_list), 8 the last 10 entries
    # with opportunity, stage, salesperson and user joined. The template reads
    # only those.
    with django_assert_num_queries(8):
        response = client.get(reverse("home"))

    visible = rows if who == "manager" else (rows + 1) // 2
    assert response.context["cues"]["open_count"] == visible
    assert len(response.context["top_opportunities"]) == min(5, visible)


# -- error pages --------------------------------------------------------------------


def test_404_page_is_friendly_and_keeps_the_navigation(client, rep):
    client.force_login(rep)

    response = client.get("/no/such/page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "This page does not exist" in html
    assert 'class="navbar' in html
    assert f'href="{reverse("home")}"' in html


def test_403_page_is_friendly(rep):
    request = RequestFactory().get("/")
    request.user = rep

    response = defaults.permission_denied(request, PermissionDenied())

    assert response.status_code == 403
    assert "You may not see this page" in response.content.decode()


def test_500_page_needs_no_context_and_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_to_string("500.html")

    assert "Something went wrong" in html
    assert "bootstrap/css/bootstrap.min.css" in html
