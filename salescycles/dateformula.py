"""Date formulas in the manner of Dynamics NAV, such as ``2W``, ``CM`` or ``CM+1M``.

A formula is one or more terms applied left to right to a start date. A term is
``[+|-]<n><unit>`` (move by n units) or ``[+|-]C<unit>`` (``C`` or ``+C`` is the
end of the current unit, ``-C`` its start). Units are D (day), W (ISO week,
Monday to Sunday), M (month), Q (calendar quarter) and Y (year). Case, spaces
and surrounding NAV angle brackets (``<CM+1M>``) are ignored.
"""

import calendar
import datetime
import functools
import re
from dataclasses import dataclass
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

Kind = Literal["add", "end", "start"]

MAX_AMOUNT = 9999
INVALID_CODE = "invalid_date_formula"

# The sign is optional here; parse() insists on it for every term but the first.
_TERM = re.compile(r"([+-]?)(?:(C)|([0-9]+))([DWMQY])")
_MONTHS_PER_UNIT = {"M": 1, "Q": 3, "Y": 12}


@dataclass(frozen=True)
class Term:
    """One step of a formula.

    ``add`` moves by a signed ``amount`` of units; ``end`` and ``start`` (whose
    amount is 0) go to the end or start of the current unit.
    """

    kind: Kind
    amount: int
    unit: str


def _clean(formula: str) -> str:
    text = "".join(formula.split()).upper()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    return text


def _invalid(formula: str) -> ValidationError:
    return ValidationError(
        _(
            "'%(formula)s' is not a valid date formula: use terms like 1D, 2W, "
            "CM, -1M, CM+1M (units D, W, M, Q, Y)."
        ),
        code=INVALID_CODE,
        params={"formula": formula.strip()},
    )


@functools.lru_cache(maxsize=1024)
def parse(formula: str) -> tuple[Term, ...]:
    """Split a formula into its terms; an empty formula has none.

    Cached: a cycle has a handful of formulas and an import applies them to
    every row.

    Raises ValidationError (code ``invalid_date_formula``) if the formula is
    not valid or a number exceeds MAX_AMOUNT.
    """
    text = _clean(formula)
    terms: list[Term] = []
    pos = 0
    while pos < len(text):
        match = _TERM.match(text, pos)
        # Without a sign "1M1D" would be ambiguous to read, so NAV's "+" is required.
        if match is None or (terms and not match.group(1)):
            raise _invalid(formula)
        sign, current, number, unit = match.groups()
        if current:
            terms.append(Term("start" if sign == "-" else "end", 0, unit))
        else:
            amount = int(number)
            if amount > MAX_AMOUNT:
                raise ValidationError(
                    _(
                        "'%(formula)s' is not a valid date formula: a number may "
                        "be at most %(max)s."
                    ),
                    code=INVALID_CODE,
                    params={"formula": formula.strip(), "max": MAX_AMOUNT},
                )
            terms.append(Term("add", -amount if sign == "-" else amount, unit))
        pos = match.end()
    return tuple(terms)


def _render(term: Term, first: bool) -> str:
    if term.kind == "start":
        return f"-C{term.unit}"
    sign = "" if first else "+"
    if term.kind == "end":
        return f"{sign}C{term.unit}"
    if term.amount < 0:
        sign = "-"
    return f"{sign}{abs(term.amount)}{term.unit}"


def normalize(formula: str) -> str:
    """Return the canonical text of a formula, e.g. ``" cm + 1m "`` -> ``"CM+1M"``.

    Redundant plus signs and leading zeros are dropped. Raises ValidationError
    like parse().
    """
    return "".join(
        _render(term, first=index == 0) for index, term in enumerate(parse(formula))
    )


def _add_months(day: datetime.date, months: int) -> datetime.date:
    # Clamping to the month's last day is NAV's behaviour: Jan 31 + 1M = Feb 28.
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        raise OverflowError("date out of range")
    last = calendar.monthrange(year, month0 + 1)[1]
    return datetime.date(year, month0 + 1, min(day.day, last))


def _quarter_first_month(day: datetime.date) -> int:
    return (day.month - 1) // 3 * 3 + 1


def _end(day: datetime.date, unit: str) -> datetime.date:
    if unit == "D":
        return day
    if unit == "W":
        return day + datetime.timedelta(days=6 - day.weekday())
    if unit == "M":
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if unit == "Q":
        month = _quarter_first_month(day) + 2
        return datetime.date(day.year, month, calendar.monthrange(day.year, month)[1])
    return datetime.date(day.year, 12, 31)


def _start(day: datetime.date, unit: str) -> datetime.date:
    if unit == "D":
        return day
    if unit == "W":
        return day - datetime.timedelta(days=day.weekday())
    if unit == "M":
        return day.replace(day=1)
    if unit == "Q":
        return datetime.date(day.year, _quarter_first_month(day), 1)
    return datetime.date(day.year, 1, 1)


def _step(day: datetime.date, term: Term) -> datetime.date:
    if term.kind == "end":
        return _end(day, term.unit)
    if term.kind == "start":
        return _start(day, term.unit)
    if term.unit == "D":
        return day + datetime.timedelta(days=term.amount)
    if term.unit == "W":
        return day + datetime.timedelta(weeks=term.amount)
    return _add_months(day, term.amount * _MONTHS_PER_UNIT[term.unit])


# Cached: an import applies the same few formulas to the same few dates.
@functools.lru_cache(maxsize=4096)
def apply(formula: str, start: datetime.date) -> datetime.date:
    """Return the date the formula gives from ``start``; empty means ``start``.

    Raises ValidationError (code ``invalid_date_formula``) if the formula is
    invalid or the result falls outside the years 1 to 9999.
    """
    day = start
    for term in parse(formula):
        try:
            day = _step(day, term)
        except (OverflowError, ValueError) as exc:
            raise ValidationError(
                _(
                    "'%(formula)s' applied to %(start)s gives a date outside the "
                    "supported range (years 1 to 9999)."
                ),
                code=INVALID_CODE,
                params={"formula": formula.strip(), "start": start.isoformat()},
            ) from exc
    return day


def validate_date_formula(value: str) -> None:
    """Django field validator: raise ValidationError unless value is a formula."""
    parse(value)
