"""A rep makes an API token, sees it once, uses it, reads the API docs (under
the Content Security Policy) and revokes it."""

import json
import urllib.error
import urllib.request

import pytest

from tests.e2e.conftest import csp_refusals, sign_in
from tests.factories import SalespersonFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def status_with(base_url: str, key: str) -> int:
    request = urllib.request.Request(
        base_url + "/api/v1/salespeople/", headers={"Authorization": f"Bearer {key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            json.loads(response.read())
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_rep_makes_a_token_reads_the_docs_and_revokes_it(page, live_server):
    SalespersonFactory(code="AH", user=UserFactory(username="anna", role="Sales reps"))
    refused = csp_refusals(page)
    sign_in(page, "anna")
    page.goto("/accounts/password_change/")
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("Website form")
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_test_id("new-token").inner_text()
    assert key.startswith("crm_")
    assert status_with(live_server.url, key) == 200

    page.get_by_role("link", name="API documentation").click()
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 20

    page.goto("/accounts/api-tokens/")
    assert key not in page.content()  # shown once
    page.get_by_role("button", name="Revoke").click()
    page.get_by_text("The token is revoked").wait_for()
    assert status_with(live_server.url, key) == 401
    assert refused == []
