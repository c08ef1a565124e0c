"""import_data quotes, tasks and interactions: what an opportunity has besides
its history, so that an export restores with nothing lost."""

import datetime
from decimal import Decimal

import pytest

from opportunities.models import Interaction, SalesQuote, Task
from tests.crm.dataio.importing import import_text, run
from tests.factories import OpportunityFactory, SalespersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal():
    SalespersonFactory(code="AH")
    return OpportunityFactory(in_progress=True, number="OP1")


def test_quotes_import_and_re_import_unchanged(tmp_path, deal):
    text = (
        "number,opportunity,date,amount,description\n"
        'Q1,OP1,25.11.2026,"1 234,50",Offer\n'
    )

    status, out, err = import_text(tmp_path, "quotes", text)
    again, out_again, _err = import_text(tmp_path, "quotes", text)

    assert status == 0, err
    quote = SalesQuote.objects.get(number="Q1")
    assert (quote.opportunity, quote.amount, quote.date) == (
        deal,
        Decimal("1234.50"),
        datetime.date(2026, 11, 25),
    )
    assert again == 0 and "1 unchanged" in out_again


def test_an_opportunity_has_one_quote(tmp_path, deal):
    text = "number,opportunity,amount\nQ1,OP1,100\nQ2,OP1,200\n"

    status, _out, err = import_text(tmp_path, "quotes", text)

    assert status == 1
    assert ":3: opportunity: Opportunity OP1 already has quote Q1." in err
    assert not SalesQuote.objects.exists()


def test_tasks_name_their_salesperson_contact_and_opportunity(tmp_path, deal):
    text = (
        "number,description,date,salesperson,contact,opportunity,status,closed\n"
        f"T1,Call,2026-12-02,AH,{deal.contact.number},OP1,Completed,Yes\n"
        "T2,Visit,2026-12-03,NOBODY,,OP404,,No\n"
    )

    status, _out, err = import_text(tmp_path, "tasks", text)

    assert status == 1
    assert ":3: salesperson: Salesperson “NOBODY” does not exist." in err
    assert ":3: opportunity: Opportunity “OP404” does not exist." in err
    assert not Task.objects.exists()
    fixed = text.replace("NOBODY,,OP404", "AH,,OP1")
    assert import_text(tmp_path, "tasks", fixed)[0] == 0
    assert list(Task.objects.order_by("number").values_list("closed", flat=True)) == [
        True,
        False,
    ]


def test_an_opportunitys_interactions_in_a_file_replace_its_log(tmp_path, deal):
    header = "opportunity,date,kind,description,salesperson\n"
    first = header + "OP1,2026-11-01,Call,Called,AH\nOP1,2026-11-02,Note,Noted,AH\n"
    second = header + "OP1,2026-11-03,Meeting,Met,AH\n"

    assert import_text(tmp_path, "interactions", first)[0] == 0
    status, out, _err = import_text(tmp_path, "interactions", first)
    assert status == 0 and "2 unchanged" in out
    assert import_text(tmp_path, "interactions", second)[0] == 0

    assert list(Interaction.objects.values_list("description", flat=True)) == ["Met"]


def test_the_three_kinds_export_what_they_import(tmp_path, deal):
    for kind, text in [
        ("quotes", "number,opportunity,amount\nQ1,OP1,100\n"),
        ("tasks", "number,description,date,salesperson\nT1,Call,2026-12-02,AH\n"),
        (
            "interactions",
            "opportunity,date,kind,description,salesperson\nOP1,2026-11-01,call,Hi,AH\n",
        ),
    ]:
        assert import_text(tmp_path, kind, text)[0] == 0, kind
        exported = tmp_path / f"{kind}.csv"
        assert run("export_data", kind, exported)[0] == 0
        status, out, _err = run("import_data", kind, exported)
        assert status == 0 and "1 unchanged" in out, kind
