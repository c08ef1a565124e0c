"""A Finnish rep's day: every page in Finnish, numbers and dates the Finnish way."""

import re

import pytest
from babel.messages.pofile import read_po
from django.utils import translation
from playwright.sync_api import expect

from crm import demo
from opportunities.models import Opportunity, Status
from tests.crm.test_i18n import CATALOGUE

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Every text on the page: text nodes and the attributes people read. The
# language menu names each language in that language.
SHOWN_TEXT = """() => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.closest("[data-testid=language]"))
      texts.push(node.textContent.trim());
  }
  for (const el of document.querySelectorAll("[placeholder], [title], [aria-label]")) {
    texts.push(el.getAttribute("placeholder"), el.getAttribute("title"),
               el.getAttribute("aria-label"));
  }
  return texts.filter(Boolean);
}"""


@pytest.fixture(scope="module")
def english():
    """The English messages whose Finnish differs: none may show in Finnish."""
    with open(CATALOGUE, "rb") as file:
        catalogue = read_po(file)
    return {
        message.id
        for message in catalogue
        if message.id
        and isinstance(message.id, str)
        and message.string != message.id
        and len(message.id) > 3
    }


def english_on(page, english):
    return sorted({text for text in page.evaluate(SHOWN_TEXT) if text in english})


def test_a_finnish_rep_meets_no_english(page, english):
    with translation.override("fi"):  # the demo company in Finnish too
        demo.load()
    page.goto("/accounts/login/")
    page.select_option("select[name=language]", "fi")  # sent on change
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    page.fill("#id_username", "anna")
    page.fill("#id_password", "anna-demo")
    page.get_by_role("button", name="Kirjaudu sisään").click()
    expect(page.get_by_role("heading", name="Myyntiputki")).to_be_visible()

    opportunity = (
        Opportunity.objects.filter(salesperson__code="AH", status=Status.IN_PROGRESS)
        .order_by("number")
        .first()
    )
    pages = [
        "/",
        "/opportunities/?status=open",
        "/opportunities/board/",
        f"/opportunities/{opportunity.number}/",
        f"/opportunities/{opportunity.number}/update/",
        f"/opportunities/{opportunity.number}/close/",
        f"/opportunities/{opportunity.number}/edit/",
        "/opportunities/new/",
        "/opportunities/tasks/",
        "/contacts/",
        f"/contacts/{opportunity.contact.number}/",
        "/contacts/salespeople/",
        "/contacts/salespeople/AH/",
        "/accounts/password_change/",
    ]
    for path in pages:
        page.goto(path)
        assert english_on(page, english) == [], path

    # Money and dates the Finnish way; a value typed the Finnish way is taken.
    page.goto(f"/opportunities/{opportunity.number}/update/?move=update")
    page.fill("#id_estimated_value", "12 345,60")
    page.get_by_role("button", name="Päivitä", exact=True).click()
    expect(page.get_by_test_id("status")).to_have_text("Käynnissä")
    assert re.search(r"12\s345,60\s€", page.inner_text("main"))
    assert re.search(r"\b\d{1,2}\.\d{1,2}\.20\d\d\b", page.inner_text("main"))
    opportunity.refresh_from_db()
    assert str(opportunity.estimated_value) == "12345.60"

    # A field error is Finnish too.
    page.goto(f"/opportunities/{opportunity.number}/update/?move=update")
    page.fill("#id_estimated_value", "paljon")
    page.get_by_role("button", name="Päivitä", exact=True).click()
    expect(page.locator(".invalid-feedback")).to_contain_text("luku")
    assert english_on(page, english) == []
