"""The one text match of the project: case and accents ignored.

"hameen" finds "Hämeen", "ÅBO" finds "åbo". Every search uses it: the menu
bar's search, the lists' search boxes and the contact picker.

Both sides are *folded* by the database, so that a column and what was typed
are folded alike: lower case, accents taken off. On PostgreSQL the folding is
the SQL function ``crm_fold`` (``unaccent`` and ``lower``, declared immutable
so that it can be indexed; crm migration 0003 creates it, with trigram indexes
on the searched columns, which serve ``LIKE '%...%'``). On SQLite the same
name is a Python function registered on every connection.
"""

import unicodedata

from django.db.backends.signals import connection_created
from django.db.models import Case, Func, IntegerField, Q, TextField, Value, When
from django.db.models.lookups import Contains, StartsWith
from django.dispatch import receiver


def fold(text: str) -> str:
    """``text`` in lower case without accents (SQLite's ``crm_fold``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


class Folded(Func):
    """A column's text folded in SQL (see ``fold``)."""

    function = "crm_fold"
    output_field = TextField()


def _sqlite_fold(text):
    return None if text is None else fold(text)


@receiver(connection_created)
def _register_fold(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "crm_fold", 1, _sqlite_fold, deterministic=True
        )


# Fewer characters than a trigram match nothing but a whole number: the
# indexes cannot serve a shorter substring, and it would match most rows.
SHORTEST = 3


def is_short(query: str) -> bool:
    """Whether ``query`` is too short to be looked for inside the text."""
    return len(query.strip()) < SHORTEST


def _typed(query: str) -> Folded:
    return Folded(Value(query.strip()))


def text_match(query: str, fields: tuple[str, ...], *, number: str) -> Q:
    """Rows in which any of ``fields`` contains ``query``, case and accents
    ignored, or whose ``number`` is the query. A query shorter than
    ``SHORTEST`` characters only finds a number; an empty one every row."""
    query = query.strip()
    if not query:
        return Q()
    exact = _exact_number(query, number)
    if is_short(query):
        return exact
    condition = exact
    for field in fields:
        condition |= Q(Contains(Folded(field), _typed(query)))
    return condition


def text_prefix(query: str, fields: tuple[str, ...]) -> Q:
    """Rows in which any of ``fields`` starts with ``query`` (folded)."""
    condition = Q()
    for field in fields:
        condition |= Q(StartsWith(Folded(field), _typed(query)))
    return condition


def _exact_number(query: str, number: str) -> Q:
    # Numbers are upper case; what was typed may not be. The unique index on
    # the number serves both.
    query = query.strip()
    return Q(**{f"{number}__in": sorted({query, query.upper()})})


def ranked(
    queryset,
    query: str,
    *,
    number: str,
    prefixed: tuple[str, ...],
    then: tuple[str, ...] = (),
):
    """``queryset`` best match first: the exact number, then (if ``prefixed``
    names fields) those starting with the query, then the rest; each group in
    the order of ``then`` (by default ``prefixed`` and the number)."""
    when = [When(_exact_number(query, number), then=Value(0))]
    if prefixed:
        when.append(When(text_prefix(query, prefixed), then=Value(1)))
    return queryset.alias(
        search_rank=Case(*when, default=Value(2), output_field=IntegerField())
    ).order_by("search_rank", *(then or (*prefixed, number)))
