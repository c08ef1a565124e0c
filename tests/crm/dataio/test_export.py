"""export_data: our names or NAV captions, and files that import back unchanged."""

import csv

import pytest

from contacts.models import Contact
from salescycles.models import Activity
from tests.crm.dataio.importing import run
from tests.factories import (
    ActivityStepFactory,
    CloseReasonFactory,
    PersonFactory,
    SalespersonFactory,
    StageFactory,
)

pytestmark = pytest.mark.django_db

SETUP_KINDS = [
    "salespeople",
    "contacts",
    "sales-cycles",
    "stages",
    "close-reasons",
    "activities",
]


@pytest.fixture
def setup_data():
    SalespersonFactory(code="AH", name="Anna, Ämmälä", commission_pct="3.50")
    PersonFactory(number="P1", salesperson=SalespersonFactory(code="JK"))
    step = ActivityStepFactory(date_formula="CM+1M", type="phone_call")
    Activity.objects.create(code="NOSTEPS", description="Nothing to do")
    StageFactory(activity=step.activity, allow_skip=True, date_formula="2W")
    CloseReasonFactory(won=True)


@pytest.mark.parametrize("headers", ["ours", "nav"])
@pytest.mark.parametrize("kind", SETUP_KINDS)
def test_an_exported_file_imports_back_unchanged(tmp_path, setup_data, kind, headers):
    path = tmp_path / f"{kind}.csv"
    status, _out, err = run("export_data", kind, path, "--headers", headers)
    assert status == 0, err
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert len(rows) > 1
    status, out, err = run("import_data", kind, path)
    assert status == 0, err
    assert f"0 created, 0 updated, {len(rows) - 1} unchanged, 0 rejected" in out


def test_exports_use_our_names_by_default_and_nav_captions_on_request(
    tmp_path, setup_data
):
    _status, ours, _err = run("export_data", "contacts")
    assert ours.splitlines()[0].startswith("number,type,name,company,salesperson,")
    assert ",person," in ours
    _status, nav, _err = run("export_data", "contacts", "--headers", "nav")
    assert nav.splitlines()[0].startswith(
        "No.,Type,Name,Company No.,Salesperson Code,E-Mail,"
    )
    assert ",Person," in nav


def test_nav_option_texts_and_yes_no_in_nav_exports(tmp_path, setup_data):
    _status, out, _err = run("export_data", "stages", "--headers", "nav")
    assert ",Yes," in out
    _status, out, _err = run("export_data", "activities", "--headers", "nav")
    assert "Phone call" in out
    assert "NOSTEPS,Nothing to do,,,,," in out


def test_semicolon_exports_import_back(tmp_path, setup_data):
    path = tmp_path / "s.csv"
    run("export_data", "salespeople", path, "--delimiter", ";")
    assert path.read_text().startswith("code;name;")
    status, out, _err = run("import_data", "salespeople", path)
    assert status == 0
    assert "0 updated" in out


def test_an_export_loads_into_an_empty_database(tmp_path, setup_data):
    files = {}
    for kind in ["salespeople", "contacts"]:
        files[kind] = tmp_path / f"{kind}.csv"
        run("export_data", kind, files[kind])
    before = list(
        Contact.objects.order_by("number").values_list("number", "company__number")
    )
    Contact.objects.filter(company__isnull=False).delete()
    Contact.objects.all().delete()
    status, _out, err = run("import_data", "contacts", files["contacts"])
    assert status == 0, err
    after = list(
        Contact.objects.order_by("number").values_list("number", "company__number")
    )
    assert after == before


def test_an_unwritable_file_is_status_2(tmp_path):
    status, _out, _err = run("export_data", "salespeople", tmp_path / "no" / "x.csv")
    assert status == 2


def test_a_value_the_encoding_cannot_hold_is_status_2(tmp_path):
    SalespersonFactory(code="X", name="Ελένη")
    status, _out, _err = run(
        "export_data", "salespeople", tmp_path / "x.csv", "--encoding", "cp1252"
    )
    assert status == 2


def test_cp1252_exports_import_back(tmp_path):
    SalespersonFactory(code="X", name="Äijä Öström")
    path = tmp_path / "x.csv"
    assert run("export_data", "salespeople", path, "--encoding", "cp1252")[0] == 0
    status, out, _err = run("import_data", "salespeople", path)
    assert status == 0
    assert "1 unchanged" in out
