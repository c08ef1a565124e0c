"""Amounts as the reader writes them: ``1 234,50 €`` (fi) or ``€1,234.50`` (en).

Every amount is in one currency, ``settings.CRM_CURRENCY`` (an ISO 4217 code).
Babel (CLDR) says how each language writes it; a list page shows hundreds of
amounts, so its answer is taken once per language and currency and applied
with Python's own number formatting.
"""

import functools
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import format_currency
from django.conf import settings
from django.utils.translation import get_language, to_locale

# Babel's rendering of a sample amount: the sign and currency around it, the
# group and decimal separators, and how many decimals the currency has.
SAMPLE = Decimal("1234567")
SHAPE = re.compile(
    r"^(?P<before>\D*)1(?P<group>\D*)234\D*567(?:(?P<point>\D+)(?P<decimals>\d+))?(?P<after>\D*)$"
)


@dataclass(frozen=True)
class MoneyFormat:
    positive: tuple[str, str]  # what comes before and after the digits
    negative: tuple[str, str]
    group: str
    point: str
    decimals: int

    def __call__(self, value: Decimal | int | float) -> str:
        if not isinstance(value, Decimal):
            value = Decimal(str(value))  # as Babel reads a float: 2.675, not 2.67499…
        value = value.quantize(Decimal(1).scaleb(-self.decimals), ROUND_HALF_EVEN)
        digits = f"{abs(value):,.{self.decimals}f}"
        digits = digits.translate({ord(","): self.group, ord("."): self.point})
        before, after = self.negative if value.is_signed() else self.positive
        return f"{before}{digits}{after}"


@functools.cache
def money_format(locale: str, currency: str) -> MoneyFormat:
    """How ``locale`` writes amounts in ``currency``, as Babel renders them."""
    shapes = []
    for sample in (SAMPLE, -SAMPLE):
        match = SHAPE.match(format_currency(sample, currency, locale=locale))
        if match is None:  # a script without Western digits: not met here
            raise ValueError(f"Cannot read the money format of {locale}")
        shapes.append(match)
    positive, negative = shapes
    return MoneyFormat(
        positive=(positive["before"], positive["after"]),
        negative=(negative["before"], negative["after"]),
        group=positive["group"],
        point=positive["point"] or "",
        decimals=len(positive["decimals"] or ""),
    )


def format_money(value: Decimal | int | float | None) -> str:
    """``value`` in the company's currency and the active language; "" for None."""
    if value is None or value == "":
        return ""
    locale = to_locale(get_language() or settings.LANGUAGE_CODE)
    return money_format(locale, settings.CRM_CURRENCY)(value)
