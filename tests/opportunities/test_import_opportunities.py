"""import_data opportunities: the state a row carries becomes a real history."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.dataio import bulk
from opportunities import services
from opportunities.importers import OpportunityImporter
from opportunities.models import (
    Action,
    CloseReasonType,
    Opportunity,
    OpportunityEntry,
    Status,
)
from opportunities.moves import Move
from salescycles.probability import Method
from tests.crm.dataio.importing import import_text, run
from tests.factories import (
    CloseReasonFactory,
    CompanyFactory,
    OpportunityFactory,
    PersonFactory,
    SalespersonFactory,
    cycle_with_stages,
)
from tests.invariants import assert_consistent_history

pytestmark = pytest.mark.django_db

HEADER = (
    "number,description,contact,salesperson,sales_cycle,creation_date,status,"
    "stage,estimated_value,chances_pct,estimated_close_date,date_closed,close_reason"
)


@pytest.fixture
def world():
    SalespersonFactory(code="AH")
    SalespersonFactory(code="OLD", blocked=True)
    PersonFactory(number="P1", company=CompanyFactory(number="C1"))
    CompanyFactory(number="C2")
    cycle_with_stages(code="CYC")  # stages 10..40, completed 10/25/50/80
    cycle_with_stages(code="ADD", probability_method=Method.ADD)
    cycle_with_stages(code="SHUT", blocked=True)
    CloseReasonFactory(code="PRICE", type=CloseReasonType.LOST)
    CloseReasonFactory(code="FIT", type=CloseReasonType.WON)


ROWS = (
    "OP1,New,C1,AH,CYC,2026-01-05,Not Started,,,,,,\n"
    'OP2,Running,P1,AH,CYC,05.01.2026,In Progress,20,"1 000,00",,2026-03-31,,\n'
    "OP3,Got it,P1,AH,CYC,2026-01-05,Won,30,5000,,,2026-02-10,FIT\n"
    "OP4,Lost it,C2,AH,ADD,2026-01-05,lost,40,800,0,,2026-02-11,PRICE\n"
    "OP5,Closed at once,C2,AH,CYC,2026-01-05,Lost,,0,,,2026-01-06,PRICE\n"
)


def test_each_state_gets_a_history_like_the_pages_write(tmp_path, world):
    status, out, err = import_text(tmp_path, "opportunities", HEADER + "\n" + ROWS)
    assert status == 0, err
    assert "5 created" in out
    for opportunity in Opportunity.objects.all():
        assert_consistent_history(opportunity)

    running = Opportunity.objects.get(number="OP2")
    assert (running.status, running.stage.number) == (Status.IN_PROGRESS, 20)
    assert running.contact_company.number == "C1"
    # Chances from the stage (40 %), completed 25 %, multiply: 10 %.
    assert (running.chances_pct, running.completed_pct) == (Decimal(40), Decimal(25))
    assert (running.probability_pct, running.current_value) == (
        Decimal("10.00"),
        Decimal("100.00"),
    )
    assert running.estimated_close_date == datetime.date(2026, 3, 31)
    assert [e.action_taken for e in running.entries.all()] == [Action.FIRST]

    won = Opportunity.objects.get(number="OP3")
    assert [e.action_taken for e in won.entries.order_by("id")] == ["first", "won"]
    assert (won.stage.number, won.current_value, won.probability_pct) == (
        30,
        Decimal(5000),
        Decimal(100),
    )
    assert won.date_closed == datetime.date(2026, 2, 10)
    assert won.entries.get(active=False).days_open == 36

    lost = Opportunity.objects.get(number="OP4")
    assert (lost.estimated_value, lost.chances_pct, lost.current_value) == (
        Decimal(800),
        Decimal(0),
        Decimal(0),
    )
    # The stage entry has the stage's chances, by the ADD method: (80 + 80) / 2.
    assert lost.entries.get(action_taken="first").probability_pct == Decimal(80)
    assert Opportunity.objects.get(number="OP5").stage is None


def test_imported_opportunities_move_and_close_through_the_services(
    tmp_path, world, manager
):
    import_text(tmp_path, "opportunities", HEADER + "\n" + ROWS)
    running = Opportunity.objects.get(number="OP2")
    running = services.opportunity_advance(
        user=None,
        opportunity=running,
        move=Move.NEXT,
        date_of_change=datetime.date(2026, 1, 20),
        estimated_value=Decimal(2000),
    )
    assert running.stage.number == 30
    running = services.opportunity_close(
        user=None,
        opportunity=running,
        outcome=CloseReasonType.WON,
        close_reason=CloseReasonFactory(code="FIT"),
        date_closed=datetime.date(2026, 2, 1),
    )
    assert running.status == Status.WON
    assert_consistent_history(running)
    new = services.opportunity_advance(
        user=None,
        opportunity=Opportunity.objects.get(number="OP1"),
        move=Move.START,
        date_of_change=datetime.date(2026, 1, 6),
    )
    assert new.status == Status.IN_PROGRESS
    reopened = services.opportunity_reopen(
        user=manager,
        opportunity=Opportunity.objects.get(number="OP4"),
        reason="Back",
        date_of_change=datetime.date(2026, 3, 1),
    )
    assert reopened.stage.number == 40
    assert_consistent_history(reopened)


def test_rows_without_a_number_draw_from_the_series(tmp_path, world):
    status, _out, err = import_text(
        tmp_path,
        "opportunities",
        HEADER + "\n,A,C1,AH,CYC,,,,,,,,\n,B,C1,AH,CYC,,,,,,,,\n",
    )
    assert status == 0, err
    assert sorted(Opportunity.objects.values_list("number", flat=True)) == [
        "OP000001",
        "OP000002",
    ]


def test_nav_captions_and_computed_values_that_differ_warn(tmp_path, world):
    text = (
        "No.;Description;Contact No.;Contact Company No.;Salesperson Code;"
        "Sales Cycle Code;Creation Date;Status;Current Sales Cycle Stage;"
        "Estimated Value (LCY);Chances of Success %;Completed %;Probability %;"
        "Calcd. Current Value (LCY);Estimated Closing Date\n"
        "N1;Same;P1;C1;AH;CYC;2026-01-05;In Progress;10;1000;20;10;2;20;\n"
        "N2;Differs;P1;C1;AH;CYC;2026-01-05;In Progress;10;1000;20;10;3;30;\n"
    )
    status, _out, err = import_text(tmp_path, "opportunities", text)
    assert status == 0, err
    assert ":2:" not in err
    assert ":3: Probability %: 3 in the file, 2.00 as calculated" in err
    assert ":3: Calcd. Current Value (LCY): 30 in the file, 20.00 as calculated" in err
    assert Opportunity.objects.get(number="N2").probability_pct == Decimal(2)


def test_reimport_is_unchanged_and_descriptions_update(tmp_path, world):
    import_text(tmp_path, "opportunities", HEADER + "\n" + ROWS)
    versions = dict(Opportunity.objects.values_list("number", "version"))
    _status, out, _err = import_text(tmp_path, "opportunities", HEADER + "\n" + ROWS)
    assert "0 created, 0 updated, 5 unchanged" in out
    status, out, _err = import_text(
        tmp_path,
        "opportunities",
        "number,description,priority,contact,salesperson,sales_cycle\n"
        "OP2,Renamed,High,P1,AH,CYC\n",
    )
    assert status == 0
    assert "1 updated" in out
    renamed = Opportunity.objects.get(number="OP2")
    assert (renamed.description, renamed.priority) == ("Renamed", "high")
    versions["OP2"] += 1  # as an edit in the pages
    assert dict(Opportunity.objects.values_list("number", "version")) == versions


def test_an_export_imports_back_unchanged(tmp_path, world):
    OpportunityFactory(in_progress=True, number="F1")
    OpportunityFactory(won=True, number="F2")
    OpportunityFactory(lost=True, number="F3")
    import_text(tmp_path, "opportunities", HEADER + "\n" + ROWS)
    for headers in ("ours", "nav"):
        path = tmp_path / f"{headers}.csv"
        assert run("export_data", "opportunities", path, "--headers", headers)[0] == 0
        status, out, err = run("import_data", "opportunities", path)
        assert status == 0, err
        assert "0 created, 0 updated, 8 unchanged, 0 rejected" in out
        assert "as calculated" not in err


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("X,d,C1,OLD,CYC,,,,,,,,", "salesperson: Salesperson OLD is blocked"),
        ("X,d,C1,AH,SHUT,,,,,,,,", "sales_cycle: Sales cycle SHUT is blocked"),
        ("X,d,C9,AH,CYC,,,,,,,,", "contact: Contact “C9” does not exist."),
        (
            "X,d,C1,AH,CYC,,In Progress,15,,,,,",
            "stage: Sales cycle CYC has no stage 15.",
        ),
        ("X,d,C1,AH,CYC,,In Progress,,,,,,", "stage: An opportunity in progress needs"),
        ("X,d,C1,AH,CYC,,,10,,,,,", "stage: A not-started opportunity has none."),
        (
            "X,d,C1,AH,CYC,,Won,10,100,,,2026-02-01,PRICE",
            "close_reason: Close reason PRICE is for lost",
        ),
        (
            "X,d,C1,AH,CYC,,Won,10,100,,,2026-02-01,",
            "close_reason: Choose a close reason.",
        ),
        ("X,d,C1,AH,CYC,,Won,10,100,,,,FIT", "date_closed: A closed opportunity needs"),
        (
            "X,d,C1,AH,CYC,2026-01-05,Won,10,0,,,2026-02-01,FIT",
            "estimated_value: Enter the sale value",
        ),
        (
            "X,d,C1,AH,CYC,2026-01-05,Lost,10,5,,,2026-01-01,PRICE",
            "date_closed: The date cannot be before 2026-01-05",
        ),
        (
            "X,d,C1,AH,CYC,2026-01-05,In Progress,10,5,,2026-01-01,,",
            "estimated_close_date: The estimated close date cannot be before",
        ),
        (
            "X,d,C1,AH,CYC,,In Progress,10,-5,,,,",
            "estimated_value: Must not be negative.",
        ),
        (
            "X,d,C1,AH,CYC,,In Progress,10,5,101,,,",
            "chances_pct: Must be between 0 and 100.",
        ),
        (
            "X,d,C1,AH,CYC,2099-01-01,,,,,,,",
            "creation_date: The date cannot be in the future.",
        ),
        ("X,d,C1,AH,CYC,,Pending,,,,,,", "status: “Pending” is not one of"),
    ],
)
def test_rules_of_the_services_apply_to_new_rows(tmp_path, world, row, problem):
    status, _out, err = import_text(tmp_path, "opportunities", f"{HEADER}\n{row}\n")
    assert status == 1
    assert f"data.csv:2: {problem}" in err
    assert not Opportunity.objects.exists()


def test_the_contact_company_of_the_file_is_kept_though_the_person_moved(
    tmp_path, world
):
    # P1 works for C1 now; the opportunity was made when P1 worked for C2.
    status, _out, err = import_text(
        tmp_path,
        "opportunities",
        "description,contact,contact_company,salesperson,sales_cycle\nd,P1,C2,AH,CYC\n",
    )
    assert status == 0, err
    opportunity = Opportunity.objects.get()
    assert (opportunity.contact.number, opportunity.contact_company.number) == (
        "P1",
        "C2",
    )


@pytest.mark.parametrize(
    ("contact", "company", "problem"),
    [
        ("P1", "P1", "The company of a person must be a company-type contact."),
        ("C1", "C2", "Contact C1 belongs to C1."),
    ],
)
def test_a_contact_company_that_cannot_be_is_an_error(
    tmp_path, world, contact, company, problem
):
    status, _out, err = import_text(
        tmp_path,
        "opportunities",
        "description,contact,contact_company,salesperson,sales_cycle\n"
        f"d,{contact},{company},AH,CYC\n",
    )
    assert status == 1
    assert f":2: contact_company: {problem}" in err


def test_the_state_of_an_existing_opportunity_is_not_changed_by_import(tmp_path, world):
    import_text(tmp_path, "opportunities", HEADER + "\n" + ROWS)
    changed = ROWS.splitlines()[1].replace(",20,", ",30,")
    status, _out, err = import_text(tmp_path, "opportunities", f"{HEADER}\n{changed}\n")
    assert status == 1
    assert ":2: stage: Opportunity OP2 exists; its stage changes in the pages" in err
    assert Opportunity.objects.get(number="OP2").stage.number == 20


@pytest.fixture
def small_chunks(monkeypatch):
    """Check and write opportunities 50 rows at a time."""
    monkeypatch.setattr(OpportunityImporter, "chunk_size", 50)


def test_a_bad_last_row_writes_no_opportunity_and_no_entry(
    tmp_path, world, small_chunks
):
    rows = "".join(
        f"B{n},d,C1,AH,CYC,2026-01-05,In Progress,10,100,,,,\n" for n in range(300)
    )
    status, _out, _err = import_text(
        tmp_path, "opportunities", HEADER + "\n" + rows + "LAST,d,C1,AH,NOPE,,,,,,,,\n"
    )
    assert status == 1
    assert not Opportunity.objects.exists()
    assert not OpportunityEntry.objects.exists()


def test_chunks_make_one_import(tmp_path, world, small_chunks):
    rows = "".join(
        ",d,C1,AH,CYC,2026-01-05,In Progress,10,100,,,,\n" for n in range(120)
    )
    status, out, err = import_text(tmp_path, "opportunities", HEADER + "\n" + rows)
    assert status == 0, err
    assert "120 created" in out
    assert Opportunity.objects.count() == OpportunityEntry.objects.count() == 120
    duplicated = "X1,d,C1,AH,CYC,,,,,,,,\n" + rows + "X1,d,C1,AH,CYC,,,,,,,,\n"
    status, _out, err = import_text(
        tmp_path, "opportunities", HEADER + "\n" + duplicated
    )
    assert status == 1
    assert ":123: number: Duplicate of line 2." in err
    assert Opportunity.objects.count() == 120


def test_the_query_count_does_not_grow_with_the_rows(tmp_path, world):
    def count(prefix, n):
        text = (
            HEADER
            + "\n"
            + "".join(
                f"{prefix}{i},d,P1,AH,CYC,2026-01-05,In Progress,20,100,,,,\n"
                for i in range(n)
            )
        )
        with CaptureQueriesContext(connection) as queries:
            status, _out, err = import_text(tmp_path, "opportunities", text)
        assert status == 0, err
        return len(queries)

    # One COPY (PostgreSQL) or executemany (SQLite) per table, whatever the rows.
    assert count("S", 10) == count("L", 300)


def test_text_with_delimiters_quotes_and_line_breaks_is_stored_as_given(
    tmp_path, world
):
    description = 'Tab\there, "quoted", back\\slash\nand a new line'
    cell = '"' + description.replace('"', '""') + '"'
    text = HEADER + "\n" + f"Q1,{cell},C1,AH,CYC,2026-01-05,In Progress,10,5,,,,\n"

    status, _out, err = import_text(tmp_path, "opportunities", text)

    assert status == 0, err
    assert Opportunity.objects.get(number="Q1").description == description


def foreign_keys(*models) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid = ANY(%s::regclass[])",
            [[m._meta.db_table for m in models]],
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="foreign keys are dropped on PostgreSQL"
)
def test_a_large_file_checks_foreign_keys_at_the_end_and_keeps_them(
    tmp_path, world, monkeypatch
):
    monkeypatch.setattr(bulk, "BULK_LOAD_ROWS", 5)
    keys = foreign_keys(Opportunity, OpportunityEntry)
    rows = "".join(
        f"K{n},d,P1,AH,CYC,2026-01-05,Won,20,100,,,2026-02-01,FIT\n" for n in range(20)
    )

    status, _out, err = import_text(tmp_path, "opportunities", HEADER + "\n" + rows)
    refused, _out, _err = import_text(
        tmp_path, "opportunities", HEADER + "\n" + rows.replace("K", "R") + "X,d,,,,,\n"
    )

    assert status == 0, err
    assert refused == 1
    assert foreign_keys(Opportunity, OpportunityEntry) == keys
    assert Opportunity.objects.count() == 20
    assert OpportunityEntry.objects.count() == 40
    for opportunity in Opportunity.objects.all():
        assert_consistent_history(opportunity)


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="tables are locked on PostgreSQL"
)
def test_a_large_load_into_an_empty_table_still_finds_duplicates_and_existing_rows(
    tmp_path, world, monkeypatch, small_chunks
):
    monkeypatch.setattr(bulk, "BULK_LOAD_ROWS", 5)
    rows = "".join(
        f"E{n},d,P1,AH,CYC,2026-01-05,In Progress,20,100,,,,\n" for n in range(120)
    )
    # Empty table: the numbers are not looked up, the file's duplicates
    # (in another chunk) are still found.
    with CaptureQueriesContext(connection) as queries:
        status, _out, err = import_text(
            tmp_path,
            "opportunities",
            HEADER + "\n" + rows + rows.splitlines()[3] + "\n",
        )
    assert status == 1
    assert ":122: number: Duplicate of line 5." in err
    assert not [
        q for q in queries if '"opportunities_opportunity"."number" IN' in q["sql"]
    ]
    assert not Opportunity.objects.exists()

    status, _out, err = import_text(tmp_path, "opportunities", HEADER + "\n" + rows)
    assert status == 0, err
    # Not empty any more: a row naming an existing opportunity is that one.
    changed = rows.splitlines()[60].replace(",20,", ",30,")
    status, _out, err = import_text(
        tmp_path, "opportunities", f"{HEADER}\n" + rows.replace("E", "F") + changed
    )
    assert status == 1
    assert ":122: stage: Opportunity E60 exists" in err
    assert Opportunity.objects.count() == 120
