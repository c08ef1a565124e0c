"""Reads of contacts and salespeople, and the opportunity figures shown with them."""

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from contacts.models import Contact, ContactType, Salesperson

SEARCH_LIMIT = 20


def opportunity_figures(opportunities: QuerySet) -> dict[str, dict]:
    """Count, sums and averages of estimated and current value, open / won / lost.

    One query: an aggregate with a filtered Count, Sum and Avg per group.
    """
    # Imported here: opportunities depend on contacts, not the other way round.
    from opportunities import statistics

    return statistics.nest_split(
        opportunities.order_by().aggregate(**statistics.split_aggregates())
    )


def open_figures_by_salesperson(opportunities: QuerySet) -> dict[int, dict]:
    """Open count, estimated and current value per salesperson pk (one query)."""
    rows = (
        opportunities.open()
        .order_by()
        .values("salesperson_id")
        .annotate(
            count=Count("pk"),
            estimated_value=Sum("estimated_value"),
            current_value=Sum("current_value"),
        )
    )
    return {row.pop("salesperson_id"): row for row in rows}


def figures_visible(user, salesperson: Salesperson) -> bool:
    """Whether ``user`` may see ``salesperson``'s opportunities (as ``for_user``)."""
    return user.has_perm("opportunities.view_all_opportunities") or (
        salesperson.user_id is not None and salesperson.user_id == user.pk
    )


def contact_search(
    *, query: str, type: str | None = None, limit: int = SEARCH_LIMIT
) -> list[Contact]:
    """Contacts matching ``query``: exact number, then prefixes, then the rest.

    Prefix matches on number and name come first (what people type), a match
    anywhere in the name after them; ties sort by name.
    """
    query = query.strip()
    if not query:
        return []
    contacts = Contact.objects.select_related("company")
    if type in ContactType.values:
        contacts = contacts.filter(type=type)
    prefix = Q(number__istartswith=query) | Q(name__istartswith=query)
    return list(
        contacts.filter(prefix | Q(name__icontains=query))
        .annotate(
            rank=Case(
                When(number__iexact=query, then=Value(0)),
                When(prefix, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "name", "number")[:limit]
    )


def contact_label(contact: Contact) -> str:
    """ "CT000001 Name (Company)": how a picker shows a contact."""
    label = f"{contact.number} {contact.name}"
    if contact.company_id:
        label += f" ({contact.company.name})"
    return label
