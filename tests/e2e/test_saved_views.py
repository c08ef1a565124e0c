"""Saved views on the opportunity list, on a desktop and on a phone."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import OpportunityFactory, SalespersonFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def anna(db):
    anna = SalespersonFactory(
        code="AH", name="Anna", user=UserFactory(username="anna", role="Sales reps")
    )
    OpportunityFactory(salesperson=anna, description="Big open deal", in_progress=True)
    OpportunityFactory(salesperson=anna, description="Lost one", lost=True)
    return anna


def test_a_rep_saves_a_view_and_opens_the_list_with_it(page, anna):
    sign_in(page, "anna")
    page.get_by_role("link", name="Opportunities", exact=True).click()
    # The menu opens the open ones, the shipped views above the filters.
    expect(
        page.get_by_test_id("views").get_by_role("link", name="Open")
    ).to_have_attribute("aria-current", "page")
    page.select_option("#id_status", "lost")
    page.get_by_role("button", name="Filter").click()
    # Only the filters with a value reach the address.
    assert page.url.endswith("/opportunities/?status=lost")
    page.get_by_text("Save or manage views").click()
    page.fill("#id_name", "Lost deals")
    page.check("#id_default")
    page.get_by_role("button", name="Save these filters as a view").click()
    expect(page.get_by_role("alert")).to_contain_text("The view “Lost deals” is saved.")
    view = page.get_by_test_id("views").get_by_role("link", name="Lost deals")
    expect(view).to_have_attribute("aria-current", "page")

    page.goto("/")
    page.get_by_role("link", name="Opportunities", exact=True).click()
    assert page.url.endswith("/opportunities/?status=lost")
    expect(page.get_by_role("link", name="Lost deals")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_text("Lost one")).to_be_visible()
    expect(page.get_by_text("Big open deal")).to_have_count(0)


def test_on_a_phone_the_filters_fold_and_the_first_row_shows(
    browser, live_server, anna
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    try:
        sign_in(page, "anna")
        page.goto("/opportunities/?view=default")
        expect(page.locator("#id_q")).to_be_hidden()
        first_row = page.locator("table tbody tr").first
        expect(first_row).to_be_in_viewport()
        page.screenshot(path="/tmp/list-phone.png", full_page=True)
        page.locator("details.filter-bar > summary").click()
        expect(page.locator("#id_q")).to_be_visible()
    finally:
        context.close()
