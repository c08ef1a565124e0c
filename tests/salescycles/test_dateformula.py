"""Tests for NAV date formulas."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from salescycles.dateformula import (
    Term,
    apply,
    normalize,
    parse,
    validate_date_formula,
)

# 2026-01-15 is a Thursday; 2026-01-12 Monday, 2026-01-18 Sunday.
APPLY_CASES = [
    # Empty formula.
    ("", date(2026, 1, 15), date(2026, 1, 15)),
    ("   ", date(2026, 1, 15), date(2026, 1, 15)),
    ("<>", date(2026, 1, 15), date(2026, 1, 15)),
    # Days.
    ("1D", date(2026, 1, 15), date(2026, 1, 16)),
    ("+1D", date(2026, 1, 15), date(2026, 1, 16)),
    ("-1D", date(2026, 1, 1), date(2025, 12, 31)),
    ("0D", date(2026, 1, 15), date(2026, 1, 15)),
    ("-0D", date(2026, 1, 15), date(2026, 1, 15)),
    ("30D", date(2026, 1, 15), date(2026, 2, 14)),
    ("1D", date(2024, 2, 28), date(2024, 2, 29)),
    ("1D", date(2025, 2, 28), date(2025, 3, 1)),
    ("9999D", date(2026, 1, 1), date(2053, 5, 18)),
    # Weeks.
    ("1W", date(2026, 1, 15), date(2026, 1, 22)),
    ("2W", date(2026, 1, 15), date(2026, 1, 29)),
    ("-1W", date(2026, 1, 5), date(2025, 12, 29)),
    # Months, clamped to the month's last day.
    ("1M", date(2026, 1, 15), date(2026, 2, 15)),
    ("1M", date(2026, 1, 31), date(2026, 2, 28)),
    ("1M", date(2024, 1, 31), date(2024, 2, 29)),
    ("1M", date(2026, 3, 31), date(2026, 4, 30)),
    ("-1M", date(2026, 3, 31), date(2026, 2, 28)),
    ("-1M", date(2026, 1, 15), date(2025, 12, 15)),
    ("12M", date(2026, 1, 15), date(2027, 1, 15)),
    ("13M", date(2026, 12, 1), date(2028, 1, 1)),
    ("-13M", date(2026, 1, 1), date(2024, 12, 1)),
    # Quarters are three months.
    ("1Q", date(2026, 1, 15), date(2026, 4, 15)),
    ("1Q", date(2026, 11, 30), date(2027, 2, 28)),
    ("-1Q", date(2026, 5, 31), date(2026, 2, 28)),
    # Years are twelve months.
    ("1Y", date(2026, 1, 15), date(2027, 1, 15)),
    ("1Y", date(2024, 2, 29), date(2025, 2, 28)),
    ("4Y", date(2024, 2, 29), date(2028, 2, 29)),
    ("-1Y", date(2024, 2, 29), date(2023, 2, 28)),
    # End of the current unit.
    ("CD", date(2026, 1, 15), date(2026, 1, 15)),
    ("CW", date(2026, 1, 12), date(2026, 1, 18)),  # Monday
    ("CW", date(2026, 1, 15), date(2026, 1, 18)),  # Thursday
    ("CW", date(2026, 1, 18), date(2026, 1, 18)),  # Sunday
    ("CW", date(2025, 12, 30), date(2026, 1, 4)),  # across the year end
    ("CM", date(2026, 1, 15), date(2026, 1, 31)),
    ("CM", date(2026, 2, 1), date(2026, 2, 28)),
    ("CM", date(2024, 2, 10), date(2024, 2, 29)),
    ("CM", date(2026, 4, 30), date(2026, 4, 30)),
    ("CQ", date(2026, 1, 1), date(2026, 3, 31)),
    ("CQ", date(2026, 5, 15), date(2026, 6, 30)),
    ("CQ", date(2026, 9, 30), date(2026, 9, 30)),
    ("CQ", date(2026, 10, 1), date(2026, 12, 31)),
    ("CY", date(2026, 1, 1), date(2026, 12, 31)),
    ("CY", date(2026, 12, 31), date(2026, 12, 31)),
    ("+CM", date(2026, 1, 15), date(2026, 1, 31)),
    # Start of the current unit.
    ("-CD", date(2026, 1, 15), date(2026, 1, 15)),
    ("-CW", date(2026, 1, 12), date(2026, 1, 12)),  # Monday
    ("-CW", date(2026, 1, 15), date(2026, 1, 12)),  # Thursday
    ("-CW", date(2026, 1, 18), date(2026, 1, 12)),  # Sunday
    ("-CW", date(2026, 1, 1), date(2025, 12, 29)),  # across the year start
    ("-CM", date(2026, 1, 31), date(2026, 1, 1)),
    ("-CM", date(2024, 2, 29), date(2024, 2, 1)),
    ("-CQ", date(2026, 3, 31), date(2026, 1, 1)),
    ("-CQ", date(2026, 6, 30), date(2026, 4, 1)),
    ("-CQ", date(2026, 8, 15), date(2026, 7, 1)),
    ("-CQ", date(2026, 12, 31), date(2026, 10, 1)),
    ("-CY", date(2026, 7, 4), date(2026, 1, 1)),
    # Combined terms, applied left to right.
    ("CM+1M", date(2026, 1, 15), date(2026, 2, 28)),
    ("CM+1M", date(2026, 3, 10), date(2026, 4, 30)),
    ("CM+1M", date(2026, 4, 10), date(2026, 5, 30)),
    ("1M+CM", date(2026, 1, 31), date(2026, 2, 28)),
    ("-1M+CM", date(2026, 3, 31), date(2026, 2, 28)),
    ("-1M+CM", date(2024, 3, 15), date(2024, 2, 29)),
    ("1W-1D", date(2026, 1, 15), date(2026, 1, 21)),
    ("CQ+1D", date(2026, 2, 10), date(2026, 4, 1)),
    ("CQ+1D", date(2026, 12, 1), date(2027, 1, 1)),
    ("-CM-1D", date(2026, 3, 15), date(2026, 2, 28)),
    ("-CY+1Y-1D", date(2026, 6, 1), date(2026, 12, 31)),
    ("CW+1D", date(2026, 1, 15), date(2026, 1, 19)),
    ("-CW+1W+4D", date(2026, 1, 15), date(2026, 1, 23)),
    ("1Y+CQ", date(2026, 2, 1), date(2027, 3, 31)),
    ("CM+1M+CM", date(2026, 1, 15), date(2026, 2, 28)),
    # Case, spaces and NAV brackets are ignored.
    ("cm+1m", date(2026, 1, 15), date(2026, 2, 28)),
    (" cm + 1m ", date(2026, 1, 15), date(2026, 2, 28)),
    ("<CM+1M>", date(2026, 1, 15), date(2026, 2, 28)),
    (" < 2w > ", date(2026, 1, 15), date(2026, 1, 29)),
    ("- c w", date(2026, 1, 15), date(2026, 1, 12)),
    ("1 0 D", date(2026, 1, 15), date(2026, 1, 25)),
    ("007D", date(2026, 1, 15), date(2026, 1, 22)),
]


@pytest.mark.parametrize(("formula", "start", "expected"), APPLY_CASES)
def test_apply(formula: str, start: date, expected: date) -> None:
    assert apply(formula, start) == expected


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("", ()),
        ("1D", (Term("add", 1, "D"),)),
        ("-2W", (Term("add", -2, "W"),)),
        ("CM", (Term("end", 0, "M"),)),
        ("+CQ", (Term("end", 0, "Q"),)),
        ("-CY", (Term("start", 0, "Y"),)),
        ("cm+1m", (Term("end", 0, "M"), Term("add", 1, "M"))),
        ("<1W-1D>", (Term("add", 1, "W"), Term("add", -1, "D"))),
    ],
)
def test_parse(formula: str, expected: tuple[Term, ...]) -> None:
    assert parse(formula) == expected


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("", ""),
        ("  ", ""),
        (" cm + 1m ", "CM+1M"),
        ("<cm+1m>", "CM+1M"),
        ("+1M", "1M"),
        ("+cm", "CM"),
        ("-cw", "-CW"),
        ("2w", "2W"),
        ("007d", "7D"),
        ("-0D", "0D"),
        ("-1m + cm", "-1M+CM"),
        ("1W -1D", "1W-1D"),
        ("-CM+CQ-1D", "-CM+CQ-1D"),
    ],
)
def test_normalize(formula: str, expected: str) -> None:
    assert normalize(formula) == expected


@pytest.mark.parametrize(
    "formula",
    ["1D", "CM+1M", "<-CW>", " cq + 1d ", "", "9999Y"],
)
def test_validate_accepts(formula: str) -> None:
    assert validate_date_formula(formula) is None


INVALID = [
    "1X",
    "M",
    "D",
    "+",
    "-",
    "1",
    "1M+",
    "+1M-",
    "CC",
    "C",
    "-C",
    "CX",
    "C1M",
    "1CM",
    "1.5D",
    "1,5D",
    "99999D",
    "10000M",
    "abc",
    "1M1D",
    "CMCM",
    "1M++1D",
    "+-1D",
    "<1M",
    "1M>",
    "<<1M>>",
    "1M<>",
    "1D;",
    "١D",  # Arabic-Indic digit one
    "1½D",
]


@pytest.mark.parametrize("formula", INVALID)
@pytest.mark.parametrize("function", [parse, normalize, validate_date_formula])
def test_invalid_formula(function, formula: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        function(formula)
    assert excinfo.value.code == "invalid_date_formula"


@pytest.mark.parametrize("formula", INVALID)
def test_apply_invalid_formula(formula: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        apply(formula, date(2026, 1, 15))
    assert excinfo.value.code == "invalid_date_formula"


@pytest.mark.parametrize(
    ("formula", "start"),
    [
        ("9999Y", date(9000, 1, 1)),
        ("1D", date(9999, 12, 31)),
        ("CW", date(9999, 12, 31)),  # a Friday; its Sunday is in year 10000
        ("1M", date(9999, 12, 1)),
        ("-1D", date(1, 1, 1)),
        ("-1Y", date(1, 6, 1)),
        ("9999Y", date(1, 1, 1)),
    ],
)
def test_apply_out_of_range(formula: str, start: date) -> None:
    with pytest.raises(ValidationError) as excinfo:
        apply(formula, start)
    assert excinfo.value.code == "invalid_date_formula"


@pytest.mark.parametrize(
    ("formula", "start", "expected"),
    [
        ("CY", date(9999, 1, 1), date(9999, 12, 31)),
        ("-CW", date(1, 1, 1), date(1, 1, 1)),  # 0001-01-01 is a Monday
        ("CW", date(9999, 12, 26), date(9999, 12, 26)),  # a Sunday
        ("9998Y", date(1, 1, 1), date(9999, 1, 1)),
        ("-9998Y", date(9999, 12, 31), date(1, 12, 31)),
    ],
)
def test_apply_at_range_limits(formula: str, start: date, expected: date) -> None:
    assert apply(formula, start) == expected


@pytest.fixture
def english():
    """Messages are lazy; rendering them needs settings, which plain runs lack."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=False)
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        (
            "1X",
            "'1X' is not a valid date formula: use terms like 1D, 2W, CM, -1M, "
            "CM+1M (units D, W, M, Q, Y).",
        ),
        (
            " 99999D ",
            "'99999D' is not a valid date formula: a number may be at most 9999.",
        ),
    ],
)
def test_invalid_message(english, formula: str, expected: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        parse(formula)
    assert excinfo.value.messages == [expected]


def test_out_of_range_message(english) -> None:
    with pytest.raises(ValidationError) as excinfo:
        apply("9999Y", date(9000, 1, 1))
    assert excinfo.value.messages == [
        "'9999Y' applied to 9000-01-01 gives a date outside the supported range "
        "(years 1 to 9999)."
    ]
