"""The contact and salesperson pages: scoping, forms through the services, queries."""

from decimal import Decimal

import pytest
from django.urls import reverse

from contacts.models import Contact, ContactType, Salesperson
from contacts.services import contact_update
from tests.factories import (
    CompanyFactory,
    OpportunityFactory,
    PersonFactory,
    SalespersonFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle():
    return cycle_with_stages()


@pytest.fixture
def own(rep):
    """REP1's salesperson."""
    return Salesperson.objects.get(user=rep)


@pytest.fixture
def other():
    return SalespersonFactory(code="REP2")


def url(name, *args):
    return reverse(f"contacts:{name}", args=args)


def numbers(opportunities) -> set[str]:
    return {opportunity.number for opportunity in opportunities}


# -- login required -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("list", []),
        ("create", []),
        ("search", []),
        ("search_companies", []),
        ("salespeople", []),
        ("salesperson", ["REP1"]),
        ("detail", ["C000001"]),
        ("edit", ["C000001"]),
    ],
)
def test_every_page_requires_login(client, name, args):
    path = url(name, *args)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={path}"


# -- list ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["rep", "manager"])
def test_contact_list_shows_everyones_contacts(client, who, request, other):
    user = request.getfixturevalue(who)
    company = CompanyFactory(name="Acme", salesperson=other)
    person = PersonFactory(name="Ann Smith", company=company)
    client.force_login(user)

    response = client.get(url("list"))

    assert response.status_code == 200
    assert set(response.context["object_list"]) == {company, person, person.company}


def test_contact_list_searches_number_name_email_and_city(client, rep):
    acme = CompanyFactory(number="CT000001", name="Acme", city="Berlin")
    beta = CompanyFactory(number="CT000002", name="Beta", email="hello@beta.example")
    gamma = CompanyFactory(number="CT000003", name="Gamma", city="Bern")
    client.force_login(rep)

    def search(text):
        return set(client.get(url("list"), {"q": text}).context["object_list"])

    assert search("ct000002") == {beta}
    assert search("cme") == {acme}
    assert search("hello@") == {beta}
    assert search("ber") == {acme, gamma}


def test_contact_list_filters_by_type_company_and_salesperson(client, rep, other):
    acme = CompanyFactory(number="CT1", name="Acme", salesperson=other)
    ann = PersonFactory(number="CT2", name="Ann", company=acme)
    bob = PersonFactory(number="CT3", name="Bob")
    client.force_login(rep)

    def listed(**params):
        return set(client.get(url("list"), params).context["object_list"])

    assert listed(type="person") == {ann, bob}
    assert listed(company="CT1") == {ann}
    assert listed(company="acm") == {ann}
    assert listed(salesperson=other.pk) == {acme}


def test_contact_list_sorts_by_name_and_city(client, rep):
    CompanyFactory(number="CT1", name="Zeta", city="Aachen")
    CompanyFactory(number="CT2", name="Alpha", city="Zwickau")
    client.force_login(rep)

    by_name = client.get(url("list"), {"o": "name"}).context["object_list"]
    by_city = client.get(url("list"), {"o": "-city"}).context["object_list"]

    assert [c.number for c in by_name] == ["CT2", "CT1"]
    assert [c.number for c in by_city] == ["CT2", "CT1"]


def test_contact_list_is_paginated_by_50(client, rep):
    CompanyFactory.create_batch(51)
    client.force_login(rep)

    response = client.get(url("list"), {"page": 2})

    assert len(response.context["object_list"]) == 1
    assert response.context["paginator"].count == 51


# -- company and person pages -------------------------------------------------------


@pytest.fixture
def company_deals(own, other, cycle):
    """A company with a person; deals of REP1 and REP2 on both."""
    company = CompanyFactory(number="CT000010", name="Acme")
    person = PersonFactory(number="CT000011", name="Ann", company=company)
    deals = {
        "mine_open": OpportunityFactory(
            contact=company, salesperson=own, sales_cycle=cycle, in_progress=True
        ),
        "mine_won": OpportunityFactory(
            contact=person, salesperson=own, sales_cycle=cycle, won=True
        ),
        "mine_lost": OpportunityFactory(
            contact=person, salesperson=own, sales_cycle=cycle, lost=True
        ),
        "others": OpportunityFactory(
            contact=person,
            salesperson=other,
            sales_cycle=cycle,
            in_progress=True,
            description="Someone else's deal",
        ),
    }
    return company, person, deals


