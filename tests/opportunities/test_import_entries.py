"""import_data opportunity-entries: NAV's history replaces the made-up one."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opportunities import services
from opportunities.models import OpportunityEntry, Status, Task
from opportunities.moves import Move
from tests.crm.dataio.importing import import_text, run
from tests.factories import (
    CloseReasonFactory,
    CompanyFactory,
    OpportunityFactory,
    SalespersonFactory,
    cycle_with_stages,
)
from tests.invariants import assert_consistent_history

pytestmark = pytest.mark.django_db

NAV_HEADER = (
    "Entry No.;Opportunity No.;Sales Cycle Code;Sales Cycle Stage;"
    "Previous Sales Cycle Stage;Date of Change;Active;Action Taken;"
    "Estimated Value (LCY);Chances of Success %;Completed %;Probability %;"
    "Calcd. Current Value (LCY);Estimated Close Date;Close Opportunity Code\n"
)
HISTORY = (
    "1;OP1;CYC;10;;10.01.2026;No; ;1000;20;10;2;20;31.03.2026;\n"
    "2;OP1;CYC;20;10;20.01.2026;No;Next;1000;40;25;10;100;31.03.2026;\n"
    "3;OP1;CYC;;20;01.02.2026;Yes;Won;1200;100;100;100;1200;01.02.2026;FIT\n"
)


@pytest.fixture
def cycle():
    SalespersonFactory(code="AH")
    CloseReasonFactory(code="FIT", type="won")
    CloseReasonFactory(code="PRICE", type="lost")
    cycle_with_stages(code="CYC2")
    return cycle_with_stages(code="CYC")


@pytest.fixture
def opp(cycle):
    """Not started, so without history."""
    return OpportunityFactory(
        number="OP1",
        contact=CompanyFactory(number="C1"),
        sales_cycle=cycle,
        creation_date=datetime.date(2026, 1, 5),
    )


@pytest.fixture
def opportunity(cycle):
    """In progress, with the one entry of its start."""
    return OpportunityFactory(
        number="OP1",
        sales_cycle=cycle,
        creation_date=datetime.date(2026, 1, 5),
        in_progress=True,
    )


def test_nav_history_becomes_the_opportunitys_history(tmp_path, opp):
    status, out, err = import_text(
        tmp_path, "opportunity-entries", NAV_HEADER + HISTORY
    )
    assert status == 0, err
    assert "3 created" in out
    opp.refresh_from_db()
    assert_consistent_history(opp)
    assert (opp.status, opp.stage.number, opp.estimated_value) == (
        Status.WON,
        20,
        Decimal(1200),
    )
    assert opp.close_reason.code == "FIT"
    assert opp.date_closed == datetime.date(2026, 2, 1)
    assert list(opp.entries.values_list("action_taken", "days_open")) == [
        ("first", 10),
        ("next", 12),
        ("won", 0),
    ]
    _status, out, _err = import_text(
        tmp_path, "opportunity-entries", NAV_HEADER + HISTORY
    )
    assert "0 created, 0 updated, 3 unchanged" in out


def test_a_replaced_history_keeps_the_tasks(tmp_path, opportunity):
    first = opportunity.entries.get()
    Task.objects.create(
        number="T1",
        description="x",
        date=first.date_of_change,
        salesperson=opportunity.salesperson,
        contact=opportunity.contact,
        opportunity=opportunity,
        opportunity_entry=first,
    )
    stage = opportunity.stage.number
    text = (
        "entry_no,opportunity,stage,date_of_change,action_taken,estimated_value\n"
        f"1,OP1,{stage},2026-01-06,first,500\n"
    )
    status, out, err = import_text(tmp_path, "opportunity-entries", text)
    assert status == 0, err
    assert "1 updated" in out
    assert Task.objects.get(number="T1").opportunity_entry is None
    opportunity.refresh_from_db()
    assert opportunity.estimated_value == Decimal(500)
    assert_consistent_history(opportunity)


@pytest.mark.parametrize(
    ("history", "problem"),
    [
        (
            HISTORY.replace("20.01.2026;No;", "20.01.2026;Yes;"),
            ":3: Active: Only the last entry of an opportunity is active.",
        ),
        (
            HISTORY.replace("01.02.2026;Yes;", "01.02.2026;No;"),
            ":4: Active: The last entry of an opportunity is the active one.",
        ),
        (
            HISTORY.replace("20.01.2026", "09.01.2026"),
            ":3: Date of Change: The date cannot be before 2026-01-10",
        ),
        (
            HISTORY.replace("3;OP1;CYC;;20", "3;OP1;CYC;30;20"),
            ":4: Sales Cycle Stage: A closing entry has no stage.",
        ),
        (
            HISTORY.replace(";FIT", ";PRICE"),
            ":4: Close Opportunity Code: A won entry needs a close reason",
        ),
        (
            HISTORY.replace("2;OP1;CYC;20;10", "2;OP1;CYC;20;30"),
            ":3: Previous Sales Cycle Stage: The entry before has stage 10.",
        ),
        (
            HISTORY.replace("2;OP1;CYC;20", "2;OP1;CYC;25"),
            ":3: Sales Cycle Stage: Sales cycle CYC has no stage 25.",
        ),
        (
            HISTORY.replace("2;OP1;CYC;", "2;OP1;CYC2;"),
            ":3: Sales Cycle Code: Opportunity OP1 runs in cycle CYC.",
        ),
        (
            HISTORY.replace("2;OP1;", "2;OP9;"),
            ":3: Opportunity No.: Opportunity “OP9” does not exist.",
        ),
        (
            HISTORY.replace("2;OP1;", "1;OP1;"),
            ":3: Entry No.: Duplicate of line 2.",
        ),
        (
            HISTORY.replace(";40;25;", ";140;25;"),
            ":3: Chances of Success %: Must be between 0 and 100.",
        ),
        (
            HISTORY.replace("Next", "Sideways"),
            ":3: Action Taken: “Sideways” is not one of",
        ),
    ],
)
def test_a_history_that_does_not_hold_together_is_rejected(
    tmp_path, opp, history, problem
):
    status, _out, err = import_text(
        tmp_path, "opportunity-entries", NAV_HEADER + history
    )
    assert status == 1
    assert problem in err
    assert not opp.entries.exists()


def test_exported_entries_import_back_unchanged(tmp_path, opportunity):
    services.opportunity_advance(
        user=None,
        opportunity=opportunity,
        move=Move.NEXT,
        date_of_change=datetime.date(2026, 1, 9),
    )
    OpportunityFactory(won=True)
    OpportunityFactory(lost=True)
    for headers in ("ours", "nav"):
        path = tmp_path / f"{headers}.csv"
        run("export_data", "opportunity-entries", path, "--headers", headers)
        status, out, err = run("import_data", "opportunity-entries", path)
        assert status == 0, err
        assert "0 created, 0 updated, 6 unchanged, 0 rejected" in out


def test_the_query_count_does_not_grow_with_the_opportunities(tmp_path):
    SalespersonFactory(code="AH")
    cycle_with_stages(code="CYC")

    def count(n):
        for i in range(n):
            OpportunityFactory(
                number=f"N{n}-{i}",
                sales_cycle=cycle_with_stages(code=f"C{n}-{i}"),
                in_progress=True,
            )
        text = "entry_no,opportunity,stage,date_of_change,estimated_value\n" + "".join(
            f"{i},N{n}-{i},20,2026-01-06,{i}\n" for i in range(n)
        )
        with CaptureQueriesContext(connection) as queries:
            status, _out, err = import_text(tmp_path, "opportunity-entries", text)
        assert status == 0, err
        return len(queries)

    small = count(10)
    fields = [f for f in OpportunityEntry._meta.concrete_fields if not f.primary_key]
    size = connection.ops.bulk_batch_size(fields, [None] * 100)
    # Only the database's own statement size limit may add INSERTs (SQLite).
    assert small <= count(100) <= small + 2 * (-(-100 // size) - 1)


def test_the_notes_of_closing_and_reopening_survive_export_and_import(
    tmp_path, opportunity, manager
):
    reason = CloseReasonFactory(code="LATE", type="lost")
    services.opportunity_close(
        user=None,
        opportunity=opportunity,
        outcome="lost",
        close_reason=reason,
        date_closed=datetime.date(2026, 1, 9),
        note="Went with the cheaper offer",
    )
    services.opportunity_reopen(
        user=manager,
        opportunity=opportunity,
        reason="The customer came back",
        date_of_change=datetime.date(2026, 1, 12),
    )
    path = tmp_path / "entries.csv"
    run("export_data", "opportunity-entries", path)
    assert "The customer came back" in path.read_text(encoding="utf-8")
    OpportunityEntry.objects.update(note="")  # a history that lost them

    status, out, err = run("import_data", "opportunity-entries", path)

    assert status == 0, err
    assert list(opportunity.entries.order_by("id").values_list("note", flat=True)) == [
        "",
        "Went with the cheaper offer",
        "The customer came back",
    ]


def test_a_note_longer_than_its_column_is_rejected(tmp_path, opp):
    header = NAV_HEADER.replace("\n", ";Note\n")
    history = "".join(
        line + (";" + "x" * 251 if line.startswith("3;") else ";") + "\n"
        for line in HISTORY.splitlines()
    )

    status, _out, err = import_text(tmp_path, "opportunity-entries", header + history)

    assert status == 1
    assert ":4: Note: Keep the note to 250 characters (it has 251)." in err
    assert not opp.entries.exists()
