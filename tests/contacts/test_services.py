"""Contact and salesperson services: numbers, company rule, type and delete rules."""

import pytest
from django.core.exceptions import ValidationError

from contacts import services
from contacts.models import Contact, ContactType, Salesperson
from tests.conftest import error_codes
from tests.factories import (
    CompanyFactory,
    OpportunityFactory,
    PersonFactory,
    SalespersonFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

COMPANY, PERSON = ContactType.COMPANY, ContactType.PERSON


def create(**fields):
    return services.contact_create(user=None, **({"name": "Someone"} | fields))


def update(contact, **fields):
    return services.contact_update(user=None, contact=contact, **fields)


# -- numbers ---------------------------------------------------------------------------


def test_contact_create_numbers_from_the_series():
    numbers = [create().number for _ in range(3)]

    assert numbers == ["CT000001", "CT000002", "CT000003"]


def test_contact_create_keeps_a_typed_number_and_the_series_skips_it():
    typed = create(number="CT000001")

    assert typed.number == "CT000001"
    assert create().number == "CT000002"


def test_contact_number_must_be_unique():
    create(number="K-1")

    with pytest.raises(ValidationError) as exc:
        create(number="K-1")

    assert error_codes(exc.value) == {"number": ["unique"]}


# -- the company rule ------------------------------------------------------------------


def test_person_works_for_a_company():
    acme = CompanyFactory()

    person = create(type=PERSON, company=acme)

    assert Contact.objects.get(pk=person.pk).company == acme
    assert person.contact_company == acme


def test_persons_company_must_be_a_company():
    with pytest.raises(ValidationError) as exc:
        create(type=PERSON, company=PersonFactory())

    assert error_codes(exc.value) == {"company": ["company_not_a_company"]}


def test_person_cannot_be_their_own_company():
    person = PersonFactory(company=None)

    with pytest.raises(ValidationError) as exc:
        update(person, company=person)

    assert error_codes(exc.value) == {"company": ["company_not_a_company"]}


def test_company_cannot_have_a_company():
    with pytest.raises(ValidationError) as exc:
        create(type=COMPANY, company=CompanyFactory())

    assert error_codes(exc.value) == {"company": ["company_has_company"]}
    assert Contact.objects.count() == 1


# -- type changes ----------------------------------------------------------------------


@pytest.mark.parametrize("state", [{}, {"lost": True}])
def test_type_is_locked_once_an_opportunity_refers_to_the_contact(state):
    loner = PersonFactory(company=None)
    OpportunityFactory(contact=loner, **state)

    with pytest.raises(ValidationError) as exc:
        update(loner, type=COMPANY)

    assert error_codes(exc.value) == {"type": ["contact_type_locked"]}
    assert Contact.objects.get(pk=loner.pk).type == PERSON


def test_type_is_locked_when_an_opportunity_refers_to_it_as_contact_company():
    acme = CompanyFactory()
    OpportunityFactory(contact=PersonFactory(company=acme))
    acme.persons.update(company=None)  # only the opportunity refers to it now

    with pytest.raises(ValidationError) as exc:
        update(acme, type=PERSON)

    assert error_codes(exc.value) == {"type": ["contact_type_locked"]}


def test_company_with_persons_cannot_become_a_person():
    acme = CompanyFactory()
    PersonFactory(company=acme)

    with pytest.raises(ValidationError) as exc:
        update(acme, type=PERSON)

    assert error_codes(exc.value) == {"type": ["company_has_persons"]}


def test_company_without_persons_or_opportunities_may_become_a_person():
    contact = CompanyFactory()

    update(contact, type=PERSON)

    assert Contact.objects.get(pk=contact.pk).type == PERSON


def test_person_without_company_may_become_a_company():
    loner = PersonFactory(company=None)

    update(loner, type=COMPANY)

    assert Contact.objects.get(pk=loner.pk).type == COMPANY


def test_person_with_a_company_cannot_become_a_company_without_leaving_it():
    person = PersonFactory()

    with pytest.raises(ValidationError) as exc:
        update(person, type=COMPANY)

    assert error_codes(exc.value) == {"company": ["company_has_company"]}


# -- delete ----------------------------------------------------------------------------


@pytest.mark.parametrize("state", [{}, {"in_progress": True}])
def test_contact_with_open_opportunities_cannot_be_deleted(state):
    opp = OpportunityFactory(**state)

    with pytest.raises(ValidationError) as exc:
        services.contact_delete(user=None, contact=opp.contact)

    assert error_codes(exc.value) == ["contact_has_open_opportunities"]
    assert Contact.objects.filter(pk=opp.contact.pk).exists()


def test_company_of_an_open_opportunitys_contact_cannot_be_deleted():
    acme = CompanyFactory()
    OpportunityFactory(contact=PersonFactory(company=acme))

    with pytest.raises(ValidationError) as exc:
        services.contact_delete(user=None, contact=acme)

    assert error_codes(exc.value) == ["contact_has_open_opportunities"]


@pytest.mark.parametrize("state", ["won", "lost"])
def test_contact_with_only_closed_opportunities_is_in_use(state):
    opp = OpportunityFactory(**{state: True})

    with pytest.raises(ValidationError) as exc:
        services.contact_delete(user=None, contact=opp.contact)

    assert error_codes(exc.value) == ["contact_in_use"]
    assert Contact.objects.filter(pk=opp.contact.pk).exists()


def test_company_with_persons_is_in_use():
    acme = CompanyFactory()
    PersonFactory(company=acme)

    with pytest.raises(ValidationError) as exc:
        services.contact_delete(user=None, contact=acme)

    assert error_codes(exc.value) == ["contact_in_use"]


def test_contact_with_tasks_is_in_use():
    contact = CompanyFactory()
    TaskFactory(opportunity=None, salesperson=SalespersonFactory(), contact=contact)

    with pytest.raises(ValidationError) as exc:
        services.contact_delete(user=None, contact=contact)

    assert error_codes(exc.value) == ["contact_in_use"]


def test_unused_contact_is_deleted():
    contact = PersonFactory()

    services.contact_delete(user=None, contact=contact)

    assert not Contact.objects.filter(pk=contact.pk).exists()


# -- salespeople -----------------------------------------------------------------------


@pytest.mark.parametrize("state", [{}, {"in_progress": True}])
def test_salesperson_with_open_opportunities_cannot_be_deleted(state):
    opp = OpportunityFactory(**state)

    with pytest.raises(ValidationError) as exc:
        services.salesperson_delete(user=None, salesperson=opp.salesperson)

    assert error_codes(exc.value) == ["salesperson_has_open_opportunities"]
    assert Salesperson.objects.filter(pk=opp.salesperson.pk).exists()


@pytest.mark.parametrize("state", ["won", "lost"])
def test_salesperson_with_only_closed_opportunities_is_in_use(state):
    opp = OpportunityFactory(**{state: True})

    with pytest.raises(ValidationError) as exc:
        services.salesperson_delete(user=None, salesperson=opp.salesperson)

    assert error_codes(exc.value) == ["salesperson_in_use"]


def test_salesperson_of_a_contact_is_in_use():
    salesperson = SalespersonFactory()
    CompanyFactory(salesperson=salesperson)

    with pytest.raises(ValidationError) as exc:
        services.salesperson_delete(user=None, salesperson=salesperson)

    assert error_codes(exc.value) == ["salesperson_in_use"]


def test_unused_salesperson_is_deleted():
    salesperson = SalespersonFactory()

    services.salesperson_delete(user=None, salesperson=salesperson)

    assert not Salesperson.objects.filter(pk=salesperson.pk).exists()


def test_contact_update_refuses_a_stale_version_and_counts_versions():
    contact = CompanyFactory()
    assert contact.version == 0
    seen = services.contact_update(user=None, contact=contact, name="First").version

    with pytest.raises(ValidationError) as refused:
        services.contact_update(
            user=None, contact=contact, name="Stale", expected_version=seen - 1
        )

    assert refused.value.code == "stale"
    contact.refresh_from_db()
    assert (contact.name, contact.version) == ("First", 1)
