"""The menu bar's search, as a rep and on a phone."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import (
    CompanyFactory,
    OpportunityFactory,
    PersonFactory,
    SalespersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def data(db):
    anna = SalespersonFactory(
        code="AH", name="Anna", user=UserFactory(username="anna", role="Sales reps")
    )
    company = CompanyFactory(number="CT000200", name="Hämeen Elintarvike Oy")
    person = PersonFactory(
        number="CT000201", name="Päivi Äijälä", company=company, phone="+358 40 1"
    )
    mine = OpportunityFactory(
        number="OP000200", description="Kylmälaitteet", contact=person, salesperson=anna
    )
    theirs = OpportunityFactory(
        number="OP000201",
        description="Huolto",
        contact=company,
        salesperson=SalespersonFactory(code="JK"),
    )
    return mine, theirs


def search_from_the_menu(page, text):
    box = page.get_by_test_id("menu-search").get_by_role("searchbox")
    box.fill(text)
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")


def test_a_rep_finds_a_deal_without_typing_the_accents(page, data):
    mine, theirs = data
    sign_in(page, "anna")
    search_from_the_menu(page, "hameen")
    found = page.get_by_test_id("search-opportunities")
    expect(found.get_by_role("link", name=mine.number)).to_be_visible()
    # Another rep's deal at the same company stays out of sight.
    expect(found.get_by_role("link", name=theirs.number)).to_have_count(0)
    contacts = page.get_by_test_id("search-contacts")
    expect(contacts.get_by_role("link", name="CT000200 Hämeen")).to_be_visible()
    found.get_by_role("link", name=mine.number).click()
    expect(page.locator("h1")).to_contain_text("Kylmälaitteet")


def test_the_search_is_in_the_menu_on_a_phone(browser, live_server, data):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    try:
        sign_in(page, "anna")
        page.get_by_role("button", name="Menu").click()
        search_from_the_menu(page, "ÄIJÄLÄ")
        expect(
            page.get_by_test_id("search-contacts").get_by_role(
                "link", name="CT000201 Päivi Äijälä"
            )
        ).to_be_visible()
        page.screenshot(path="/tmp/search-phone.png", full_page=True)
    finally:
        context.close()
