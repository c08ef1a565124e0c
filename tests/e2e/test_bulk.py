"""Bulk actions on the opportunity list, as a rep in the browser."""

import pytest
from playwright.sync_api import expect

from opportunities.models import Status
from tests.e2e.conftest import sign_in
from tests.factories import (
    CloseReasonFactory,
    OpportunityFactory,
    SalespersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def deals(db):
    anna = SalespersonFactory(
        code="AH", name="Anna", user=UserFactory(username="anna", role="Sales reps")
    )
    CloseReasonFactory(code="PRICE", description="Price")
    return [
        OpportunityFactory(salesperson=anna, in_progress=True, description=name)
        for name in ("Stale one", "Stale two", "Keeper")
    ]


def test_a_rep_closes_two_ticked_deals_as_lost(page, deals):
    sign_in(page, "anna")
    page.goto("/opportunities/?status=open")
    for deal in deals[:2]:
        page.get_by_role("checkbox", name=deal.number).check()
    page.select_option("#bulk-action", "close_lost")
    page.get_by_test_id("bulk").get_by_role("button", name="Go").click()
    expect(page.get_by_test_id("bulk-count")).to_contain_text("2 opportunities")
    # The only lost reason is chosen already; the date is today.
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_test_id("bulk-done")).to_contain_text("Done for 2 opportunities")
    page.get_by_role("link", name="Back to the list").click()
    expect(page.get_by_text("Keeper")).to_be_visible()
    expect(page.get_by_text("Stale one")).to_have_count(0)
    for deal in deals:
        deal.refresh_from_db()
    assert [d.status for d in deals] == [Status.LOST, Status.LOST, Status.IN_PROGRESS]


def test_ticking_the_header_ticks_every_row(page, deals):
    sign_in(page, "anna")
    page.goto("/opportunities/?status=open")
    page.get_by_role("checkbox", name="Tick every row on this page").check()
    for deal in deals:
        expect(page.get_by_role("checkbox", name=deal.number)).to_be_checked()
