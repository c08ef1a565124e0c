"""import_data for the setup KINDs: formats, errors, all or nothing, statuses."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import Contact, ContactType, Salesperson
from opportunities.models import CloseReason
from salescycles.models import Activity, ActivityStep, SalesCycle, Stage
from tests.crm.dataio.importing import import_text, write
from tests.factories import (
    ActivityFactory,
    CompanyFactory,
    OpportunityFactory,
    PersonFactory,
    SalesCycleFactory,
    SalespersonFactory,
)

pytestmark = pytest.mark.django_db

SALESPEOPLE = "code,name,email,commission_pct,blocked\nAH,Anna,a@x.example,3.5,No\n"


def snapshot():
    """Everything the setup imports write, to compare before and after."""
    return [
        list(model.objects.order_by("pk").values())
        for model in (Salesperson, Contact, SalesCycle, Stage, CloseReason)
    ] + [list(ActivityStep.objects.order_by("pk").values())]


# -- the happy paths, one per KIND --------------------------------------------


def test_salespeople_are_created_then_updated_then_unchanged(tmp_path):
    status, out, _err = import_text(tmp_path, "salespeople", SALESPEOPLE)
    assert status == 0
    assert "1 created, 0 updated, 0 unchanged, 0 rejected" in out
    assert "rows/s" in out
    anna = Salesperson.objects.get(code="AH")
    assert (anna.name, anna.commission_pct, anna.blocked) == (
        "Anna",
        Decimal("3.5"),
        False,
    )

    status, out, _err = import_text(
        tmp_path, "salespeople", SALESPEOPLE.replace("3.5,No", "4,Yes")
    )
    assert "0 created, 1 updated, 0 unchanged" in out
    anna.refresh_from_db()
    assert (anna.commission_pct, anna.blocked) == (Decimal(4), True)

    status, out, _err = import_text(
        tmp_path, "salespeople", SALESPEOPLE.replace("3.5,No", "4,Yes")
    )
    assert "0 created, 0 updated, 1 unchanged" in out


def test_columns_missing_from_the_file_keep_their_values(tmp_path):
    SalespersonFactory(code="AH", name="Anna", job_title="Boss")
    status, out, _err = import_text(tmp_path, "salespeople", "code,name\nAH,Anna H\n")
    assert status == 0
    assert Salesperson.objects.get(code="AH").job_title == "Boss"


def test_contacts_with_nav_captions_semicolons_and_companies_later_in_the_file(
    tmp_path,
):
    SalespersonFactory(code="AH")
    text = (
        "No.;Type;Name;Company No.;Salesperson Code;E-Mail;Phone No.;"
        "Mobile Phone No.;Address;Post Code;City;Country/Region Code\n"
        "CT2;Person;Matti;CT1;AH;m@x.example;1;2;Katu 1;60100;Seinäjoki;FI\n"
        "CT1;Company;Firma Oy;CT1;AH;;;;;;;FI\n"
    )
    status, out, err = import_text(tmp_path, "contacts", text)
    assert status == 0, err
    matti = Contact.objects.get(number="CT2")
    assert matti.type == ContactType.PERSON
    assert matti.company.number == "CT1"
    assert matti.salesperson.code == "AH"
    assert matti.city == "Seinäjoki"
    # NAV's own number as Company No. of a company means no company.
    assert Contact.objects.get(number="CT1").company is None


def test_contacts_without_a_number_take_numbers_from_the_series(tmp_path):
    status, out, _err = import_text(
        tmp_path, "contacts", "number,type,name\n,company,A\n,company,B\n"
    )
    assert status == 0
    assert sorted(Contact.objects.values_list("number", flat=True)) == [
        "CT000001",
        "CT000002",
    ]


def test_a_person_can_join_a_company_in_the_database(tmp_path):
    company = CompanyFactory(number="C1")
    status, _out, err = import_text(
        tmp_path, "contacts", "number,type,name,company\nP1,person,Pia,C1\n"
    )
    assert status == 0, err
    assert Contact.objects.get(number="P1").company == company


def test_cycles_stages_activities_and_close_reasons(tmp_path):
    assert (
        import_text(
            tmp_path,
            "sales-cycles",
            "Code\tDescription\tProbability Calculation\tBlocked\n"
            "NEW\tNew customers\tChances of Success %\tKyllä\n",
        )[0]
        == 0
    )
    cycle = SalesCycle.objects.get(code="NEW")
    assert (cycle.probability_method, cycle.blocked) == ("chances", True)

    assert (
        import_text(
            tmp_path,
            "activities",
            "Activity Code,activity_description,Step No.,Type,Description,Priority,"
            "Date Formula\n"
            "CALL,Calls,1,Phone Call,Call them,High,1W\n"
            "CALL,Calls,2,Meeting,Meet them,Low,CM+1M\n"
            "EMPTY,No steps,,,,,\n",
        )[0]
        == 0
    )
    call = Activity.objects.get(code="CALL")
    assert call.description == "Calls"
    assert list(call.steps.values_list("step_no", "type", "priority")) == [
        (1, "phone_call", "high"),
        (2, "meeting", "low"),
    ]
    assert Activity.objects.get(code="EMPTY").steps.count() == 0

    status, _out, err = import_text(
        tmp_path,
        "stages",
        "Sales Cycle Code,Stage,Description,Completed %,Chances of Success %,"
        "Activity Code,Quote Required,Allow Skip,Date Formula\n"
        'NEW,10,Start,"10,5",20,CALL,No,Yes,2W\n'
        "NEW,20,Offer,50,60,,Yes,No,\n",
    )
    assert status == 0, err
    start = Stage.objects.get(cycle=cycle, number=10)
    assert (start.completed_pct, start.activity, start.allow_skip) == (
        Decimal("10.5"),
        call,
        True,
    )
    assert Stage.objects.get(cycle=cycle, number=20).quote_required is True

    assert (
        import_text(
            tmp_path, "close-reasons", "Code;Description;Type\nPRICE;Price;Lost\n"
        )[0]
        == 0
    )
    assert CloseReason.objects.get(code="PRICE").type == "lost"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_every_encoding_and_delimiter(tmp_path, encoding, delimiter):
    text = f"Code{delimiter}Name{delimiter}Commission %\nÄH{delimiter}Äijä{delimiter}"
    text += '"1,5"\n' if delimiter == "," else "1,5\n"
    status, _out, err = import_text(tmp_path, "salespeople", text, encoding=encoding)
    assert status == 0, err
    person = Salesperson.objects.get(code="ÄH")
    assert (person.name, person.commission_pct) == ("Äijä", Decimal("1.5"))


def test_delimiter_and_encoding_options_override_detection(tmp_path):
    # The header alone suggests commas; the option says semicolons.
    text = "code;name\nAB;Ab, Cd\n"
    status, _out, err = import_text(
        tmp_path, "salespeople", text, "--delimiter", ";", "--encoding", "cp1252"
    )
    assert status == 0, err
    assert Salesperson.objects.get(code="AB").name == "Ab, Cd"


def test_dry_run_checks_and_writes_nothing(tmp_path):
    status, out, _err = import_text(tmp_path, "salespeople", SALESPEOPLE, "--dry-run")
    assert status == 0
    assert "1 created" in out and "Dry run" in out
    assert not Salesperson.objects.exists()


# -- errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "problem"),
    [
        ("salespeople", "code,name,colour\nA,B,red\n", ":1: colour: Unknown column."),
        ("salespeople", "code\nA\n", ":1: name: Required column missing."),
        ("salespeople", "code,name,code\nA,B,A\n", ":1: code: Column given twice."),
        ("salespeople", "code,name\nA,\n", ":2: name: Required."),
        (
            "salespeople",
            "Code,Name,Commission %\nA,B,lots\n",
            ":2: Commission %: “lots” is not a number.",
        ),
        (
            "salespeople",
            "code,name,commission_pct\nA,B,101\n",
            ":2: commission_pct: Ensure this value is less than or equal to 100.",
        ),
        (
            "salespeople",
            "code,name,blocked\nA,B,perhaps\n",
            ":2: blocked: “perhaps” is not a yes/no value",
        ),
        (
            "salespeople",
            "code,name,email\nA,B,not-an-address\n",
            ":2: email: Enter a valid email address.",
        ),
        (
            "salespeople",
            "code,name\n" + "X" * 21 + ",B\n",
            ":2: code: Ensure this value has at most 20 characters (it has 21).",
        ),
        (
            "salespeople",
            "code,name\nA,B\nA,C\n",
            ":3: code: Duplicate of line 2.",
        ),
        ("salespeople", "code,name\nA,B,C\n", ":2: -: 3 values for 2 columns."),
        (
            "sales-cycles",
            "code,probability_method\nC,Divide\n",
            ":2: probability_method: “Divide” is not one of: Multiply",
        ),
        (
            "contacts",
            "number,name,salesperson\nC1,Firm,NOBODY\n",
            ":2: salesperson: Salesperson “NOBODY” does not exist.",
        ),
        (
            "contacts",
            "number,type,name,company\nP1,person,Pia,NOWHERE\n",
            ":2: company: Contact “NOWHERE” does not exist.",
        ),
        (
            "contacts",
            "number,type,name,company\nP1,person,Pia,P2\nP2,person,Pekka,\n",
            ":2: company: The company of a person must be a company-type contact.",
        ),
        (
            "contacts",
            "number,type,name,company\nC2,company,Sub,C1\nC1,company,Top,\n",
            ":2: company: A company cannot belong to another company.",
        ),
        (
            "stages",
            "cycle,number,description\nNOPE,10,Start\n",
            ":2: cycle: Sales cycle “NOPE” does not exist.",
        ),
        (
            "stages",
            "cycle,number,description,date_formula\nC,10,Start,2X\n",
            ":2: date_formula: ",
        ),
        (
            "stages",
            "cycle,number,description,chances_pct\nC,10,Start,-1\n",
            ":2: chances_pct: Ensure this value is greater than or equal to 0.",
        ),
        (
            "stages",
            "cycle,number,description\nC,0,Start\n",
            ":2: number: Must be greater than zero.",
        ),
        (
            "stages",
            "cycle,number,description,activity\nC,10,Start,NONE\n",
            ":2: activity: Activity “NONE” does not exist.",
        ),
        (
            "activities",
            "activity,activity_description,step_no,description\nA,One,1,x\nA,Two,2,y\n",
            ":3: activity_description: Differs from line 2.",
        ),
        (
            "activities",
            "activity,step_no,description\nA,1,\n",
            ":2: description: This field cannot be blank.",
        ),
        (
            "activities",
            "activity,step_no,description,date_formula\nA,1,Call,1Z\n",
            ":2: date_formula: ",
        ),
        (
            "close-reasons",
            "code,type\nWHY,maybe\n",
            ":2: type: “maybe” is not one of: Won, Lost.",
        ),
    ],
)
def test_each_error_is_reported_as_file_line_column_message(
    tmp_path, kind, text, problem
):
    SalesCycleFactory(code="C")
    before = snapshot()
    status, out, err = import_text(tmp_path, kind, text)
    assert status == 1
    assert f"{tmp_path / 'data.csv'}{problem}" in err
    assert "rejected: nothing was written" in err
    assert snapshot() == before


def test_date_formula_errors_name_the_formula(tmp_path):
    SalesCycleFactory(code="C")
    _status, _out, err = import_text(
        tmp_path, "stages", "cycle,number,description,date_formula\nC,10,S,2X\n"
    )
    assert "2X" in err.split(": date_formula: ")[1]


def test_unknown_columns_can_be_ignored_with_a_warning(tmp_path):
    status, _out, err = import_text(
        tmp_path,
        "salespeople",
        "code,name,colour\nA,B,red\n",
        "--ignore-unknown-columns",
    )
    assert status == 0
    assert ":1: colour: Unknown column. Ignored." in err
    assert Salesperson.objects.filter(code="A").exists()


def test_a_contact_used_by_opportunities_cannot_change_type(tmp_path):
    opportunity = OpportunityFactory()
    number = opportunity.contact.number
    status, _out, err = import_text(
        tmp_path, "contacts", f"number,type,name\n{number},person,X\n"
    )
    assert status == 1
    assert ":2: type: The type cannot change: opportunities refer" in err


def test_a_company_with_persons_cannot_become_a_person(tmp_path):
    person = PersonFactory()
    status, _out, err = import_text(
        tmp_path, "contacts", f"number,type,name\n{person.company.number},person,X\n"
    )
    assert status == 1
    assert ":2: type: The type cannot change: persons work for it." in err


def test_a_bad_last_row_leaves_the_database_exactly_as_before(tmp_path):
    SalespersonFactory(code="OLD", name="Old")
    before = snapshot()
    rows = "".join(f"S{n},Name {n},{n % 50}\n" for n in range(200))
    status, out, err = import_text(
        tmp_path,
        "salespeople",
        "code,name,commission_pct\nOLD,Renamed,1\n" + rows + "LAST,Bad,250\n",
    )
    assert status == 1
    assert ":203: commission_pct:" in err
    assert "1 rejected" in out
    assert snapshot() == before


def test_only_the_first_50_problems_are_shown_and_all_go_to_the_errors_csv(
    tmp_path,
):
    rows = "".join(f"S{n},,\n" for n in range(60))
    errors = tmp_path / "errors.csv"
    status, _out, err = import_text(
        tmp_path,
        "salespeople",
        "code,name,x\n" + rows,
        "--ignore-unknown-columns",
        "--errors-csv",
        errors,
    )
    assert status == 1
    assert err.count(": name: Required.") == 50
    assert "… and 10 more problems." in err
    lines = errors.read_text().splitlines()
    assert lines[0] == "file,line,column,message"
    assert len(lines) == 61
    assert lines[1].endswith(",2,name,Required.")


# -- exit statuses -----------------------------------------------------------


def test_a_missing_file_is_status_2(tmp_path):
    status, _out, err = import_text(tmp_path, "salespeople", "")
    assert status == 2
    assert "is empty" in err
    from tests.crm.dataio.importing import run

    status, _out, err = run("import_data", "salespeople", tmp_path / "none.csv")
    assert status == 2
    assert "no such file" in err


def test_an_unknown_encoding_is_status_2(tmp_path):
    status, _out, err = import_text(
        tmp_path, "salespeople", SALESPEOPLE, "--encoding", "klingon"
    )
    assert status == 2
    assert "Unknown encoding" in err


def test_an_undecodable_file_is_status_2(tmp_path):
    path = write(tmp_path, "code,name\nA,B\n")
    path.write_bytes(b"code,name\nA,\xff\xfe\n")
    from tests.crm.dataio.importing import run

    status, _out, _err = run("import_data", "salespeople", path, "--encoding", "utf-8")
    assert status == 2


def test_exit_statuses_from_the_command_line(tmp_path):
    """1 and 2 as a shell sees them (argparse errors too); 0 is tested above.

    The cases chosen fail before any query, so the subprocess needs no tables.
    """
    good = write(tmp_path, SALESPEOPLE, "good.csv")
    bad = write(tmp_path, "code,name,colour\nA,B,red\n", "bad.csv")
    root = Path(__file__).resolve().parents[3]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }

    def status(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *map(str, args)],
            cwd=root,
            capture_output=True,
            env=env,
        ).returncode

    assert status("import_data", "salespeople", bad) == 1
    assert status("import_data", "salespeople", tmp_path / "nope.csv") == 2
    assert status("import_data", "planets", good) == 2
    assert status("import_data", "salespeople", good, "--delimiter", "|") == 2


# -- queries -----------------------------------------------------------------


def _contacts(n: int) -> str:
    rows = [f"C{i},company,Firm {i},,AH" for i in range(n)]
    rows += [f"P{i},person,Person {i},C{i},AH" for i in range(n)]
    return "number,type,name,company,salesperson\n" + "\n".join(rows) + "\n"


@pytest.mark.parametrize("kind", ["contacts", "stages", "activities"])
def test_the_query_count_does_not_grow_with_the_rows(tmp_path, kind):
    SalespersonFactory(code="AH")
    cycle = SalesCycleFactory(code="C")
    ActivityFactory(code="A")

    def texts(n):
        if kind == "contacts":
            return _contacts(n)
        if kind == "stages":
            return "cycle,number,description,activity\n" + "".join(
                f"C,{i + 1},S{i},A\n" for i in range(n)
            )
        return "activity,step_no,description\n" + "".join(
            f"A{i % 3},{i + 1},S{i}\n" for i in range(n)
        )

    def count(n):
        with CaptureQueriesContext(connection) as queries:
            status, _out, err = import_text(tmp_path, kind, texts(n))
        assert status == 0, err
        return len(queries)

    # Contacts: n companies and n persons, so 10 and 100 rows as for the others.
    sizes = (5, 50) if kind == "contacts" else (10, 100)
    small = count(sizes[0])
    # Fresh keys for the larger file: shift the existing ones away.
    Stage.objects.filter(cycle=cycle).delete()
    ActivityStep.objects.all().delete()
    Contact.objects.filter(type=ContactType.PERSON).delete()
    Contact.objects.all().delete()
    # SQLite caps the variables of a statement (999), so Django splits the
    # 100-row bulk_create and bulk_update of contacts into two statements each.
    slack = 2 if connection.vendor == "sqlite" and kind == "contacts" else 0
    assert small <= count(sizes[1]) <= small + slack


def test_a_rule_only_the_database_guards_is_reported_not_raised(tmp_path, monkeypatch):
    from salescycles.importers import StageImporter

    SalesCycleFactory(code="C")
    monkeypatch.setattr(StageImporter, "check", lambda self, rows: None)
    status, out, err = import_text(
        tmp_path, "stages", "cycle,number,description\nC,0,Start\n"
    )
    assert status == 1
    assert ":0: -: The database refused the file:" in err
    assert not Stage.objects.exists()


def test_verbosity_0_prints_no_summary_and_stderr_is_quiet_without_problems(tmp_path):
    status, out, err = import_text(tmp_path, "salespeople", SALESPEOPLE, verbosity=0)
    assert (status, out, err) == (0, "", "")
    assert Salesperson.objects.filter(code="AH").exists()
