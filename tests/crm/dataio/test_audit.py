"""Imports are audited: the admin log names who wrote a file, the log every run."""

import logging

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from contacts.models import Salesperson
from tests.crm.dataio.importing import import_text
from tests.factories import SalespersonFactory, UserFactory

pytestmark = pytest.mark.django_db

SALESPEOPLE = "code,name\nAH,Anna\nBK,Bert\n"


@pytest.fixture
def importer():
    return UserFactory(username="importer")


def test_a_written_file_is_one_admin_log_row_of_the_user(tmp_path, importer):
    SalespersonFactory(code="AH", name="Old name")
    status, _out, err = import_text(
        tmp_path, "salespeople", SALESPEOPLE, "--user", "importer"
    )
    assert status == 0, err
    entry = LogEntry.objects.get()
    assert (entry.user, entry.action_flag, entry.object_repr) == (
        importer,
        CHANGE,
        "data.csv",
    )
    assert entry.content_type == ContentType.objects.get_for_model(Salesperson)
    assert entry.get_change_message() == (
        "Imported 2 rows from data.csv (created 1, updated 1)."
    )


def test_a_file_of_new_rows_only_is_an_addition(tmp_path, importer):
    import_text(tmp_path, "salespeople", SALESPEOPLE, "--user", "importer")
    assert LogEntry.objects.get().action_flag == ADDITION


def test_a_rejected_file_writes_no_admin_log_row(tmp_path, importer):
    status, _out, _err = import_text(
        tmp_path, "salespeople", SALESPEOPLE + "CD,\n", "--user", "importer"
    )
    assert status == 1
    assert not LogEntry.objects.exists()
    assert not Salesperson.objects.exists()


def test_a_dry_run_writes_no_admin_log_row(tmp_path, importer):
    status, _out, _err = import_text(
        tmp_path, "salespeople", SALESPEOPLE, "--user", "importer", "--dry-run"
    )
    assert status == 0
    assert not LogEntry.objects.exists()


def test_without_a_user_there_is_no_admin_log_row(tmp_path):
    status, _out, _err = import_text(tmp_path, "salespeople", SALESPEOPLE)
    assert status == 0
    assert not LogEntry.objects.exists()


def test_an_unknown_user_is_status_2_and_nothing_is_read(tmp_path):
    status, _out, err = import_text(
        tmp_path, "salespeople", SALESPEOPLE, "--user", "nobody"
    )
    assert status == 2
    assert "There is no user “nobody”" in err
    assert not Salesperson.objects.exists()


@pytest.mark.parametrize(
    ("text", "args", "outcome"),
    [
        (SALESPEOPLE, ("--user", "importer"), "by importer: written (2 rows"),
        (SALESPEOPLE, (), "by -: written (2 rows: 2 created"),
        (SALESPEOPLE, ("--dry-run",), "by -: dry run, nothing written"),
        (SALESPEOPLE + "CD,\n", (), "by -: rejected, nothing written"),
    ],
)
def test_every_run_is_a_line_in_the_audit_log(
    tmp_path, importer, caplog, text, args, outcome
):
    with caplog.at_level(logging.INFO, logger="crm.audit"):
        import_text(tmp_path, "salespeople", text, *args)
    [record] = [r for r in caplog.records if r.name == "crm.audit"]
    assert record.getMessage().startswith("import salespeople from ")
    assert outcome in record.getMessage()


def test_an_unusable_file_is_a_line_in_the_audit_log_too(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="crm.audit"):
        status, _out, _err = import_text(tmp_path, "salespeople", "")
    assert status == 2
    [record] = [r for r in caplog.records if r.name == "crm.audit"]
    assert "by -: unusable: " in record.getMessage()
