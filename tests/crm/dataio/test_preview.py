"""The first planned rows of an import, as the import page shows them."""

import pytest

from crm.dataio import Options, registry, run_import
from tests.crm.dataio.importing import write
from tests.factories import CompanyFactory, SalespersonFactory

pytestmark = pytest.mark.django_db


def preview(tmp_path, kind, text, rows=10):
    result = run_import(
        registry()[kind], write(tmp_path, text), Options(dry_run=True, preview=rows)
    )
    return result


def test_the_preview_holds_the_values_as_parsed_and_checked(tmp_path):
    SalespersonFactory(code="AH", name="Anna")
    result = preview(
        tmp_path,
        "salespeople",
        "Code;Name;Commission %;Blocked\nAH;Anna H;12,50;Kyllä\nJK;Jussi;3;\n",
    )
    assert result.problems.errors == []
    assert result.preview == [
        (
            2,
            "update",
            {
                "code": "AH",
                "name": "Anna H",
                "commission_pct": "12.50",
                "blocked": "Yes",
            },
        ),
        (
            3,
            "create",
            {"code": "JK", "name": "Jussi", "commission_pct": "3", "blocked": "No"},
        ),
    ]


def test_references_show_the_code_they_name_and_rows_stop_at_the_limit(tmp_path):
    SalespersonFactory(code="AH")
    CompanyFactory(number="CT9")
    text = (
        "number,type,name,company,salesperson\n"
        "CT1,company,Oy Ab,,AH\n"
        "CT2,person,Pia,CT1,\n"
        "CT3,person,Olli,CT9,AH\n"
    )
    result = preview(tmp_path, "contacts", text, rows=2)
    assert result.problems.errors == []
    assert [values for _line, _created, values in result.preview] == [
        {
            "number": "CT1",
            "type": "company",
            "name": "Oy Ab",
            "company": "",
            "salesperson": "AH",
        },
        {
            "number": "CT2",
            "type": "person",
            "name": "Pia",
            "company": "CT1",
            "salesperson": "",
        },
    ]


def test_activities_keep_their_description_in_the_preview(tmp_path):
    text = (
        "activity,activity_description,step_no,type,description\n"
        "A1,Intro,1,Meeting,Meet\n"
    )
    result = preview(tmp_path, "activities", text)
    assert result.problems.errors == []
    assert result.preview == [
        (
            2,
            "create",
            {
                "activity": "A1",
                "activity_description": "Intro",
                "step_no": "1",
                "type": "meeting",
                "description": "Meet",
            },
        ),
    ]


def test_there_is_no_preview_unless_asked(tmp_path):
    assert (
        preview(tmp_path, "salespeople", "code,name\nAH,Anna\n", rows=0).preview == []
    )
