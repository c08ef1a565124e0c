"""Search everywhere: opportunities, contacts and salespeople by what a
person types (number, name, description, e-mail, phone), case and accents
ignored (``crm.textsearch``), best match first.

The menu bar's search, the opportunity list's search box and the contact
picker all match the same way.
"""

from dataclasses import dataclass

from contacts.models import Contact, Salesperson
from crm.textsearch import is_short, ranked, text_match
from opportunities.models import Opportunity, OpportunityQuerySet

# The rows each section of the search page shows.
SECTION_ROWS = 10


def opportunity_matching(
    opportunities: OpportunityQuerySet, query: str
) -> OpportunityQuerySet:
    """The opportunities whose number or description contains ``query``, or
    whose contact or contact company matches it (``Contact.objects.matching``).

    Each of the four is its own indexed query and the ids are their union: an
    OR across them would read the whole table.
    """
    if not query.strip():
        return opportunities
    every = Opportunity.objects.order_by()
    parts = [every.filter(text_match(query, ("description",), number="number"))]
    if not is_short(query):
        contacts = Contact.objects.matching(query).order_by().values("pk")
        parts += [
            every.filter(contact__in=contacts),
            every.filter(contact_company__in=contacts),
        ]
    ids = [part.values("pk") for part in parts]
    return opportunities.filter(pk__in=ids[0].union(*ids[1:]))


@dataclass
class Section:
    """One kind of result: its first rows and whether more match."""

    rows: list
    more: bool


def _section(queryset, limit: int) -> Section:
    """The first ``limit`` rows, and whether there are more (one query)."""
    rows = list(queryset[: limit + 1])
    return Section(rows=rows[:limit], more=len(rows) > limit)


def search_everything(user, query: str, *, limit: int = SECTION_ROWS) -> dict:
    """What ``user`` may see that matches ``query``: three queries, whatever
    the data."""

    def newest_first(opportunities):
        # Not by the description: folding every matching row's to rank it
        # doubles the time of a query that matches most of them.
        return ranked(
            opportunities, query, number="number", prefixed=(), then=("-number",)
        )

    matching = opportunity_matching(Opportunity.objects.for_user(user), query)
    # The first rows' ids first, then their related rows: a query that
    # matches most opportunities joins only the rows shown.
    shown = newest_first(matching).values("pk")[: limit + 1]
    opportunities = newest_first(Opportunity.objects.filter(pk__in=shown).for_list())
    return {
        "opportunities": _section(opportunities, limit),
        "contacts": _section(
            Contact.objects.search(query).select_related("company"), limit
        ),
        "salespeople": _section(Salesperson.objects.search(query), limit),
    }
