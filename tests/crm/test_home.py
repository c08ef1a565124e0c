"""The home page: signing in, and whose opportunities it lists."""

import pytest
from django.urls import reverse

from tests.factories import (
    OpportunityFactory,
    SalespersonFactory,
    UserFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle():
    return cycle_with_stages()


def numbers(response) -> set[str]:
    return {opportunity.number for opportunity in response.context["opportunities"]}


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


def test_a_rep_sees_only_their_own_opportunities(client, rep, cycle):
    mine = OpportunityFactory(salesperson=rep.salesperson, sales_cycle=cycle)
    mine_won = OpportunityFactory(
        salesperson=rep.salesperson, sales_cycle=cycle, won=True
    )
    others = OpportunityFactory(sales_cycle=cycle, description="Someone else's deal")
    client.force_login(rep)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert numbers(response) == {mine.number, mine_won.number}
    assert others.number not in response.content.decode()
    assert "Someone else&#x27;s deal" not in response.content.decode()


def test_a_manager_sees_everyones_opportunities(client, manager, rep, cycle):
    opportunities = [
        OpportunityFactory(salesperson=rep.salesperson, sales_cycle=cycle),
        OpportunityFactory(sales_cycle=cycle, in_progress=True),
        OpportunityFactory(salesperson=manager.salesperson, sales_cycle=cycle),
    ]
    client.force_login(manager)

    response = client.get(reverse("home"))

    assert numbers(response) == {o.number for o in opportunities}


def test_a_user_without_a_salesperson_sees_none(client, cycle):
    OpportunityFactory(sales_cycle=cycle)
    client.force_login(UserFactory(username="visitor", role="Sales reps"))

    response = client.get(reverse("home"))

    assert numbers(response) == set()
    assert "No opportunities yet." in response.content.decode()


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("who", ["rep", "manager"])
def test_home_page_queries_do_not_grow_with_rows(
    client, cycle, rows, who, request, django_assert_num_queries
):
    user = request.getfixturevalue(who)
    salespeople = [user.salesperson, SalespersonFactory()]
    for index in range(rows):
        OpportunityFactory(
            salesperson=salespeople[index % 2],
            sales_cycle=cycle,
            in_progress=index % 3 == 0,
        )
    client.force_login(user)

    # 1 the session, 2 the user (authentication middleware),
    # 3 the user's own permissions and 4 those of their groups (for_user asks
    # has_perm("opportunities.view_all_opportunities")),
    # 5 the paginator's count, 6 the page of opportunities with contact,
    # contact company, salesperson, sales cycle and stage joined (for_list).
    # The template reads only those: no query per row.
    with django_assert_num_queries(6):
        response = client.get(reverse("home"))

    shown = len(response.context["opportunities"])
    assert shown == (rows if who == "manager" else (rows + 1) // 2)
