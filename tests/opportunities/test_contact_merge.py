"""A manager merges two contacts that are one customer (issue 19)."""

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse

from contacts.models import Contact
from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry, Task
from tests.conftest import error_codes
from tests.factories import (
    CompanyFactory,
    OpportunityFactory,
    PersonFactory,
    TaskFactory,
)
from tests.invariants import assert_consistent_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins(db):
    kept = CompanyFactory(number="CT000400", name="Hämeen Elintarvike Oy", phone="")
    merged = CompanyFactory(
        number="CT000401", name="HAMEEN ELINTARVIKE", phone="+358 3 123 4567"
    )
    return kept, merged


def test_everything_moves_to_the_kept_contact(twins, manager):
    kept, merged = twins
    person = PersonFactory(company=merged)
    own = OpportunityFactory(contact=merged, in_progress=True)
    through_person = OpportunityFactory(contact=person, won=True)
    task = TaskFactory(opportunity=own, contact=merged)
    own.refresh_from_db()
    versions = {o.pk: o.version for o in (own, through_person)}

    result = services.contact_merge(user=manager, kept=kept, merged=merged)

    assert result == kept
    assert not Contact.objects.filter(pk=merged.pk).exists()
    own.refresh_from_db()
    through_person.refresh_from_db()
    assert (own.contact_id, own.contact_company_id) == (kept.pk, kept.pk)
    assert (through_person.contact_id, through_person.contact_company_id) == (
        person.pk,
        kept.pk,
    )
    # Changed once, though both its contact and its company were the merged one.
    assert own.version == versions[own.pk] + 1
    assert not OpportunityEntry.objects.filter(contact=merged.pk).exists()
    assert not OpportunityEntry.objects.filter(contact_company=merged.pk).exists()
    assert Task.objects.get(pk=task.pk).contact_id == kept.pk
    person.refresh_from_db()
    assert person.company_id == kept.pk
    kept.refresh_from_db()
    assert kept.phone == "+358 3 123 4567"  # filled from the merged one
    for opportunity in (own, through_person):
        assert_consistent_history(opportunity)
    logged = LogEntry.objects.filter(object_id=str(kept.pk)).latest("action_time")
    assert "CT000401" in logged.change_message


def test_contacts_of_two_types_are_not_merged(twins, manager):
    kept, _ = twins
    person = PersonFactory()
    with pytest.raises(ValidationError) as refused:
        services.contact_merge(user=manager, kept=kept, merged=person)
    assert error_codes(refused.value) == ["merge_types_differ"]
    assert Contact.objects.filter(pk=person.pk).exists()


def test_a_contact_is_not_merged_into_itself(twins, manager):
    kept, _ = twins
    with pytest.raises(ValidationError) as refused:
        services.contact_merge(user=manager, kept=kept, merged=kept)
    assert error_codes(refused.value) == ["merge_same"]


def test_a_manager_merges_from_the_contact_page_after_a_confirmation(
    client, twins, manager
):
    kept, merged = twins
    OpportunityFactory(contact=merged)
    client.force_login(manager)
    url = reverse("contacts:merge", args=[merged.number])

    page = client.get(url)
    assert page.status_code == 200
    # The likely twin is suggested.
    assert "CT000400" in page.content.decode()

    confirm = client.post(url, {"kept": kept.pk})
    assert confirm.status_code == 200
    assert "1 opportunity and its history move." in confirm.content.decode()
    assert Contact.objects.filter(pk=merged.pk).exists()

    done = client.post(url, {"kept": kept.pk, "confirm": "True"})
    assert done.status_code == 302
    assert done["Location"] == reverse("contacts:detail", args=[kept.number])
    assert not Contact.objects.filter(pk=merged.pk).exists()
    assert Opportunity.objects.filter(contact=kept).count() == 1


def test_a_rep_cannot_merge(client, twins, rep):
    kept, merged = twins
    client.force_login(rep)
    url = reverse("contacts:merge", args=[merged.number])
    assert client.get(url).status_code == 403
    response = client.post(url, {"kept": kept.pk, "confirm": "True"})
    assert response.status_code == 403
    assert Contact.objects.filter(pk=merged.pk).exists()
    detail = client.get(reverse("contacts:detail", args=[merged.number]))
    assert url not in detail.content.decode()


def test_the_merge_pages_make_a_fixed_number_of_queries(
    client, twins, manager, django_assert_num_queries
):
    kept, merged = twins
    for _ in range(5):
        OpportunityFactory(contact=merged)
    client.force_login(manager)
    url = reverse("contacts:merge", args=[merged.number])
    # session, user, the two permission queries, the contact, the likely twins.
    with django_assert_num_queries(6):
        client.get(url)
    # ... and for the confirmation: the chosen contact, then what moves
    # (opportunities as contact, as company, tasks, persons).
    with django_assert_num_queries(10):
        client.post(url, {"kept": kept.pk})
