"""Reads of contacts: the search the contact picker and the list use."""

from django.db.models import (
    Case,
    IntegerField,
    Q,
    Value,
    When,
)

from contacts.models import Contact, ContactType

SEARCH_LIMIT = 20


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
