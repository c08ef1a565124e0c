"""``number_series_take``: consecutive numbers that step over typed ones."""

import pytest

from contacts.models import Contact
from crm.models import NumberSeries
from crm.services import number_series_next, number_series_take
from opportunities.models import Opportunity
from tests.factories import CompanyFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def take(count=1, code="OPPORTUNITY", model=Opportunity):
    return number_series_take(code=code, model=model, count=count)


def test_draws_consecutive_numbers():
    drawn = [number_series_next(code="OPPORTUNITY", model=Opportunity) for _ in "abc"]

    assert drawn == ["OP000001", "OP000002", "OP000003"]


def test_draws_several_numbers_at_once_and_goes_on_after_them():
    assert take(3) == ["OP000001", "OP000002", "OP000003"]
    assert take() == ["OP000004"]
    assert NumberSeries.objects.get(code="OPPORTUNITY").last_number == 4


def test_skips_numbers_already_taken():
    OpportunityFactory(number="OP000002")
    OpportunityFactory(number="OP000004")

    assert take(3) == ["OP000001", "OP000003", "OP000005"]
    assert take() == ["OP000006"]


def test_skips_a_run_of_taken_numbers():
    for n in (1, 2, 3):
        OpportunityFactory(number=f"OP00000{n}")

    assert take() == ["OP000004"]


def test_checks_numbers_in_use_on_the_series_model_only():
    CompanyFactory(number="OP000001")  # a contact, not an opportunity

    assert take() == ["OP000001"]


def test_series_keep_their_own_counters():
    take(2)

    assert take(code="CONTACT", model=Contact) == ["CT000001"]


def test_series_format_follows_prefix_and_width():
    NumberSeries.objects.filter(code="OPPORTUNITY").update(
        prefix="DEAL-", width=3, last_number=41
    )

    assert take(2) == ["DEAL-042", "DEAL-043"]


def test_missing_series_is_created_on_first_use():
    NumberSeries.objects.filter(code="QUOTE").delete()

    assert take(code="QUOTE") == ["SQ000001"]
    assert NumberSeries.objects.get(code="QUOTE").prefix == "SQ"


def test_unknown_series_takes_its_prefix_from_the_code():
    assert take(code="INVOICE", model=Contact) == ["INV000001"]
