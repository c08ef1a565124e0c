"""A number with a slash, followed through the pages in a browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import (
    CompanyFactory,
    OpportunityFactory,
    PersonFactory,
    SalespersonFactory,
    UserFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_manager_follows_slashed_numbers_from_the_contacts_to_the_edit_page(page):
    UserFactory(username="maija", role="Sales managers")
    company = CompanyFactory(number="SLASH/1", name="Slash Oy")
    person = PersonFactory(number="IMP/1001", name="Ilmari", company=company)
    OpportunityFactory(
        number="OP/1",
        description="Slashed deal",
        contact=person,
        salesperson=SalespersonFactory(code="SP/1"),
        sales_cycle=cycle_with_stages(code="C/1"),
        in_progress=True,
    )
    sign_in(page, "maija")

    page.goto("/contacts/?o=-number&q=Slash")
    page.get_by_role("link", name="SLASH/1").click()
    expect(page).to_have_url(re.compile(r"/contacts/SLASH/1/$"))
    page.get_by_role("link", name="IMP/1001").first.click()
    expect(page).to_have_url(re.compile(r"/contacts/IMP/1001/$"))
    page.get_by_role("link", name="OP/1").click()
    expect(page).to_have_url(re.compile(r"/opportunities/OP/1/$"))
    expect(page.locator("main")).to_contain_text("Slashed deal")
    page.locator("main").get_by_role("link", name="Edit").click()
    expect(page).to_have_url(re.compile(r"/opportunities/OP/1/edit/$"))
    expect(page.locator("#id_description")).to_have_value("Slashed deal")

    page.goto("/opportunities/board/C/1/")
    expect(page.get_by_test_id("card-OP/1")).to_be_visible()
