"""POST /api/v1/leads/: a web form's lead becomes a not-started opportunity."""

import pytest

from api.models import IdempotentRequest
from contacts.models import Contact, ContactType
from opportunities.models import Opportunity, Status
from tests.factories import (
    CompanyFactory,
    PersonFactory,
    SalespersonFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db

LEAD = {
    "name": "Aino Virtanen",
    "email": "aino@example.fi",
    "phone": "+358 40 123 4567",
    "company": "Virtanen Oy",
    "description": "Wants a quote for 3 forklifts",
}


@pytest.fixture
def cycle():
    return cycle_with_stages(code="LEADS", is_default=True)


@pytest.fixture
def default_salesperson(settings):
    settings.CRM_LEAD_SALESPERSON = "INBOX"
    return SalespersonFactory(code="INBOX")


def post(client, lead=LEAD, **headers):
    return client.post("/api/v1/leads/", lead, format="json", headers=headers)


def test_a_new_lead_makes_the_company_the_person_and_a_not_started_deal(
    rep_api, cycle, default_salesperson
):
    response = post(rep_api)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["contact_created"] is True
    opportunity = Opportunity.objects.get(number=body["opportunity"]["number"])
    assert opportunity.status == Status.NOT_STARTED
    assert opportunity.sales_cycle == cycle
    assert opportunity.salesperson == default_salesperson
    assert opportunity.description == LEAD["description"]
    person = opportunity.contact
    assert (person.type, person.name, person.email, person.phone) == (
        ContactType.PERSON,
        "Aino Virtanen",
        "aino@example.fi",
        "+358 40 123 4567",
    )
    assert person.company.name == "Virtanen Oy"
    assert opportunity.contact_company == person.company


def test_a_known_email_is_that_contact_and_the_companys_salesperson_takes_it(
    rep_api, cycle, default_salesperson
):
    owner = SalespersonFactory(code="OWNER")
    company = CompanyFactory(name="Somebody Else Oy", salesperson=owner)
    person = PersonFactory(company=company, email="AINO@example.fi")
    response = post(rep_api)
    assert response.json()["contact_created"] is False
    opportunity = Opportunity.objects.get(
        number=response.json()["opportunity"]["number"]
    )
    assert opportunity.contact == person
    assert opportunity.salesperson == owner
    assert Contact.objects.count() == 2


def test_without_the_email_the_name_is_matched_within_the_company(
    rep_api, cycle, default_salesperson
):
    company = CompanyFactory(name="VIRTANEN OY")
    person = PersonFactory(company=company, name="aino virtanen", email="")
    PersonFactory(name="Aino Virtanen", email="")  # the same name elsewhere
    response = post(rep_api, {**LEAD, "email": ""})
    assert response.json()["contact_created"] is False
    assert response.json()["opportunity"]["contact"] == person.number


def test_the_same_idempotency_key_creates_nothing_more(
    rep_api, cycle, default_salesperson
):
    first = post(rep_api, **{"Idempotency-Key": "form-123"})
    again = post(rep_api, **{"Idempotency-Key": "form-123"})
    other = post(rep_api, **{"Idempotency-Key": "form-124"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Opportunity.objects.count() == 2  # form-123 once, form-124 once
    assert other.json()["contact_created"] is False  # the e-mail is known now
    assert IdempotentRequest.objects.count() == 2


def test_a_key_is_per_user(rep_api, manager_api, cycle, default_salesperson):
    post(rep_api, **{"Idempotency-Key": "k"})
    post(manager_api, **{"Idempotency-Key": "k"})
    assert Opportunity.objects.count() == 2


def test_no_salesperson_or_no_default_cycle_is_a_clear_400(rep_api, cycle, settings):
    settings.CRM_LEAD_SALESPERSON = ""
    response = post(rep_api)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "no_lead_salesperson"
    assert not Opportunity.objects.exists()
    assert not Contact.objects.exists()  # nothing half made
    cycle.is_default = False
    cycle.save()
    settings.CRM_LEAD_SALESPERSON = SalespersonFactory(code="X").code
    assert post(rep_api).json()["errors"][0]["code"] == "no_default_cycle"


def test_missing_fields_are_400_with_the_fields(rep_api, cycle):
    response = post(rep_api, {"email": "not-an-email"})
    assert response.status_code == 400
    assert set(response.json()) == {"name", "email", "description"}
