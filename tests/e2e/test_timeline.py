"""The opportunity's timeline in the browser: a note added and corrected."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import OpportunityFactory, SalespersonFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def deal(db):
    anna = SalespersonFactory(
        code="AH", name="Anna", user=UserFactory(username="anna", role="Sales reps")
    )
    return OpportunityFactory(salesperson=anna, in_progress=True, description="Pumps")


def test_a_rep_adds_a_note_and_corrects_it(page, deal):
    sign_in(page, "anna")
    page.goto(f"/opportunities/{deal.number}/")
    page.get_by_placeholder("Write a note…").fill("Customr wants a demo")
    page.get_by_role("button", name="Add note").click()
    timeline = page.get_by_test_id("history")
    first = timeline.locator("li").first
    expect(first).to_contain_text("Customr wants a demo")
    expect(page.get_by_test_id("interaction-count")).to_contain_text("1 interaction")
    first.get_by_role("link", name="Correct").click()
    page.fill("#id_description", "Customer wants a demo " + "and more " * 60)
    page.get_by_role("button", name="Save the correction").click()
    first = page.get_by_test_id("history").locator("li").first
    # A long text is folded behind "show more".
    expect(first.get_by_text("show more")).to_be_visible()
    expect(first).not_to_contain_text("Customr")
    page.screenshot(path="/tmp/timeline.png", full_page=True)


def test_a_rep_schedules_the_next_activity_and_is_offered_the_one_after(page, deal):
    sign_in(page, "anna")
    page.goto(f"/opportunities/{deal.number}/")
    expect(page.get_by_test_id("no-next-activity")).to_be_visible()
    page.get_by_role("link", name="Schedule next activity").click()
    page.fill("#id_description", "Call about the demo")
    page.select_option("#id_type", "phone_call")
    page.get_by_role("button", name="Add task").click()
    block = page.get_by_test_id("next-activity-block")
    expect(block).to_contain_text("Call about the demo")
    expect(block).to_contain_text("Call")
    # Done: nothing else is planned, so the form for the next one opens.
    page.get_by_test_id("tasks").get_by_role("button", name="Done").click()
    expect(page.get_by_role("alert").last).to_contain_text("has no next activity")
    expect(page.locator("#id_description")).to_be_visible()


def test_the_move_form_previews_the_weighted_value_as_the_rep_types(page, deal):
    sign_in(page, "anna")
    page.goto(f"/opportunities/{deal.number}/update/")
    preview = page.get_by_test_id("move-preview")
    expect(preview).to_contain_text("To stage")
    page.fill("#id_estimated_value", "200000")
    page.fill("#id_chances_pct", "50")
    # Stage 20 of the test cycle is 25 % complete: 50 % x 25 % of 200,000.
    expect(preview).to_contain_text("25,000.00")
    page.screenshot(path="/tmp/advance.png", full_page=True)


def test_on_a_phone_a_rep_creates_a_started_deal_and_schedules_its_next_activity(
    browser, live_server, deal
):
    from tests.factories import CompanyFactory, cycle_with_stages

    cycle_with_stages(code="PHONE", description="Phone cycle")
    CompanyFactory(number="CT000900", name="Pohjolan Puu Oy")
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, "anna")
        page.goto("/opportunities/new/")
        page.fill("#id_description", "Sawmill sensors")
        page.fill("#id_contact", "CT000900")
        page.select_option("#id_sales_cycle", label="PHONE Phone cycle")
        page.fill("#id_estimated_value", "8000")
        page.screenshot(path="/tmp/create-phone.png", full_page=True)
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_test_id("status")).to_have_text("In progress")
        expect(page.get_by_test_id("contact-line")).to_contain_text("Pohjolan Puu Oy")
        page.get_by_role("link", name="Schedule next activity").click()
        page.fill("#id_description", "Site visit")
        page.select_option("#id_type", "meeting")
        page.get_by_role("button", name="Add task").click()
        expect(page.get_by_test_id("next-activity-block")).to_contain_text("Site visit")
        page.screenshot(path="/tmp/detail-phone.png", full_page=True)
    finally:
        context.close()
