"""What a number or code may contain, and the URL converter that carries one.

One rule for every number and code a page's address carries (contacts,
opportunities, tasks, quotes, salespeople, sales cycles): NAV's Code fields,
so letters, digits, ``-``, ``.``, ``_`` and ``/`` (``IMP/1001``). Each part
between slashes starts with a digit or a letter other than a lowercase a–z:
that keeps ``.`` and ``..`` (which browsers fold away), empty parts and
leading or trailing slashes out, and no number can end like an action of a
page (``/edit/``, ``/close/``: lowercase words), so ``/opportunities/A/1/edit/``
is the edit page of ``A/1``. The length is each field's own ``max_length``.
"""

import re

from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

_PART = r"[^\W_a-z][\w.-]*"
NUMBER_REGEX = rf"{_PART}(?:/{_PART})*"
_NUMBER = re.compile(NUMBER_REGEX)


def is_number(value: str) -> bool:
    """Whether ``value`` is a number or code the rule allows."""
    return _NUMBER.fullmatch(value) is not None


def validate_number(value: str) -> None:
    """The model fields' validator (hence forms, the admin and the importers)."""
    if not is_number(value):
        raise ValidationError(
            _(
                "Use letters, digits and - . _ /; each part between slashes "
                "starts with a capital letter or a digit (like CT000001 or IMP/1001)."
            ),
            code="invalid_number",
        )


def validate_prefix(value: str) -> None:
    """A number series' prefix: the numbers it makes must follow the rule."""
    validate_number(f"{value}0")


class NumberConverter:
    """``<number:...>`` in URL patterns: exactly the numbers the rule allows."""

    regex = NUMBER_REGEX

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        if not is_number(str(value)):
            raise ValueError(value)
        return str(value)


def number_url(viewname: str, *args) -> str:
    """``reverse()`` for an address that carries numbers; "" (a link to the
    page itself) for a number saved before the rule that the rule refuses, so
    its row still shows on every page instead of making it a server error."""
    try:
        return reverse(viewname, args=args)
    except NoReverseMatch:
        if any(isinstance(arg, str) and not is_number(arg) for arg in args):
            return ""
        raise
