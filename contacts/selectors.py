"""Reads of contacts: the search the contact picker and the list use."""

from contacts.models import Contact, ContactType

SEARCH_LIMIT = 20


def contact_search(
    *, query: str, type: str | None = None, limit: int = SEARCH_LIMIT
) -> list[Contact]:
    """Contacts matching ``query`` as every search matches (number, name,
    e-mail, phones; case and accents ignored): the exact number first, then
    numbers and names that start with it, then the rest; ties by name."""
    if not query.strip():
        return []
    contacts = Contact.objects.search(query).select_related("company")
    if type in ContactType.values:
        contacts = contacts.filter(type=type)
    return list(contacts[:limit])


def contact_label(contact: Contact) -> str:
    """ "CT000001 Name (Company)": how a picker shows a contact."""
    label = f"{contact.number} {contact.name}"
    if contact.company_id:
        label += f" ({contact.company.name})"
    return label
