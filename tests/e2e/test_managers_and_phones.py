"""A manager's round, a rep on a phone, and the pages without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from opportunities.models import Opportunity, Status
from tests.e2e.conftest import sign_in
from tests.factories import (
    CompanyFactory,
    OpportunityFactory,
    SalespersonFactory,
    UserFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def team(db):
    """A manager and two reps, each rep with an open and a lost opportunity."""
    UserFactory(username="maija", first_name="Maija", role="Sales managers")
    reps = {}
    for username, code in [("anna", "AH"), ("jussi", "JK")]:
        user = UserFactory(username=username, role="Sales reps")
        salesperson = SalespersonFactory(code=code, name=username.title(), user=user)
        reps[username] = {
            "open": OpportunityFactory(
                salesperson=salesperson,
                description=f"{username.title()}'s open deal",
                in_progress=True,
            ),
            "lost": OpportunityFactory(
                salesperson=salesperson,
                description=f"{username.title()}'s lost deal",
                lost=True,
            ),
        }
    return reps


def test_a_manager_sees_everyone_and_reopens_a_lost_deal(page, team):
    sign_in(page, "maija")
    lost = team["jussi"]["lost"]

    # Everyone's opportunities, narrowed to one salesperson.
    page.goto("/opportunities/?status=")
    for rep in team.values():
        expect(page.get_by_role("link", name=rep["open"].number)).to_be_visible()
    page.select_option("#id_salesperson", label="JK Jussi")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name=team["anna"]["open"].number)).to_have_count(0)
    page.get_by_role("link", name=lost.number).click()

    # Managers may reopen a closed deal, saying why.
    expect(page.get_by_test_id("status")).to_have_text("Lost")
    page.get_by_role("link", name="Reopen").click()
    page.get_by_label("Reason for reopening").fill("The customer came back")
    page.get_by_role("button", name="Reopen").click()
    expect(page.get_by_role("alert")).to_contain_text("open again")
    expect(page.get_by_test_id("status")).to_have_text("In progress")
    expect(page.get_by_test_id("entry-note")).to_have_text("The customer came back")
    assert Opportunity.objects.get(pk=lost.pk).status == Status.IN_PROGRESS

    # The administration is a click away.
    page.get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def test_a_rep_works_on_a_phone(browser, live_server, team):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    opportunity = team["anna"]["open"]
    try:
        sign_in(page, "anna")
        for path in [
            "/",
            "/opportunities/",
            "/opportunities/board/",
            f"/opportunities/{opportunity.number}/",
            f"/opportunities/{opportunity.number}/update/",
            f"/opportunities/{opportunity.number}/close/",
            "/opportunities/new/",
            "/opportunities/tasks/",
            "/contacts/",
            f"/contacts/{opportunity.contact.number}/",
            "/contacts/salespeople/",
        ]:
            page.goto(path)
            # Wide tables scroll inside their box; the page itself never does.
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 0, f"{path} is {overflow}px wider than the phone"

        # The menu folds into a button.
        menu_link = page.get_by_role("link", name="Contacts")
        expect(menu_link).to_be_hidden()
        page.get_by_role("button", name="Menu").click()
        menu_link.click()
        expect(page.get_by_role("heading", name="Contacts")).to_be_visible()
    finally:
        context.close()


def test_the_pages_work_without_javascript(browser, live_server, team):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport=PHONE
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    contact = CompanyFactory(name="Lapin Kulta Oy")
    cycle_with_stages(code="PLAIN", description="Plain cycle")
    try:
        sign_in(page, "anna")
        page.goto("/opportunities/new/")
        page.fill("#id_description", "Typed, not picked")
        page.fill("#id_contact", contact.number)
        page.select_option("#id_sales_cycle", label="PLAIN Plain cycle")
        page.uncheck("#id_start_now")  # started below, through the update form
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_test_id("status")).to_have_text("Not started")
        created = Opportunity.objects.get(description="Typed, not picked")
        assert created.contact == contact

        # Start it through the update form, a plain POST.
        page.get_by_role("link", name="Start").click()
        page.fill("#id_estimated_value", "5000")
        page.get_by_role("button", name=re.compile("Save|Update")).click()
        expect(page.get_by_test_id("status")).to_have_text("In progress")
    finally:
        context.close()
