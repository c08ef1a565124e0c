"""A manager imports a file in the admin: upload, read the dry run, confirm."""

import pytest
from django.contrib.admin.models import LogEntry
from playwright.sync_api import expect

from contacts.models import Salesperson
from tests.e2e.conftest import csp_refusals, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SALESPEOPLE = "Code;Name;Commission %\nAH;Anna Heikkinen;3,5\nJK;Jussi Koski;4\n"


@pytest.fixture
def uploads(settings, tmp_path):
    settings.CRM_IMPORT_UPLOAD_DIR = tmp_path / "uploads"
    return settings.CRM_IMPORT_UPLOAD_DIR


def test_a_manager_uploads_reads_the_dry_run_and_confirms(page, uploads):
    UserFactory(username="maija", role="Sales managers")
    refused = csp_refusals(page)
    sign_in(page, "maija")
    page.goto("/admin/")
    page.get_by_role("link", name="Import a CSV file").click()
    expect(page.get_by_test_id("import-limit")).to_contain_text("20,000 data lines")

    page.get_by_label("CSV file").set_input_files(
        {
            "name": "salespeople.csv",
            "mimeType": "text/csv",
            "buffer": SALESPEOPLE.encode(),
        }
    )
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_test_id("import-kind")).to_contain_text("salespeople")
    expect(page.get_by_test_id("import-kind")).to_contain_text("detected")
    expect(page.get_by_test_id("import-created")).to_have_text("2")
    preview = page.get_by_test_id("import-preview")
    expect(preview).to_contain_text("Anna Heikkinen")
    expect(preview).to_contain_text("3.5")
    assert not Salesperson.objects.filter(code="AH").exists()

    page.get_by_role("button", name="Confirm the import").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "Imported 2 rows of salespeople from salespeople.csv"
    )
    expect(page.get_by_role("link", name="AH")).to_be_visible()
    assert Salesperson.objects.get(code="JK").name == "Jussi Koski"
    assert LogEntry.objects.get().user.username == "maija"
    assert list(uploads.iterdir()) == []
    assert refused == []
