"""Problems keep the code of the rule broken; their printed form has none."""

import pytest

from crm.dataio import Options, Problems, registry, run_import
from tests.crm.dataio.importing import write

pytestmark = pytest.mark.django_db


def test_an_error_keeps_its_code_and_prints_as_file_line_column_message():
    problems = Problems("data.csv")
    problems.error(3, "chances_pct", "Must be between 0 and 100.", "pct_out_of_range")
    problems.error(2, "name", "Required.")
    assert [(p.line, p.code) for p in sorted(problems.errors)] == [
        (2, ""),
        (3, "pct_out_of_range"),
    ]
    assert problems.format(problems.errors[0]) == (
        "data.csv:3: chances_pct: Must be between 0 and 100."
    )


def test_a_model_field_error_carries_the_field_validators_code(tmp_path):
    path = write(tmp_path, "code,name,email\nAH,Anna,not-an-address\n")
    result = run_import(registry()["salespeople"], str(path), Options())
    assert [(p.column, p.code) for p in result.problems.errors] == [
        ("email", "invalid")
    ]
