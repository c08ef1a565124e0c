"""A sales rep's day in the browser, from sign-in to a won deal."""

import re

import pytest
from playwright.sync_api import expect

from contacts.models import Salesperson
from opportunities.models import CloseReason, Opportunity, Status
from tests.e2e.conftest import sign_in
from tests.factories import (
    CloseReasonFactory,
    CompanyFactory,
    PersonFactory,
    SalespersonFactory,
    UserFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def setup(db):
    rep = UserFactory(username="anna", first_name="Anna", role="Sales reps")
    SalespersonFactory(code="AH", name="Anna Heikkinen", user=rep)
    other = UserFactory(username="jussi", role="Sales reps")
    SalespersonFactory(code="JK", name="Jussi Korhonen", user=other)
    company = CompanyFactory(name="Hämeen Elintarvike Oy")
    PersonFactory(name="Matti Mäkinen", company=company)
    cycle_with_stages(
        (10, 10, 20, {"description": "Initial contact"}),
        (20, 25, 40, {"description": "Presentation", "allow_skip": True}),
        (30, 50, 60, {"description": "Proposal", "allow_skip": True}),
        (40, 80, 80, {"description": "Negotiation", "date_formula": "2W"}),
        (50, 90, 90, {"description": "Sign contract"}),
        code="FIRSTSMALL",
        description="New small customer",
    )
    CloseReasonFactory(code="PRICE", description="Best price", type="won")
    return company


def test_a_reps_day(page, other_page, setup):
    sign_in(page, "anna")
    expect(page.get_by_role("link", name="My pipeline")).to_be_visible()

    # Create an opportunity for a contact, found by typing.
    page.goto("/opportunities/new/")
    page.fill("#id_description", "Inventory app for one warehouse")
    page.fill("#id_contact", "Matti")
    page.get_by_role("option", name=re.compile("Matti Mäkinen")).click()
    page.select_option("#id_sales_cycle", label="FIRSTSMALL New small customer")
    # One step: its first estimate, and started at once ("Start it now" ticked).
    page.fill("#id_estimated_value", "12000")
    expect(page.locator("#id_start_now")).to_be_checked()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("status")).to_have_text("In progress")
    number = page.locator("h1").inner_text().split(" ")[0]
    expect(page.get_by_test_id("figures")).to_contain_text("12,000.00")

    # Next stage.
    page.get_by_role("link", name="Next stage").click()
    page.get_by_role("button", name="Update", exact=True).click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Presentation")

    # Skip to Negotiation: choosing the target refreshes the defaults.
    page.get_by_role("link", name="Skip stages").click()
    page.select_option("select[name=target_stage]", label="40 Negotiation")
    expect(page.locator("#id_chances_pct")).to_have_value("80.00")
    page.get_by_role("button", name="Update", exact=True).click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Negotiation")

    # Update the estimates.
    page.get_by_role("link", name="Update estimates").click()
    page.fill("#id_estimated_value", "15000")
    page.fill("#id_chances_pct", "70")
    page.get_by_role("button", name="Update", exact=True).click()
    figures = page.get_by_test_id("figures")
    expect(figures).to_contain_text("15,000.00")
    expect(figures).to_contain_text("8,400.00")  # 70 % x 80 % x 15,000

    # The board shows it; dragging it to the last stage moves it there in place.
    page.get_by_role("link", name="Board").click()
    card = page.get_by_test_id(f"card-{number}")
    expect(card).to_be_visible()
    page.drag_and_drop(
        f"[data-testid=card-{number}] .card-body", "[data-testid=column-50] header"
    )
    expect(
        page.get_by_test_id("column-50").get_by_test_id(f"card-{number}")
    ).to_be_visible()
    page.get_by_role("link", name=number).click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Sign contract")

    # Close it won with a reason (the only one, preselected).
    page.get_by_role("link", name="Close as won").click()
    reason = CloseReason.objects.get()
    expect(page.locator("#id_close_reason")).to_have_value(str(reason.pk))
    page.fill("#id_sale_value", "14500")
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.get_by_test_id("status")).to_have_text("Won")
    history = page.get_by_test_id("history")
    for action in ["First", "Next", "Jumped", "Updated", "Next", "Won"]:
        expect(history).to_contain_text(action)
    expect(page.get_by_test_id("figures")).to_contain_text("14,500.00")

    opportunity = Opportunity.objects.get(number=number)
    assert opportunity.status == Status.WON
    assert opportunity.salesperson == Salesperson.objects.get(code="AH")
    assert opportunity.entries.filter(active=True).count() == 1

    # Another rep cannot open it.
    sign_in(other_page, "jussi")
    response = other_page.goto(f"/opportunities/{number}/")
    assert response.status == 404
