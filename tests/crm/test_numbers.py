"""What a number may contain (crm.numbers), and that every page carrying one
works for every allowed number and refuses the rest with a message."""

from urllib.parse import unquote

import pytest
from django.urls import resolve, reverse

from contacts.models import Contact, ContactType
from crm.dataio import Options, registry, run_import
from crm.models import NumberSeries
from crm.numbers import is_number
from opportunities import services
from opportunities.models import Opportunity, Task
from tests.conftest import error_codes
from tests.crm.dataio.importing import write
from tests.factories import (
    CompanyFactory,
    OpportunityFactory,
    PersonFactory,
    SalespersonFactory,
    TaskFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db

ALLOWED = [
    "CT000001",
    "SLASH/1",
    "IMP/1001",
    "NAV-1.2",
    "A_B",
    "YHTIÖ/Ä1",
    "1.",
    "A/Ed",
]
REFUSED = [".", "..", "?x=1", "#frag", "%2F", "A/", "/A", "A//B", "A/../B", "A B"]
REFUSED += ["new", "A/edit", "ct1"]


@pytest.mark.parametrize("number", ALLOWED)
def test_the_rule_allows_nav_codes(number):
    assert is_number(number)


@pytest.mark.parametrize("number", REFUSED)
def test_the_rule_refuses_what_an_address_cannot_carry(number):
    assert not is_number(number)


@pytest.mark.parametrize("number", ALLOWED)
def test_every_allowed_number_goes_into_an_address_and_back(number):
    for name in ("opportunities:detail", "opportunities:edit", "contacts:detail"):
        # A request's path arrives decoded (YHTI%C3%96 is YHTIÖ).
        match = resolve(unquote(reverse(name, args=[number])))
        assert (match.view_name, match.kwargs["number"]) == (name, number)
    match = resolve(unquote(reverse("opportunities:board_move", args=[number, "3"])))
    assert (match.url_name, match.kwargs) == (
        "board_move",
        {"number": number, "target": "3"},
    )


def test_a_slash_before_an_action_still_routes_to_the_action():
    assert resolve("/opportunities/A/1/edit/").url_name == "edit"
    assert resolve("/opportunities/A/1/edit/").kwargs == {"number": "A/1"}
    assert resolve("/opportunities/A/1/").url_name == "detail"
    assert resolve("/contacts/A/1/edit/").url_name == "edit"
    assert resolve("/contacts/salespeople/S/1/").kwargs == {"code": "S/1"}
    assert resolve("/opportunities/tasks/T/1/complete/").kwargs == {
        "number": "T/1",
        "action": "complete",
    }


@pytest.fixture
def slashed(manager):
    """Every kind of number a page carries, with a slash in it."""
    salesperson = SalespersonFactory(code="SP/1")
    company = CompanyFactory(number="SLASH/1", salesperson=salesperson)
    person = PersonFactory(number="IMP/1001", company=company)
    opportunity = OpportunityFactory(
        number="OP/1",
        contact=person,
        salesperson=salesperson,
        sales_cycle=cycle_with_stages(code="C/1"),
        in_progress=True,
    )
    # Task numbers come from their series: one with a slash in its prefix.
    NumberSeries.objects.update_or_create(
        code="TASK", defaults={"prefix": "TD/", "width": 1, "last_number": 0}
    )
    task = TaskFactory(salesperson=salesperson, contact=person, opportunity=opportunity)
    return opportunity, task


def test_every_page_carrying_a_slashed_number_opens(client, manager, slashed):
    opportunity, task = slashed
    client.force_login(manager)
    pages = [
        "/",
        "/contacts/?o=number",
        "/contacts/?o=-name&q=IMP",
        "/contacts/SLASH/1/",
        "/contacts/IMP/1001/",
        "/contacts/IMP/1001/edit/",
        "/contacts/salespeople/",
        "/contacts/salespeople/SP/1/",
        "/statistics/contacts/",
        "/statistics/salespeople/",
        "/statistics/",
        "/opportunities/",
        "/opportunities/board/",
        "/opportunities/board/C/1/",
        "/opportunities/tasks/",
    ] + [
        f"/opportunities/OP/1/{action}"
        for action in (
            "",
            "edit/",
            "update/",
            "close/",
            "interaction/",
            "quote/",
            "task/",
        )
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
    detail = client.get("/opportunities/OP/1/").content.decode()
    assert 'href="/opportunities/OP/1/edit/"' in detail
    assert 'action="/opportunities/tasks/TD/1/complete/"' in detail

    response = client.post("/opportunities/tasks/TD/1/complete/")

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.closed


@pytest.mark.parametrize("number", [".", "..", "?x=1", "#frag", "%2F", "A/edit"])
def test_the_contact_form_refuses_a_number_the_rule_forbids(client, manager, number):
    client.force_login(manager)

    response = client.post(
        reverse("contacts:create"),
        {"number": number, "type": ContactType.COMPANY, "name": "Acme"},
    )

    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["number"]] == [
        "invalid_number"
    ]
    assert not Contact.objects.exists()


def test_the_services_refuse_a_typed_number_the_rule_forbids():
    contact = CompanyFactory()
    with pytest.raises(Exception) as raised:
        services.opportunity_create(
            user=None,
            number="OP?1",
            description="Deal",
            contact=contact,
            salesperson=SalespersonFactory(),
            sales_cycle=cycle_with_stages(),
        )
    assert error_codes(raised.value) == {"number": ["invalid_number"]}
    opportunity = OpportunityFactory(in_progress=True)
    with pytest.raises(Exception) as raised:
        services.sales_quote_create(
            user=None, opportunity=opportunity, amount=100, number="SQ 1"
        )
    assert error_codes(raised.value) == {"number": ["invalid_number"]}


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("salespeople", "code,name\nAH,Anna\nA H,Bad\n"),
        ("contacts", "No.,Type,Name\nCT1,Company,Acme\n..,Company,Dots\n"),
        ("sales-cycles", "Code,Description\nNEW,New\nnew,Lower\n"),
    ],
)
def test_an_import_refuses_a_number_with_its_line_and_column(tmp_path, kind, text):
    result = run_import(registry()[kind], str(write(tmp_path, text)), Options())

    assert [(p.line, p.code) for p in result.problems.errors] == [(3, "invalid_number")]
    message = result.problems.format(result.problems.errors[0])
    assert message.startswith(f"{tmp_path}/data.csv:3: ")
    assert "capital letter or a digit" in message