def test_company_page_shows_persons_and_only_the_reps_opportunities(
    client, rep, company_deals
):
    company, person, deals = company_deals
    client.force_login(rep)

    response = client.get(url("detail", company.number))

    assert response.status_code == 200
    assert response.context["persons"] == [person]
    assert numbers(response.context["opportunities"]) == {
        deals["mine_open"].number,
        deals["mine_won"].number,
        deals["mine_lost"].number,
    }
    figures = response.context["figures"]
    assert figures["open"]["count"] == 1
    assert figures["open"]["estimated_value"] == Decimal(1000)
    assert figures["won"]["count"] == 1
    assert figures["won"]["current_value"] == Decimal(1000)
    assert figures["lost"]["count"] == 1
    assert figures["lost"]["current_value"] == Decimal(0)
    html = response.content.decode()
    assert deals["others"].number not in html
    assert "Someone else&#x27;s deal" not in html
    assert f"{reverse('opportunities:create')}?contact={company.pk}" in html


def test_company_page_shows_a_manager_everyones_opportunities(
    client, manager, company_deals
):
    company, _, deals = company_deals
    client.force_login(manager)

    response = client.get(url("detail", company.number))

    assert numbers(response.context["opportunities"]) == numbers(deals.values())
    assert response.context["figures"]["open"]["count"] == 2
    assert response.context["figures"]["open"]["estimated_value"] == Decimal(2000)


def test_person_page_shows_their_company_and_their_opportunities(
    client, rep, company_deals
):
    company, person, deals = company_deals
    client.force_login(rep)

    response = client.get(url("detail", person.number))

    assert response.status_code == 200
    assert "persons" not in response.context
    assert numbers(response.context["opportunities"]) == {
        deals["mine_won"].number,
        deals["mine_lost"].number,
    }
    assert reverse("contacts:detail", args=[company.number]) in (
        response.content.decode()
    )


def test_unknown_contact_is_a_404(client, rep):
    client.force_login(rep)

    response = client.get(url("detail", "NOPE"))

    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


# -- create and edit ----------------------------------------------------------------


def contact_data(**fields):
    return {"type": ContactType.COMPANY, "name": "New Co", **fields}


@pytest.mark.parametrize("who", ["rep", "manager"])
def test_create_contact_takes_the_next_number(client, who, request):
    client.force_login(request.getfixturevalue(who))

    response = client.post(url("create"), contact_data(city="Oslo"))

    contact = Contact.objects.get(name="New Co")
    assert contact.number.startswith("CT")
    assert contact.city == "Oslo"
    assert response.status_code == 302
    assert response["Location"] == url("detail", contact.number)


def test_create_person_with_a_company(client, rep):
    company = CompanyFactory()
    client.force_login(rep)

    client.post(
        url("create"),
        contact_data(type=ContactType.PERSON, name="Ann", company=company.pk),
    )

    assert Contact.objects.get(name="Ann").company == company


