"""Whatever a file holds, import_data answers with its problems, never a crash,
and a refused file writes nothing."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts.models import Contact, Salesperson
from opportunities.models import Opportunity, OpportunityEntry
from tests.crm.dataio.importing import run
from tests.factories import OpportunityFactory, SalesCycleFactory

pytestmark = pytest.mark.django_db

KINDS = ["salespeople", "contacts", "sales-cycles", "stages", "opportunities"]
HEADERS = {
    "contacts": "No.;Type;Name;Company No.;Salesperson Code\n",
    "opportunities": "number,description,contact,salesperson,sales_cycle,status,"
    "stage,estimated_value,date_closed\n",
}
cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "Won", "1e9999", "31.02.2026", "Kyllä", '"', "\x00", "9" * 40]
    ),
)


@settings(
    max_examples=60,
    derandomize=True,  # the same examples on every run: CI stays reproducible
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    kind=st.sampled_from(KINDS),
    body=st.one_of(
        st.binary(max_size=400),
        st.lists(
            st.lists(cell, min_size=1, max_size=10).map(lambda cells: ";".join(cells)),
            max_size=6,
        ).map(lambda lines: "\n".join(lines).encode("utf-8")),
    ),
    with_header=st.booleans(),
)
def test_any_file_gets_an_answer_and_a_refused_one_writes_nothing(
    tmp_path_factory, kind, body, with_header
):
    path = tmp_path_factory.mktemp("hostile") / "data.csv"
    header = HEADERS.get(kind, "code;name\n").encode() if with_header else b""
    path.write_bytes(header + body)
    before = (Contact.objects.count(), Opportunity.objects.count())

    status, out, err = run("import_data", kind, path)

    assert status in (0, 1, 2)
    assert "Traceback" not in out + err
    if status != 0:
        assert err.strip()
        assert (Contact.objects.count(), Opportunity.objects.count()) == before


def test_a_huge_line_is_an_error_not_a_crash(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("code,name\n" + "A," + "x" * 2_000_000 + "\n")

    status, _out, err = run("import_data", "salespeople", path)

    assert status in (1, 2)
    assert "huge.csv" in err


def test_a_nul_character_is_an_error_on_its_line_and_column(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"code,name\nA1,Fine\nA2,Bad\x00name\n")

    status, _out, err = run("import_data", "salespeople", path)

    assert status == 1
    assert "nul.csv:3: name: Holds a NUL character" in err


# -- numbers, encodings and quotes: a clear message, and nothing written --------------

BIG = "9" * 28


def test_a_28_digit_entry_no_with_decimals_is_an_error_not_a_traceback(tmp_path):
    opportunity = OpportunityFactory(in_progress=True)
    path = tmp_path / "entries.csv"
    path.write_text(
        "entry_no,opportunity,date_of_change,stage\n"
        f'"{BIG},5",{opportunity.number},2026-12-01,1\n'
    )
    entries = OpportunityEntry.objects.count()

    status, _out, err = run("import_data", "opportunity-entries", path)

    assert status == 1
    assert "Traceback" not in err
    assert f"entries.csv:2: entry_no: “{BIG},5” is not a whole number." in err
    assert OpportunityEntry.objects.count() == entries


@pytest.mark.parametrize(
    ("kind", "header", "row", "column"),
    [
        ("salespeople", "code,name,commission_pct", f"AH,Anna,{BIG}", "commission_pct"),
        ("stages", "cycle,number,description", f"CYC,{BIG},Lead", "number"),
        ("activities", "activity,step_no", f"CALL,{BIG}", "step_no"),
    ],
)
def test_a_28_digit_number_is_an_error_on_its_line_and_column(
    tmp_path, kind, header, row, column
):
    SalesCycleFactory(code="CYC")
    path = tmp_path / "big.csv"
    path.write_text(f"{header}\n{row}\n")

    status, _out, err = run("import_data", kind, path)

    assert status == 1
    assert f"big.csv:2: {column}: " in err
    assert "nothing was written" in err


def test_a_utf16_file_says_so_and_how_to_import_it(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes("code\tname\nAH\tÄmmälä\n".encode("utf-16"))

    status, _out, err = run("import_data", "salespeople", path)

    assert status == 1
    assert "unicode.txt:1: -: The file is UTF-16" in err
    assert "--encoding utf-16" in err
    assert "Unknown column" not in err
    assert not Salesperson.objects.exists()
    status, _out, err = run("import_data", "salespeople", path, "--encoding", "utf-16")
    assert status == 0, err
    assert Salesperson.objects.get().name == "Ämmälä"


def test_a_file_mixing_utf8_and_windows_1252_is_refused_at_the_first_other_line(
    tmp_path,
):
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        "code,name\nAH,Ämmälä\nJK,Jokinen\n".encode() + "MV,Mäkelä\n".encode("cp1252")
    )

    status, _out, err = run("import_data", "salespeople", path)

    assert status == 1
    assert "mixed.csv:4: -: This line is not UTF-8 but line 2 is" in err
    assert not Salesperson.objects.exists()


def test_a_windows_1252_file_is_still_read_as_such(tmp_path):
    path = tmp_path / "ansi.csv"
    path.write_bytes("code,name\nAH,Ämmälä\nMV,Mäkelä\n".encode("cp1252"))

    status, _out, err = run("import_data", "salespeople", path)

    assert status == 0, err
    assert set(Salesperson.objects.values_list("name", flat=True)) == {
        "Ämmälä",
        "Mäkelä",
    }


@pytest.mark.parametrize(
    "body",
    [
        'AH,Anna\nJK,"Jokinen\nMV,Mäkelä\nTT,Tuomi\n',  # never closed
        'AH,Anna\nJK,"Jokinen\nMV,Mäkelä\nTT,"Tuomi"\n',  # "closed" lines later
    ],
)
def test_an_unclosed_quote_is_reported_on_the_line_it_opens(tmp_path, body):
    path = tmp_path / "quote.csv"
    path.write_text("code,name\n" + body)

    status, _out, err = run("import_data", "salespeople", path)

    assert status == 1
    assert "quote.csv:3: -: " in err
    assert "quote.csv:5" not in err and "quote.csv:6" not in err
    assert not Salesperson.objects.exists()


def test_a_value_spanning_lines_reports_problems_on_the_line_it_starts(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text('code,name,commission_pct\nAH,"Anna\nÄmmälä",lots\n')

    status, _out, err = run("import_data", "salespeople", path)

    assert status == 1
    assert "multi.csv:2: commission_pct: “lots” is not a number." in err