def test_an_opportunity_import_refuses_a_number_the_rule_forbids(tmp_path):
    SalespersonFactory(code="AH")
    CompanyFactory(number="CT1")
    cycle_with_stages(code="NEW")
    text = (
        "No.,Description,Contact No.,Salesperson Code,Sales Cycle Code\n"
        "OP/1,Fine,CT1,AH,NEW\n"
        "OP?2,Bad,CT1,AH,NEW\n"
    )
    result = run_import(
        registry()["opportunities"], str(write(tmp_path, text)), Options()
    )

    assert [(p.line, p.column, p.code) for p in result.problems.errors] == [
        (3, "No.", "invalid_number")
    ]


def test_a_number_saved_before_the_rule_shows_unlinked_and_no_page_fails(
    client, manager
):
    # Saved before the rule (the validators do not touch stored rows).
    legacy = Contact.objects.create(number="old?1", name="Legacy")
    salesperson = SalespersonFactory(code="sp 1")
    OpportunityFactory(contact=legacy, salesperson=salesperson, in_progress=True)
    Opportunity.objects.update(number="op#1")
    TaskFactory(salesperson=salesperson, contact=legacy)
    Task.objects.update(number="t..")
    client.force_login(manager)

    for page in (
        "/",
        "/contacts/?o=number",
        "/contacts/salespeople/",
        "/statistics/contacts/",
        "/statistics/salespeople/",
        "/opportunities/",
        "/opportunities/board/",
        "/opportunities/tasks/",
    ):
        assert client.get(page).status_code == 200, page
    assert "old?1" in client.get("/contacts/").content.decode()


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("admin:contacts_salesperson_add", {"code": "SP 1", "name": "Anna"}),
        (
            "admin:salescycles_salescycle_add",
            {"code": "new", "probability_method": "multiply"},
        ),
    ],
)
def test_the_admin_refuses_a_code_the_rule_forbids(admin_client, url, data):
    response = admin_client.post(reverse(url), {**data, "commission_pct": "0"})

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert [e.code for e in errors["code"]] == ["invalid_number"]