def test_a_person_whose_company_is_a_person_is_refused_by_the_service(client, rep):
    person = PersonFactory()
    client.force_login(rep)

    response = client.post(
        url("create"),
        contact_data(type=ContactType.PERSON, name="Bob", company=person.pk),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert [e.code for e in form.errors.as_data()["company"]] == [
        "company_not_a_company"
    ]
    assert "The company of a person must be a company-type contact." in (
        response.content.decode()
    )
    assert not Contact.objects.filter(name="Bob").exists()


def test_a_company_cannot_have_a_company(client, rep):
    company = CompanyFactory()
    client.force_login(rep)

    response = client.post(url("create"), contact_data(company=company.pk))

    codes = [e.code for e in response.context["form"].errors.as_data()["company"]]
    assert codes == ["company_has_company"]


def test_a_taken_number_is_refused_on_the_number_field(client, rep):
    CompanyFactory(number="CT000077")
    client.force_login(rep)

    response = client.post(url("create"), contact_data(number="CT000077"))

    codes = [e.code for e in response.context["form"].errors.as_data()["number"]]
    assert codes == ["unique"]
    assert Contact.objects.filter(number="CT000077").count() == 1


def test_a_refused_edit_shows_the_saved_contact_in_the_title(client, rep, own, cycle):
    contact = CompanyFactory(name="Saved name")
    OpportunityFactory(contact=contact, salesperson=own, sales_cycle=cycle)
    client.force_login(rep)

    response = client.post(
        url("edit", contact.number),
        contact_data(type=ContactType.PERSON, name="Typed name"),
    )

    assert response.status_code == 200
    assert response.context["object"].name == "Saved name"
    assert 'value="Typed name"' in response.content.decode()


def test_create_form_prefills_a_person_of_a_company(client, rep):
    company = CompanyFactory(name="Acme")
    client.force_login(rep)

    response = client.get(url("create"), {"type": "person", "company": company.pk})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{company.pk}"' in html
    assert f"{company.number} Acme" in html
    assert reverse("contacts:search_companies") in html


def test_edit_contact_goes_through_the_service(client, rep):
    contact = CompanyFactory(number="CT000050", name="Old name")
    client.force_login(rep)

    response = client.post(
        url("edit", contact.number), contact_data(name="New name", number="X")
    )

    contact.refresh_from_db()
    assert response.status_code == 302
    assert contact.name == "New name"
    assert contact.number == "CT000050"  # the number is not editable


def test_a_stale_contact_edit_shows_the_saved_values_and_keeps_the_typed(client, rep):
    # Issue 16: two people editing one contact silently overwrote each other.
    contact = CompanyFactory(number="CT000051", name="Old name")
    client.force_login(rep)
    version = client.get(url("edit", contact.number)).context["form"]["version"]
    typed = contact_data(name="My name", version=version.initial)
    contact_update(user=None, contact=contact, name="Their name")

    response = client.post(url("edit", contact.number), typed)

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors().as_data()
    assert [e.code for e in errors] == ["stale"]
    assert "Their name" in response.text
    assert response.context["form"]["name"].value() == "My name"
    contact.refresh_from_db()
    assert contact.name == "Their name"

    again = dict(typed, version=response.context["form"]["version"].value())
    client.post(url("edit", contact.number), again)

    contact.refresh_from_db()
    assert contact.name == "My name"


def test_edit_cannot_change_the_type_of_a_contact_with_opportunities(
    client, rep, own, cycle
):
    contact = CompanyFactory()
    OpportunityFactory(contact=contact, salesperson=own, sales_cycle=cycle)
    client.force_login(rep)

    response = client.post(
        url("edit", contact.number), contact_data(type=ContactType.PERSON)
    )

    codes = [e.code for e in response.context["form"].errors.as_data()["type"]]
    assert codes == ["contact_type_locked"]
    contact.refresh_from_db()
    assert contact.type == ContactType.COMPANY


# -- search endpoint ----------------------------------------------------------------


def test_search_returns_prefix_matches_first_as_json(client, rep):
    acme = CompanyFactory(number="CT000001", name="Acme")
    ann = PersonFactory(number="CT000002", name="Ann", company=acme)
    CompanyFactory(number="CT000003", name="Zacme")
    CompanyFactory(number="CT000004", name="Other")
    client.force_login(rep)

    results = client.get(url("search"), {"q": "acm"}).json()["results"]

    assert [r["number"] for r in results] == ["CT000001", "CT000003"]
    assert results[0] == {
        "id": acme.pk,
        "number": "CT000001",
        "name": "Acme",
        "type": "company",
        "company": "",
        "label": "CT000001 Acme",
    }
    person = client.get(url("search"), {"q": "CT000002"}).json()["results"]
    assert person[0]["id"] == ann.pk
    assert person[0]["label"] == "CT000002 Ann (Acme)"


def test_search_restricts_to_companies(client, rep):
    acme = CompanyFactory(name="Acme")
    PersonFactory(name="Acme fan", company=acme)
    client.force_login(rep)

    by_param = client.get(url("search"), {"q": "acme", "type": "company"}).json()
    by_url = client.get(url("search_companies"), {"q": "acme"}).json()

    assert [r["id"] for r in by_param["results"]] == [acme.pk]
    assert by_url == by_param


def test_search_returns_at_most_20(client, rep):
    for index in range(25):
        CompanyFactory(name=f"Acme {index:02d}")
    client.force_login(rep)

    assert len(client.get(url("search"), {"q": "acme"}).json()["results"]) == 20
    assert client.get(url("search"), {"q": " "}).json() == {"results": []}


# -- salespeople --------------------------------------------------------------------


@pytest.fixture
def pipelines(own, other, cycle):
    """REP1: two open (1,000 each), one won; REP2: one open."""
    return {
        "mine": [
            OpportunityFactory(salesperson=own, sales_cycle=cycle, in_progress=True),
            OpportunityFactory(salesperson=own, sales_cycle=cycle, in_progress=True),
            OpportunityFactory(salesperson=own, sales_cycle=cycle, won=True),
        ],
        "others": [
            OpportunityFactory(
                salesperson=other,
                sales_cycle=cycle,
                in_progress=True,
                description="Someone else's deal",
            )
        ],
    }


def test_salesperson_list_shows_a_rep_only_their_own_figures(client, rep, pipelines):
    client.force_login(rep)

    response = client.get(url("salespeople"))

    assert response.status_code == 200
    rows = {sp.code: sp for sp in response.context["salespeople"]}
    assert set(rows) == {"REP1", "REP2"}
    assert rows["REP1"].figures_visible
    assert rows["REP1"].open_figures["count"] == 2
    assert rows["REP1"].open_figures["estimated_value"] == Decimal(2000)
    assert not rows["REP2"].figures_visible


def test_salesperson_list_shows_a_manager_everyones_figures(client, manager, pipelines):
    client.force_login(manager)

    response = client.get(url("salespeople"))

    rows = {sp.code: sp for sp in response.context["salespeople"]}
    assert all(sp.figures_visible for sp in rows.values())
    assert rows["REP1"].open_figures["count"] == 2
    assert rows["REP2"].open_figures["count"] == 1
    assert rows["MGR"].open_figures["count"] == 0


def test_salesperson_page_shows_a_rep_their_figures_and_open_opportunities(
    client, rep, pipelines
):
    client.force_login(rep)

    response = client.get(url("salesperson", "REP1"))

    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures["open"]["count"], figures["won"]["count"]) == (2, 1)
    assert figures["open"]["current_value"] == sum(
        o.current_value for o in pipelines["mine"][:2]
    )
    assert numbers(response.context["opportunities"]) == numbers(pipelines["mine"][:2])


