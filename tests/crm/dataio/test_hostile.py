"""Whatever a file holds, import_data answers with its problems, never a crash,
and a refused file writes nothing."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts.models import Contact
from opportunities.models import Opportunity
from tests.crm.dataio.importing import run

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
