"""Every page works under the Content Security Policy, in a real browser:
no script, style or request the policy refuses, htmx and the board included."""

import pytest

from contacts.models import Salesperson
from tests.e2e.conftest import csp_refusals, sign_in
from tests.factories import (
    CompanyFactory,
    OpportunityFactory,
    UserFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def round_trip(db):
    manager = UserFactory(username="maija", role="Sales managers")
    manager.is_superuser = True
    manager.save()
    salesperson = Salesperson.objects.create(code="MV", name="Maija", user=manager)
    cycle = cycle_with_stages(code="CSP")
    company = CompanyFactory(name="Policy Oy")
    opportunity = OpportunityFactory(
        salesperson=salesperson, sales_cycle=cycle, contact=company, in_progress=True
    )
    return opportunity


def test_no_page_breaks_the_content_security_policy(page, round_trip):
    refused = csp_refusals(page)
    sign_in(page, "maija")
    number = round_trip.number
    for path in [
        "/",
        "/opportunities/?status=open",
        "/opportunities/board/CSP/",
        f"/opportunities/{number}/",
        f"/opportunities/{number}/update/",
        f"/opportunities/{number}/close/",
        "/opportunities/new/",
        "/opportunities/tasks/",
        "/contacts/",
        f"/contacts/{round_trip.contact.number}/",
        "/statistics/",
        "/statistics/forecast/",
        "/statistics/matrix/",
        "/accounts/password_change/",
        "/admin/",
        "/admin/opportunities/opportunity/",
        f"/admin/opportunities/opportunity/{round_trip.pk}/change/",
        "/admin/salescycles/salescycle/",
        "/admin/contacts/contact/",
    ]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    # htmx at work: the update form's defaults follow the chosen move.
    page.goto(f"/opportunities/{number}/update/")
    page.get_by_label("Update estimates").check()
    page.wait_for_load_state("networkidle")
    # The contact picker's search-as-you-type.
    page.goto("/opportunities/new/")
    page.get_by_label("Contact").fill("Poli")
    page.locator(".contact-picker__results li").first.wait_for()

    assert refused == []
