"""Tests for the probability calculation and current value."""

from decimal import Decimal

import pytest

from salescycles.probability import (
    CENT,
    Method,
    current_value,
    exact_probability,
    money,
    probability,
)

D = Decimal


def test_method_values() -> None:
    assert Method.values == ["multiply", "add", "chances", "completed"]


# The worked example: C = 60, K = 25 on an opportunity estimated at 10,000.
@pytest.mark.parametrize(
    ("method", "expected_probability", "expected_value"),
    [
        (Method.MULTIPLY, D("15.00"), D("1500.00")),
        (Method.ADD, D("42.50"), D("4250.00")),
        (Method.CHANCES, D("60.00"), D("6000.00")),
        (Method.COMPLETED, D("25.00"), D("2500.00")),
        ("multiply", D("15.00"), D("1500.00")),
        ("add", D("42.50"), D("4250.00")),
        ("chances", D("60.00"), D("6000.00")),
        ("completed", D("25.00"), D("2500.00")),
    ],
)
def test_worked_example(
    method: str, expected_probability: Decimal, expected_value: Decimal
) -> None:
    pct = probability(method, D("60"), D("25"))
    value = current_value(D("10000"), pct)
    assert pct == expected_probability
    assert str(pct) == str(expected_probability)
    assert value == expected_value
    assert str(value) == str(expected_value)


@pytest.mark.parametrize(
    ("method", "chances", "completed", "expected"),
    [
        # Rounding to two decimals.
        (Method.MULTIPLY, D("33.33"), D("33.33"), D("11.11")),  # 11.108889
        (Method.MULTIPLY, D("66.67"), D("66.67"), D("44.45")),  # 44.448889
        (Method.MULTIPLY, D("12.34"), D("56.78"), D("7.01")),  # 7.006652
        (Method.ADD, D("33.33"), D("33.34"), D("33.34")),  # 33.335
        (Method.ADD, D("0.01"), D("0"), D("0.01")),  # 0.005 rounds half up
        (Method.ADD, D("0.03"), D("0"), D("0.02")),  # 0.015
        (Method.ADD, D("0.05"), D("0"), D("0.03")),  # 0.025, not 0.02 (half even)
        (Method.MULTIPLY, D("50.01"), D("50"), D("25.01")),  # 25.005
        (Method.MULTIPLY, D("50.03"), D("50"), D("25.02")),  # 25.015
        (Method.MULTIPLY, D("0.01"), D("0.01"), D("0.00")),  # 0.000001
        (Method.CHANCES, D("12.345"), D("0"), D("12.35")),
        (Method.COMPLETED, D("0"), D("12.344"), D("12.34")),
        # Boundaries.
        (Method.MULTIPLY, D("0"), D("0"), D("0.00")),
        (Method.MULTIPLY, D("100"), D("0"), D("0.00")),
        (Method.MULTIPLY, D("0"), D("100"), D("0.00")),
        (Method.MULTIPLY, D("100"), D("100"), D("100.00")),
        (Method.ADD, D("0"), D("0"), D("0.00")),
        (Method.ADD, D("100"), D("0"), D("50.00")),
        (Method.ADD, D("100"), D("100"), D("100.00")),
        (Method.CHANCES, D("0"), D("100"), D("0.00")),
        (Method.CHANCES, D("100"), D("0"), D("100.00")),
        (Method.COMPLETED, D("100"), D("0"), D("0.00")),
        (Method.COMPLETED, D("0"), D("100"), D("100.00")),
        # Integers are accepted as exact values too.
        (Method.MULTIPLY, 60, 25, D("15.00")),
    ],
)
def test_probability(
    method: str, chances: Decimal, completed: Decimal, expected: Decimal
) -> None:
    result = probability(method, chances, completed)
    assert result == expected
    assert result.as_tuple().exponent == -2


# Round once: the current value comes from the unrounded probability; the
# stored % is rounded on its own. C = 12.5 and K = 35 on 100,000: multiply
# gives 4.375 %, stored as 4.38, and a current value of 4,375.00 (4,380.00
# if the rounded % were used). Add and the single-factor methods of 2-decimal
# inputs round only when the mean has a third decimal.
@pytest.mark.parametrize(
    ("method", "chances", "completed", "stored_pct", "expected_value"),
    [
        (Method.MULTIPLY, D("12.5"), D("35"), D("4.38"), D("4375.00")),
        (Method.MULTIPLY, D("33.33"), D("33.33"), D("11.11"), D("11108.89")),
        (Method.ADD, D("33.33"), D("33.34"), D("33.34"), D("33335.00")),
        (Method.ADD, D("12.5"), D("35"), D("23.75"), D("23750.00")),
        (Method.CHANCES, D("12.5"), D("35"), D("12.50"), D("12500.00")),
        (Method.COMPLETED, D("12.5"), D("35"), D("35.00"), D("35000.00")),
    ],
)
def test_current_value_is_rounded_once_from_the_unrounded_probability(
    method, chances, completed, stored_pct, expected_value
) -> None:
    exact = exact_probability(method, chances, completed)

    assert probability(method, chances, completed) == stored_pct
    assert current_value(D("100000"), exact) == expected_value


@pytest.mark.parametrize("method", ["", "MULTIPLY", "mean", "average", None])
def test_unknown_method(method: str) -> None:
    with pytest.raises(ValueError, match="Unknown probability method"):
        probability(method, D("60"), D("25"))
    with pytest.raises(ValueError, match="Unknown probability method"):
        exact_probability(method, D("60"), D("25"))


@pytest.mark.parametrize(
    ("estimated", "pct", "expected"),
    [
        (D("10000"), D("15"), D("1500.00")),
        (D("0"), D("50"), D("0.00")),
        (D("10000"), D("0"), D("0.00")),
        (D("10000"), D("100"), D("10000.00")),
        (D("1234.56"), D("100.00"), D("1234.56")),
        (D("0.10"), D("5"), D("0.01")),  # 0.005 rounds half up
        (D("0.30"), D("5"), D("0.02")),  # 0.015
        (D("0.50"), D("5"), D("0.03")),  # 0.025, not 0.02 (half even)
        (D("999.99"), D("33.33"), D("333.30")),  # 333.296667
        (D("100"), D("11.11"), D("11.11")),
        (D("1"), D("0.01"), D("0.00")),
        (D("-10000"), D("15"), D("-1500.00")),  # credit: halves away from zero
        (D("-0.10"), D("5"), D("-0.01")),
    ],
)
def test_current_value(estimated: Decimal, pct: Decimal, expected: Decimal) -> None:
    result = current_value(estimated, pct)
    assert result == expected
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("2.675"), D("2.68")),  # a float 2.675 would round to 2.67
        (D("2.665"), D("2.67")),
        (D("2.664999"), D("2.66")),
        (D("-2.675"), D("-2.68")),
        (D("0"), D("0.00")),
        (D("1E+3"), D("1000.00")),
        (7, D("7.00")),
        ("0.005", D("0.01")),
        ("1234567890.125", D("1234567890.13")),
    ],
)
def test_money(value: Decimal | int | str, expected: Decimal) -> None:
    result = money(value)
    assert result == expected
    assert result.as_tuple().exponent == CENT.as_tuple().exponent


def test_money_rejects_float() -> None:
    with pytest.raises(TypeError):
        money(2.675)
