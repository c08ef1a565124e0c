"""Creating a contact that may already exist warns, with links (issue 19)."""

import pytest
from django.urls import reverse

from contacts.duplicates import name_key, phone_key, possible_duplicates
from contacts.models import Contact, ContactType
from tests.factories import CompanyFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Hämeen Elintarvike Oy", "hameen elintarvike"),
        ("HAMEEN ELINTARVIKE LTD.", "hameen elintarvike"),
        ("Oy Hämeen Elintarvike Ab", "hameen elintarvike"),
        ("Åbo Trä", "abo tra"),
    ],
)
def test_the_name_key_ignores_case_accents_and_the_company_form(name, key):
    assert name_key(name) == key


def test_the_phone_key_is_the_last_eight_digits():
    assert phone_key("+358 40 555 1234") == phone_key("040-555 1234") == "05551234"
    assert phone_key("123") == ""


@pytest.fixture
def existing(db):
    return CompanyFactory(
        number="CT000300",
        name="Hämeen Elintarvike Oy",
        email="info@hameen.example",
        phone="+358 3 123 4567",
    )


@pytest.mark.parametrize(
    "typed",
    [
        {"name": "hameen elintarvike ltd"},
        {"name": "Other", "email": "INFO@hameen.example"},
        {"name": "Other", "phone": "03-1234567"},
        {"name": "Other", "mobile": "(03) 123 4567"},
    ],
)
def test_a_matching_name_e_mail_or_phone_is_found(existing, typed):
    found = possible_duplicates(
        name=typed["name"],
        email=typed.get("email", ""),
        phones=(typed.get("phone", ""), typed.get("mobile", "")),
    )
    assert found == [existing]


def test_a_different_contact_is_not_a_duplicate(existing):
    assert possible_duplicates(name="Hämeen Kauppa Oy", email="x@y.example") == []
    assert possible_duplicates(name=existing.name, exclude_pk=existing.pk) == []


def test_the_form_warns_once_with_links_then_saves_anyway(client, rep, existing):
    client.force_login(rep)
    data = {"type": ContactType.COMPANY, "name": "HAMEEN ELINTARVIKE"}

    response = client.post(reverse("contacts:create"), data)

    assert response.status_code == 200
    assert not Contact.objects.filter(name="HAMEEN ELINTARVIKE").exists()
    form = response.context["form"]
    assert [e.code for e in form.non_field_errors().as_data()] == ["possible_duplicate"]
    page = response.content.decode()
    assert reverse("contacts:detail", args=["CT000300"]) in page
    assert 'type="checkbox" name="save_anyway"' in page

    response = client.post(reverse("contacts:create"), {**data, "save_anyway": "on"})

    assert response.status_code == 302
    assert Contact.objects.filter(name="HAMEEN ELINTARVIKE").exists()


def test_editing_other_fields_of_a_known_duplicate_does_not_warn(client, rep, existing):
    twin = PersonFactory(name="Päivi", email="info@hameen.example", company=existing)
    client.force_login(rep)
    response = client.post(
        reverse("contacts:edit", args=[twin.number]),
        {
            "type": ContactType.PERSON,
            "name": "Päivi",
            "company": existing.pk,
            "email": "info@hameen.example",
            "city": "Hämeenlinna",
            "version": twin.version,
        },
    )
    assert response.status_code == 302
    twin.refresh_from_db()
    assert twin.city == "Hämeenlinna"
