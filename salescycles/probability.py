"""Probability of an opportunity, and its current value, as NAV calculates them.

A sales cycle's method combines a stage's chances of success % (C) and
completed % (K), both 0 to 100, into a probability %. All arithmetic is Decimal
so that amounts round the same way every time.
"""

import functools
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


class Method(models.TextChoices):
    MULTIPLY = "multiply", _("Multiply")
    ADD = "add", _("Add")
    CHANCES = "chances", _("Chances of Success %")
    COMPLETED = "completed", _("Completed %")


def money(value: Decimal | int | str) -> Decimal:
    """Return ``value`` rounded to cents, halves away from zero."""
    # A float would already carry binary rounding error (2.675 -> 2.67).
    if isinstance(value, float):
        raise TypeError("money() takes Decimal, int or str, not float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def probability(method: str, chances: Decimal, completed: Decimal) -> Decimal:
    """Return the probability % for ``method``, rounded to 2 decimals half up.

    This is the % an entry stores; the current value is computed from
    ``exact_probability`` so that it is rounded once.
    """
    return money(exact_probability(method, chances, completed))


# Cached: an import asks for the same few stages' figures on every line.
@functools.lru_cache(maxsize=4096)
def exact_probability(method: str, chances: Decimal, completed: Decimal) -> Decimal:
    """Return the probability % for ``method``, not rounded.

    multiply: C x K / 100; add: (C + K) / 2 (NAV's name, the value is the mean);
    chances: C; completed: K. Raises ValueError for an unknown method.
    """
    if method == Method.MULTIPLY:
        result = chances * completed / HUNDRED
    elif method == Method.ADD:
        result = (chances + completed) / 2
    elif method == Method.CHANCES:
        result = chances
    elif method == Method.COMPLETED:
        result = completed
    else:
        raise ValueError(f"Unknown probability method: {method!r}")
    return Decimal(result)


def current_value(estimated_value: Decimal, probability_pct: Decimal) -> Decimal:
    """Return estimated value x probability % / 100, rounded to cents half up.

    Give it the unrounded probability (``exact_probability``): rounding the %
    first would round twice (12.5 % x 35 % of 100,000 is 4,375.00, not 4,380.00).
    """
    return money(estimated_value * probability_pct / HUNDRED)
