"""Search everywhere (issue 19): the menu bar's search, the list's search box
and the contact picker match alike, case and accents ignored."""

import pytest
from django.urls import reverse

from contacts.models import Contact, Salesperson
from opportunities.models import Opportunity
from opportunities.search import opportunity_matching, search_everything
from tests.factories import (
    CompanyFactory,
    OpportunityFactory,
    PersonFactory,
    SalespersonFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hameen(rep):
    company = CompanyFactory(number="CT000100", name="Hämeen Elintarvike Oy")
    person = PersonFactory(
        number="CT000101",
        name="Päivi Äijälä",
        company=company,
        email="paivi.aijala@hameen.example",
        phone="+358 40 555 1234",
    )
    mine = OpportunityFactory(
        number="OP000100",
        description="Kylmälaitteet",
        contact=person,
        salesperson=Salesperson.objects.get(code="REP1"),
    )
    theirs = OpportunityFactory(
        number="OP000101",
        description="Huolto",
        contact=company,
        salesperson=SalespersonFactory(code="REP2", name="Jörö Jääskeläinen"),
    )
    OpportunityFactory(number="OP000102", description="Elsewhere")
    return company, person, mine, theirs


def numbers(rows):
    return [getattr(row, "number", None) or row.code for row in rows]


def test_case_and_accents_are_ignored_both_ways(hameen, manager):
    found = search_everything(manager, "hameen")
    assert numbers(found["contacts"].rows) == ["CT000100", "CT000101"]
    # Through the contact (a person) and the contact company.
    assert numbers(found["opportunities"].rows) == ["OP000101", "OP000100"]
    assert numbers(search_everything(manager, "ÄIJÄLÄ")["contacts"].rows) == [
        "CT000101"
    ]
    assert numbers(search_everything(manager, "joro jaas")["salespeople"].rows) == [
        "REP2"
    ]


def test_e_mail_phone_and_description_match(hameen, manager):
    assert numbers(Contact.objects.matching("PAIVI.AIJALA@")) == ["CT000101"]
    assert numbers(Contact.objects.matching("40 555")) == ["CT000101"]
    opportunities = opportunity_matching(Opportunity.objects.all(), "kylmä")
    assert numbers(opportunities) == ["OP000100"]


def test_an_exact_number_comes_first(hameen, manager):
    # "OP000101" is contained in no other number, but a description may hold it.
    OpportunityFactory(number="OP000099", description="Follow-up of op000101")
    found = search_everything(manager, "op000101")["opportunities"].rows
    assert numbers(found) == ["OP000101", "OP000099"]


def test_like_wildcards_are_taken_literally(hameen, manager):
    assert search_everything(manager, "%%%")["contacts"].rows == []
    assert search_everything(manager, "___")["opportunities"].rows == []
    CompanyFactory(name="100% Oy")
    assert len(search_everything(manager, "100%")["contacts"].rows) == 1


def test_a_query_shorter_than_three_characters_finds_only_a_number(manager):
    CompanyFactory(number="K1", name="Hämeen K1 Oy")
    OpportunityFactory(number="K2", description="Oy deal", contact=CompanyFactory())
    assert numbers(search_everything(manager, "oy")["contacts"].rows) == []
    assert numbers(search_everything(manager, "k1")["contacts"].rows) == ["K1"]
    assert numbers(search_everything(manager, "k2")["opportunities"].rows) == ["K2"]


def test_a_rep_finds_only_his_own_opportunities(hameen, rep):
    found = search_everything(rep, "hameen")
    assert numbers(found["opportunities"].rows) == ["OP000100"]  # not OP000101
    # Contacts are shared.
    assert numbers(found["contacts"].rows) == ["CT000100", "CT000101"]


def test_a_section_says_when_more_match(manager):
    for n in range(4):
        CompanyFactory(name=f"Oy Alfa {n}")
    found = search_everything(manager, "alfa", limit=3)["contacts"]
    assert (len(found.rows), found.more) == (3, True)


def test_the_search_page(client, hameen, rep):
    client.force_login(rep)
    response = client.get(reverse("search"), {"q": "Hameen"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "OP000100" in page and "OP000101" not in page
    assert "CT000101" in page and 'href="tel:+358 40 555 1234"' in page
    assert 'name="q"' in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("query", ["", "   ", "x" * 5000, "a\x00b", "%_\\"])
def test_the_search_page_takes_any_query(client, hameen, manager, query):
    client.force_login(manager)
    # A NUL byte is refused (400) before the page, like everywhere else.
    assert client.get(reverse("search"), {"q": query}).status_code in (200, 400)


def test_the_search_page_queries_do_not_grow_with_rows(
    client, hameen, manager, django_assert_num_queries
):
    for n in range(15):
        PersonFactory(name=f"Hämeen person {n}", company=hameen[0])
    client.force_login(manager)
    # session, user, the two permission queries (groups, user permissions),
    # then the opportunities, the contacts and the salespeople.
    with django_assert_num_queries(7):
        response = client.get(reverse("search"), {"q": "hameen"})
    assert response.status_code == 200


def test_the_list_search_box_matches_the_same_way(client, hameen, manager):
    client.force_login(manager)
    response = client.get(reverse("opportunities:list"), {"q": "HAMEEN"})
    assert [o.number for o in response.context["object_list"]] == [
        "OP000101",
        "OP000100",
    ]
    response = client.get(reverse("contacts:list"), {"q": "aijala"})
    assert [c.number for c in response.context["object_list"]] == ["CT000101"]


def test_the_contact_picker_matches_the_same_way(client, hameen, manager):
    client.force_login(manager)
    response = client.get(reverse("contacts:search"), {"q": "hameen"})
    assert response.status_code == 200
    assert "CT000100" in response.content.decode()
    assert "CT000101" in response.content.decode()
