"""Amounts as the reader writes them: ``1 234,50 €`` (fi) or ``€1,234.50`` (en).

Every amount is in one currency, ``settings.CRM_CURRENCY`` (an ISO 4217 code).
"""

from decimal import Decimal

from babel.numbers import format_currency
from django.conf import settings
from django.utils.translation import get_language, to_locale


def format_money(value: Decimal | int | float | None) -> str:
    """``value`` in the company's currency and the active language; "" for None."""
    if value is None or value == "":
        return ""
    locale = to_locale(get_language() or settings.LANGUAGE_CODE)
    return format_currency(value, settings.CRM_CURRENCY, locale=locale)
