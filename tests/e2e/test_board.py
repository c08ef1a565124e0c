"""The board in the browser: a deal walked from quick-create to won without
leaving the board, the columns a dragged card may not go to, a manager's
filter, a phone, and the board without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from opportunities.models import CloseReason, Opportunity, SalesQuote, Status
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.factories import (
    CloseReasonFactory,
    CompanyFactory,
    OpportunityFactory,
    PersonFactory,
    SalespersonFactory,
    UserFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
BOARD = "/opportunities/board/SEVEN/"


@pytest.fixture
def setup(db):
    """A seven-stage cycle (stage 30 needs a quote), a rep with a deal in
    progress, a manager and another rep."""
    UserFactory(username="maija", first_name="Maija", role="Sales managers")
    anna = SalespersonFactory(
        code="AH",
        name="Anna Heikkinen",
        user=UserFactory(username="anna", role="Sales reps"),
    )
    jussi = SalespersonFactory(
        code="JK",
        name="Jussi Korhonen",
        user=UserFactory(username="jussi", role="Sales reps"),
    )
    company = CompanyFactory(name="Hämeen Elintarvike Oy")
    PersonFactory(name="Matti Mäkinen", company=company)
    cycle = cycle_with_stages(
        (10, 10, 20, {"description": "Initial contact"}),
        (20, 20, 30, {"description": "Needs analysis"}),
        (30, 35, 40, {"description": "Proposal", "quote_required": True}),
        (40, 50, 60, {"description": "Presentation"}),
        (50, 70, 70, {"description": "Negotiation"}),
        (60, 85, 85, {"description": "Verbal agreement"}),
        (70, 95, 95, {"description": "Sign contract"}),
        code="SEVEN",
        description="Seven steps to a signature",
    )
    CloseReasonFactory(code="PRICE", description="Best price", won=True)
    for salesperson, description in [
        (anna, "Annan kassajärjestelmä"),
        (jussi, "Racks"),
    ]:
        OpportunityFactory(
            salesperson=salesperson,
            sales_cycle=cycle,
            description=description,
            contact=company,
            in_progress=True,
        )
    return cycle


def card(page, number):
    return page.get_by_test_id(f"card-{number}")


def drag(page, number, target):
    page.drag_and_drop(f"[data-testid=card-{number}] .card-body", target)


def column(page, number):
    return page.get_by_test_id(f"column-{number}")


def test_a_deal_from_quick_create_to_won_on_the_board(page, setup):
    page.set_viewport_size(DESKTOP)
    refused = []  # what the content security policy refused, if anything
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security" in m.text else None,
    )
    sign_in(page, "anna")
    page.goto(BOARD)
    page.screenshot(path=ARTIFACTS / "board-desktop.png", full_page=True)

    # Quick-create in the not-started column.
    form = page.get_by_test_id("quick-create")
    form.get_by_text("New opportunity").click()
    form.get_by_label("Description").fill("Cold storage monitoring")
    form.get_by_label("Contact").fill("Matti")
    form.get_by_role("option", name=re.compile("Matti Mäkinen")).click()
    page.screenshot(path=ARTIFACTS / "board-quick-create.png")
    form.get_by_role("button", name="Create").click()
    expect(page.get_by_test_id("board-notice")).to_contain_text("created")
    new = Opportunity.objects.get(description="Cold storage monitoring")
    expect(
        column(page, "not-started").get_by_test_id(f"card-{new.number}")
    ).to_be_visible()

    # Starting asks for the value in a dialog.
    drag(page, new.number, "[data-testid=column-10] header")
    dialog = page.get_by_test_id("board-dialog")
    expect(dialog).to_be_visible()
    page.screenshot(path=ARTIFACTS / "board-dialog.png")
    dialog.get_by_label("Estimated value").fill("12000")
    dialog.get_by_role("button", name="Move").click()
    expect(column(page, 10).get_by_test_id(f"card-{new.number}")).to_be_visible()
    # 12,000 beside the 1,000 of the deal already there
    expect(column(page, 10).get_by_test_id("column-totals")).to_contain_text(
        "13,000.00"
    )
    expect(column(page, "not-started").get_by_test_id("column-totals")).to_contain_text(
        re.compile(r"Count\s*0")
    )

    # While it is dragged, the columns it may not move to are disabled.
    card(page, new.number).locator(".card-body").hover()
    page.mouse.down()
    page.locator("[data-testid=column-40] header").hover()
    page.locator("[data-testid=column-50] header").hover()
    expect(column(page, 50)).to_have_class(re.compile("board__drop--disabled"))
    expect(column(page, 20)).not_to_have_class(re.compile("board__drop--disabled"))
    expect(page.get_by_test_id("zone-won")).not_to_have_class(re.compile("disabled"))
    page.screenshot(path=ARTIFACTS / "board-dragging.png")
    page.mouse.up()
    expect(page.get_by_test_id("board-notice")).to_contain_text(
        "It can move to: 20 Needs analysis, Won, Lost"
    )
    expect(column(page, 10).get_by_test_id(f"card-{new.number}")).to_be_visible()

    # Next stage: no dialog needed.
    drag(page, new.number, "[data-testid=column-20] header")
    expect(column(page, 20).get_by_test_id(f"card-{new.number}")).to_be_visible()
    expect(page.get_by_test_id("board-dialog")).to_have_count(0)

    # A quote-required stage: the quote is made in the dialog, then it moves.
    drag(page, new.number, "[data-testid=column-30] header")
    dialog = page.get_by_test_id("board-dialog")
    dialog.get_by_label("Amount excl. VAT").fill("11500")
    page.screenshot(path=ARTIFACTS / "board-quote.png")
    dialog.get_by_role("button", name="Create quote and move").click()
    expect(column(page, 30).get_by_test_id(f"card-{new.number}")).to_be_visible()
    assert SalesQuote.objects.get(opportunity=new).amount == 11500

    for number in (40, 50, 60, 70):
        drag(page, new.number, f"[data-testid=column-{number}] header")
        expect(
            column(page, number).get_by_test_id(f"card-{new.number}")
        ).to_be_visible()

    # Won: the close dialog, the only reason preselected.
    drag(page, new.number, "[data-testid=zone-won]")
    dialog = page.get_by_test_id("board-dialog")
    reason = CloseReason.objects.get()
    expect(dialog.get_by_label("Close reason")).to_have_value(str(reason.pk))
    dialog.get_by_label("Sale value").fill("11000")
    dialog.get_by_role("button", name="Close", exact=True).click()
    expect(page.get_by_test_id("board-notice")).to_contain_text("is won")
    expect(card(page, new.number)).to_have_count(0)
    expect(column(page, 70).get_by_test_id("column-totals")).to_contain_text(
        re.compile(r"Count\s*0")
    )

    assert page.url.endswith(BOARD)  # never left the board
    assert refused == []
    new.refresh_from_db()
    assert (new.status, new.current_value) == (Status.WON, 11000)
    actions = list(new.entries.order_by("pk").values_list("action_taken", flat=True))
    assert actions == ["first"] + ["next"] * 6 + ["won"]


def test_a_manager_filters_the_board_and_it_fits_a_wide_screen(page, setup):
    page.set_viewport_size(DESKTOP)
    sign_in(page, "maija")
    page.goto(BOARD)
    expect(page.get_by_role("link", name=re.compile("Seven steps"))).to_be_visible()
    expect(page.get_by_text("Racks")).to_be_visible()
    expect(page.get_by_text("Annan kassajärjestelmä")).to_be_visible()
    board = page.get_by_test_id("board")
    assert board.evaluate("b => b.scrollWidth - b.clientWidth") <= 0

    page.select_option("#board-salesperson", label="AH Anna Heikkinen")
    expect(page.get_by_text("Racks")).to_have_count(0)
    expect(page.get_by_text("Annan kassajärjestelmä")).to_be_visible()
    assert "salesperson=AH" in page.url
    page.screenshot(path=ARTIFACTS / "board-manager.png", full_page=True)


@pytest.mark.parametrize("username", ["anna", "maija"])
def test_the_board_on_a_phone(browser, live_server, setup, username):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, username)
        page.goto(BOARD)
        if username == "maija":  # a manager works on one rep's board
            page.select_option("#board-salesperson", label="AH Anna Heikkinen")
            expect(page.get_by_text("Racks")).to_have_count(0)
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"the board page is {overflow}px wider than the phone"
        page.screenshot(path=ARTIFACTS / f"board-phone-{username}.png", full_page=True)
        form = page.get_by_test_id("quick-create")
        form.get_by_text("New opportunity").click()
        form.get_by_label("Description").fill("Phone deal")
        form.get_by_label("Contact").fill("Hämeen")
        form.get_by_role("option", name=re.compile("Hämeen")).click()
        form.get_by_role("button", name="Create").click()
        expect(page.get_by_test_id("board-notice")).to_contain_text("created")
        phone_deal = Opportunity.objects.get(description="Phone deal")
        expect(card(page, phone_deal.number)).to_be_visible()
        assert phone_deal.salesperson.code == "AH"
        # A card's Update button is the way to move it on a touch screen.
        deal = Opportunity.objects.get(description="Annan kassajärjestelmä")
        card(page, deal.number).get_by_role("link", name="Update").click()
        expect(page).to_have_url(re.compile(f"/{deal.number}/update/"))
    finally:
        context.close()


def test_the_board_without_javascript(browser, live_server, setup):
    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, "anna")
        page.goto(BOARD)
        form = page.get_by_test_id("quick-create")
        form.get_by_text("New opportunity").click()
        form.get_by_label("Description").fill("Typed by hand")
        form.get_by_label("Contact").fill("Hämeen Elintarvike")
        form.get_by_role("button", name="Create").click()
        expect(page.get_by_role("alert")).to_contain_text("created")
        new = Opportunity.objects.get(description="Typed by hand")
        expect(card(page, new.number)).to_be_visible()
        card(page, new.number).get_by_role("link", name="Update").click()
        expect(page).to_have_url(re.compile(f"/{new.number}/update/"))
    finally:
        context.close()


def test_a_drop_the_server_cannot_answer_says_so(page, setup):
    page.set_viewport_size(DESKTOP)
    sign_in(page, "anna")
    page.goto(BOARD)
    deal = Opportunity.objects.get(description="Annan kassajärjestelmä")
    page.route("**/board/move/**", lambda route: route.fulfill(status=500))

    drag(page, deal.number, "[data-testid=column-20] header")

    expect(page.get_by_test_id("board-notice")).to_contain_text("could not be updated")
    expect(column(page, 10).get_by_test_id(f"card-{deal.number}")).to_be_visible()
