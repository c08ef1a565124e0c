"""The importers report the opportunity rules with the codes the services use.

Each case breaks one rule in a file and through a service, and compares the
codes: the rules module is the one place a rule lives (opportunities.rules).
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.dataio import Options, registry, run_import
from opportunities import services
from opportunities.models import CloseReasonType
from opportunities.moves import Move
from tests.crm.dataio.importing import write
from tests.factories import (
    CloseReasonFactory,
    CompanyFactory,
    OpportunityFactory,
    SalespersonFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db

HEADER = (
    "number,description,contact,salesperson,sales_cycle,creation_date,status,"
    "stage,estimated_value,chances_pct,estimated_close_date,date_closed,close_reason"
)
ENTRIES = (
    "entry_no,opportunity,stage,date_of_change,action_taken,estimated_value,"
    "chances_pct\n"
)


@pytest.fixture
def world():
    return {
        "salesperson": SalespersonFactory(code="AH"),
        "blocked_salesperson": SalespersonFactory(code="OLD", blocked=True),
        "contact": CompanyFactory(number="C1"),
        "cycle": cycle_with_stages(code="CYC"),
        "blocked_cycle": cycle_with_stages(code="SHUT", blocked=True),
        "lost": CloseReasonFactory(code="PRICE", type=CloseReasonType.LOST),
        "won": CloseReasonFactory(code="FIT", type=CloseReasonType.WON),
    }


@pytest.fixture
def running(world):
    """In progress since 2026-01-05, its one entry of that date."""
    return OpportunityFactory(
        number="OP1",
        contact=world["contact"],
        salesperson=world["salesperson"],
        sales_cycle=world["cycle"],
        creation_date=datetime.date(2026, 1, 5),
        in_progress=True,
    )


def import_codes(tmp_path, kind: str, text: str) -> dict[str, str]:
    """The codes of a file's problems, by column."""
    path = write(tmp_path, text)
    result = run_import(registry()[kind], str(path), Options())
    return {problem.column: problem.code for problem in result.problems.errors}


def service_code(field: str, service, **kwargs) -> str:
    with pytest.raises(ValidationError) as raised:
        service(user=None, **kwargs)
    return raised.value.error_dict[field][0].code


def new_row(tmp_path, row: str) -> dict[str, str]:
    return import_codes(tmp_path, "opportunities", f"{HEADER}\n{row}\n")


def test_a_blocked_cycle_is_cycle_blocked(tmp_path, world):
    code = service_code(
        "sales_cycle",
        services.opportunity_create,
        contact=world["contact"],
        salesperson=world["salesperson"],
        sales_cycle=world["blocked_cycle"],
        description="d",
    )
    assert code == "cycle_blocked"
    assert new_row(tmp_path, "X,d,C1,AH,SHUT,,,,,,,,")["sales_cycle"] == code


def test_a_blocked_salesperson_is_salesperson_blocked(tmp_path, world):
    code = service_code(
        "salesperson",
        services.opportunity_create,
        contact=world["contact"],
        salesperson=world["blocked_salesperson"],
        sales_cycle=world["cycle"],
        description="d",
    )
    assert code == "salesperson_blocked"
    assert new_row(tmp_path, "X,d,C1,OLD,CYC,,,,,,,,")["salesperson"] == code


@pytest.mark.parametrize(
    ("reason", "code"),
    [("lost", "close_reason_type"), (None, "close_reason_required")],
)
def test_a_close_reason_that_does_not_fit(tmp_path, world, running, reason, code):
    assert (
        service_code(
            "close_reason",
            services.opportunity_close,
            opportunity=running,
            outcome=CloseReasonType.WON,
            close_reason=world[reason] if reason else None,
        )
        == code
    )
    cell = "PRICE" if reason else ""
    row = f"X,d,C1,AH,CYC,2026-01-05,Won,10,100,,,2026-02-01,{cell}"
    assert new_row(tmp_path, row)["close_reason"] == code


def test_a_won_opportunity_without_a_sale_value_is_sale_value_required(
    tmp_path, world, running
):
    code = service_code(
        "sale_value",
        services.opportunity_close,
        opportunity=running,
        outcome=CloseReasonType.WON,
        close_reason=world["won"],
        sale_value=Decimal(0),
    )
    assert code == "sale_value_required"
    row = "X,d,C1,AH,CYC,2026-01-05,Won,10,0,,,2026-02-01,FIT"
    assert new_row(tmp_path, row)["estimated_value"] == code


def test_a_date_before_the_last_change_is_date_before_last_entry(
    tmp_path, world, running
):
    code = service_code(
        "date_closed",
        services.opportunity_close,
        opportunity=running,
        outcome=CloseReasonType.LOST,
        close_reason=world["lost"],
        date_closed=datetime.date(2026, 1, 1),
    )
    assert code == "date_before_last_entry"
    row = "X,d,C1,AH,CYC,2026-01-05,Lost,10,5,,,2026-01-01,PRICE"
    assert new_row(tmp_path, row)["date_closed"] == code
    history = "1,OP1,10,2026-01-10,,1000,20\n2,OP1,20,2026-01-09,Next,1000,40\n"
    assert import_codes(tmp_path, "opportunity-entries", ENTRIES + history) == {
        "date_of_change": code
    }


def test_a_close_date_before_the_change_is_close_date_before_change(
    tmp_path, world, running
):
    code = service_code(
        "estimated_close_date",
        services.opportunity_advance,
        opportunity=running,
        move=Move.NEXT,
        date_of_change=datetime.date(2026, 1, 20),
        estimated_close_date=datetime.date(2026, 1, 10),
    )
    assert code == "close_date_before_change"
    row = "X,d,C1,AH,CYC,2026-01-05,In Progress,10,5,,2026-01-01,,"
    assert new_row(tmp_path, row)["estimated_close_date"] == code


@pytest.mark.parametrize(
    ("row", "column", "code"),
    [
        ("X,d,C1,AH,CYC,,In Progress,10,-5,,,,", "estimated_value", "negative"),
        ("X,d,C1,AH,CYC,,In Progress,10,5,101,,,", "chances_pct", "pct_out_of_range"),
        ("X,d,C1,AH,CYC,2099-01-01,,,,,,,", "creation_date", "date_in_future"),
    ],
)
def test_figures_and_dates_carry_the_rules_codes(tmp_path, world, row, column, code):
    assert new_row(tmp_path, row) == {column: code}


@pytest.mark.parametrize(
    ("cells", "column", "code"),
    [
        ("-1,20", "estimated_value", "negative"),
        ("1000,120", "chances_pct", "pct_out_of_range"),
    ],
)
def test_entries_figures_carry_the_rules_codes(tmp_path, running, cells, column, code):
    history = f"1,OP1,10,2026-01-10,,{cells}\n"
    assert import_codes(tmp_path, "opportunity-entries", ENTRIES + history) == {
        column: code
    }


def test_a_closing_entry_without_a_fitting_reason_has_the_rules_code(tmp_path, running):
    history = "1,OP1,10,2026-01-10,,1000,20,\n2,OP1,,2026-01-20,Won,1000,100,PRICE\n"
    text = ENTRIES.replace("\n", ",close_reason\n") + history
    assert import_codes(tmp_path, "opportunity-entries", text) == {
        "close_reason": "close_reason_type"
    }
