"""Reading CSV files: encodings, delimiters and value formats."""

import datetime
import io
from decimal import Decimal

import pytest

from crm.dataio import parsing, run
from opportunities.models import Status
from salescycles.probability import Method


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1234.5", "1234.5"),
        ("1234,5", "1234.5"),
        ("1 234,50", "1234.50"),
        ("1\u00a0234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1.234.567", "1234567"),
        ("1,234,567", "1234567"),
        ("-3", "-3"),
        ("0", "0"),
    ],
)
def test_decimals_with_point_or_comma_and_thousands_separators(text, value):
    assert parsing.parse_decimal(text) == Decimal(value)


@pytest.mark.parametrize("text", ["abc", "1,2,3.4.5", "12e3", "1.2.3,4,5", "--1"])
def test_a_decimal_that_is_not_a_number_is_an_error(text):
    with pytest.raises(ValueError, match="is not a number"):
        parsing.parse_decimal(text)


def test_an_integer_must_be_whole():
    assert parsing.parse_integer("20") == 20
    with pytest.raises(ValueError, match="is not a whole number"):
        parsing.parse_integer("2,5")


@pytest.mark.parametrize("text", ["Yes", "true", "1", "Kyllä", "KYLLÄ", " yes "])
def test_true_values(text):
    assert parsing.parse_boolean(text) is True


@pytest.mark.parametrize("text", ["No", "false", "0", "Ei", ""])
def test_false_values(text):
    assert parsing.parse_boolean(text) is False


def test_a_boolean_that_is_neither_is_an_error():
    with pytest.raises(ValueError, match="is not a yes/no value"):
        parsing.parse_boolean("maybe")


def test_dates_iso_and_finnish():
    parse = parsing.date_parser(None)
    assert parse("2026-11-25") == datetime.date(2026, 11, 25)
    assert parse("25.11.2026") == datetime.date(2026, 11, 25)
    assert parse("5.1.2026") == datetime.date(2026, 1, 5)
    with pytest.raises(ValueError, match="is not a date"):
        parse("11/25/2026")


def test_date_format_option_replaces_the_defaults():
    parse = parsing.date_parser("%m/%d/%Y")
    assert parse("11/25/2026") == datetime.date(2026, 11, 25)
    with pytest.raises(ValueError, match="is not a date"):
        parse("2026-11-25")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Multiply", Method.MULTIPLY),
        ("add", Method.ADD),
        ("Chances of Success %", Method.CHANCES),
        ("Completed %", Method.COMPLETED),
        ("completed", Method.COMPLETED),
    ],
)
def test_nav_probability_options(text, value):
    assert parsing.choice_parser(Method)(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Not Started", Status.NOT_STARTED),
        ("In Progress", Status.IN_PROGRESS),
        ("in_progress", Status.IN_PROGRESS),
        ("Won", Status.WON),
        ("LOST", Status.LOST),
    ],
)
def test_nav_status_options(text, value):
    assert parsing.choice_parser(Status)(text) == value


def test_an_unknown_option_lists_the_allowed_ones():
    with pytest.raises(ValueError, match="“Divide” is not one of: Multiply, Add"):
        parsing.choice_parser(Method)("Divide")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Name\nPörrö\n".encode(), "utf-8"),
        (b"\xef\xbb\xbfName\nP\xc3\xb6rr\xc3\xb6\n", "utf-8-sig"),
        ("Name\nPörrö\n".encode("cp1252"), "cp1252"),
        (b"Name\nplain\n", "utf-8"),
    ],
)
def test_encoding_detection(tmp_path, data, encoding):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    assert parsing.detect_encoding(path) == encoding


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [("a,b,c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ("a;b,c;d", ";"), ("a", ",")],
)
def test_delimiter_detection(line, delimiter):
    assert parsing.detect_delimiter(line) == delimiter


def test_headers_match_without_case_and_surrounding_spaces():
    assert parsing.normalize_header("  Phone  No. ") == parsing.normalize_header(
        "phone no."
    )


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_progress_bar_counts_rows_on_a_terminal_only():
    terminal, pipe = _Terminal(), io.StringIO()
    for n in range(1, 2001):
        run.progress_bar(terminal, every=1000)(n)
        run.progress_bar(pipe, every=1000)(n)
    assert terminal.getvalue() == "\rrows read: 1000\rrows read: 2000"
    assert pipe.getvalue() == ""


def test_with_the_total_the_progress_bar_shows_how_far():
    terminal = _Terminal()
    show = run.progress_bar(terminal, every=1000, total=4000)
    for n in range(1, 4001):
        show(n)
    assert terminal.getvalue().split("\r")[1:] == [
        f"[{'#' * 8:<30}] 1,000 / 4,000 rows read (25%)",
        f"[{'#' * 15:<30}] 2,000 / 4,000 rows read (50%)",
        f"[{'#' * 22:<30}] 3,000 / 4,000 rows read (75%)",
        f"[{'#' * 30}] 4,000 / 4,000 rows read (100%)",
    ]
