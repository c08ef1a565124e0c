"""A database-independent copy: everything export_data writes restores into an
empty database with import_data, and exports again to the same files."""

import csv
import io

import pytest

from contacts.models import Contact, Salesperson
from crm import demo
from crm.dataio import registry
from opportunities.models import (
    CloseReason,
    Interaction,
    Opportunity,
    OpportunityEntry,
    SalesQuote,
    Task,
)
from salescycles.models import Activity, ActivityStep, SalesCycle, Stage
from tests.crm.dataio.importing import run

pytestmark = pytest.mark.django_db


def export_everything(folder) -> dict[str, list[list[str]]]:
    """Every KIND, exported to a file, as rows (entry numbers left out: they
    are the database's ids, which a restore gives anew)."""
    files = {}
    for kind in registry():
        path = folder / f"{kind}.csv"
        status, _out, err = run("export_data", kind, path)
        assert status == 0, err
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        if kind == "opportunity-entries":
            rows = [row[1:] for row in rows]
        files[kind] = rows
    return files


def empty_the_database() -> None:
    for model in (Task, Interaction, SalesQuote, OpportunityEntry, Opportunity):
        model.objects.all().delete()
    for model in (CloseReason, Stage, ActivityStep, Activity, SalesCycle):
        model.objects.all().delete()
    Contact.objects.filter(company__isnull=False).delete()
    Contact.objects.all().delete()
    Salesperson.objects.all().delete()


def test_an_export_restores_into_an_empty_database_with_nothing_lost(tmp_path):
    demo.load()
    before = export_everything(tmp_path)
    counts = {kind: len(rows) - 1 for kind, rows in before.items()}

    empty_the_database()
    assert not Opportunity.objects.exists()
    for kind in registry():
        status, out, err = run("import_data", kind, tmp_path / f"{kind}.csv")
        assert status == 0, f"{kind}: {err}"
    after_folder = tmp_path / "again"
    after_folder.mkdir()
    after = export_everything(after_folder)

    assert after == before
    assert counts["opportunities"] > 40 and counts["opportunity-entries"] > 100
    assert counts["tasks"] > 20 and counts["quotes"] > 5 and counts["interactions"] > 20