def test_another_salespersons_page_hides_figures_from_a_rep(client, rep, pipelines):
    client.force_login(rep)

    response = client.get(url("salesperson", "REP2"))

    assert response.status_code == 200
    assert not response.context["figures_visible"]
    assert "figures" not in response.context
    html = response.content.decode()
    assert "Someone else&#x27;s deal" not in html
    assert 'data-testid="figures-hidden"' in html


def test_a_manager_sees_another_salespersons_page_in_full(client, manager, pipelines):
    client.force_login(manager)

    response = client.get(url("salesperson", "REP2"))

    assert response.context["figures"]["open"]["count"] == 1
    assert numbers(response.context["opportunities"]) == numbers(pipelines["others"])


def test_unknown_salesperson_is_a_404(client, rep):
    client.force_login(rep)

    assert client.get(url("salesperson", "NOPE")).status_code == 404


# -- queries ------------------------------------------------------------------------


@pytest.fixture
def populated(request, own, other, cycle):
    """A company with ``rows`` persons, each with one deal, alternately REP1's
    and REP2's, and as many more companies."""
    rows = request.param
    company = CompanyFactory(number="CT000001", salesperson=own)
    for index in range(rows):
        person = PersonFactory(company=company, salesperson=own)
        OpportunityFactory(
            contact=person,
            salesperson=(own, other)[index % 2],
            sales_cycle=cycle,
            in_progress=index % 3 == 0,
        )
        CompanyFactory(salesperson=other)
    return company


# Every page: 1 the session, 2 the user (authentication middleware).
# Pages that scope opportunities add 2 for has_perm("view_all_opportunities"):
# the user's own permissions and their groups' (cached on the user after).
PAGES = {
    # 3 the paginator's count, 4 the salesperson filter's choices,
    # 5 the page of contacts with company and salesperson joined.
    "list": (lambda company: url("list"), 5),
    # 3 the contact with company and salesperson joined, 4+5 permissions,
    # 6 the persons (at most 51), 7 the open/won/lost figures (one aggregate),
    # 8 the first 50 opportunities with contact, salesperson, stage joined.
    "company": (lambda company: url("detail", company.number), 8),
    # As the company page, without the persons.
    "person": (lambda company: url("detail", company.persons.first().number), 7),
    # 3 the salesperson choices.
    "create": (lambda company: url("create"), 3),
    # 3 the contact with its company joined (the company picker shows it),
    # 4 the salesperson choices.
    "edit": (lambda company: url("edit", company.persons.first().number), 4),
    # 3 up to 20 contacts with their company joined.
    "search": (lambda company: url("search") + "?q=c", 3),
    # 3+4 permissions, 5 open figures per salesperson (one grouped query),
    # 6 the salespeople.
    "salespeople": (lambda company: url("salespeople"), 6),
    # 3 the salesperson, 4+5 permissions, 6 the figures (one aggregate),
    # 7 the first 50 open opportunities with contact etc. joined.
    "salesperson": (lambda company: url("salesperson", "REP1"), 7),
}


@pytest.mark.parametrize("populated", [3, 30], indirect=True)
@pytest.mark.parametrize("who", ["rep", "manager"])
@pytest.mark.parametrize("page", PAGES)
def test_page_queries_do_not_grow_with_rows(
    client, populated, who, page, request, django_assert_num_queries
):
    path, queries = PAGES[page]
    client.force_login(request.getfixturevalue(who))
    path = path(populated)

    with django_assert_num_queries(queries):
        response = client.get(path)

    assert response.status_code == 200
