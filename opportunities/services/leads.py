"""An incoming lead (a web form, a marketing tool, the ERP) taken as a
not-started opportunity of a known or new contact."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from contacts.duplicates import name_key, possible_duplicates
from contacts.models import Contact, ContactType, Salesperson
from contacts.services import contact_create
from opportunities.models import Opportunity
from opportunities.services.editing import opportunity_create
from salescycles.models import SalesCycle


def lead_contact(*, user, name: str, email: str, phone: str, company: str):
    """The person the lead is from: found by e-mail, else by name within the
    company (found by name, as ``contacts.duplicates`` compares names); made
    (with the company) when neither is known.
    Returns the contact and whether it was made."""
    if email:
        known = (
            Contact.objects.filter(email__iexact=email)
            .select_related("company__salesperson", "salesperson")
            .order_by("type", "number")  # a company's own address after persons'
            .first()
        )
        if known is not None:
            return known, False
    firm = None
    if company:
        # Names compare as the duplicate check compares them (case, accents
        # and company forms aside: "Virtanen Oy" is "VIRTANEN").
        firm = next(
            (
                found
                for found in possible_duplicates(name=company)
                if found.type == ContactType.COMPANY
            ),
            None,
        )
        if firm is not None:
            key = name_key(name)
            person = next(
                (
                    found
                    for found in firm.persons.select_related(
                        "company__salesperson", "salesperson"
                    ).order_by("number")
                    if name_key(found.name) == key
                ),
                None,
            )
            if person is not None:
                return person, False
        else:
            firm = contact_create(user=user, type=ContactType.COMPANY, name=company)
    person = contact_create(
        user=user,
        type=ContactType.PERSON,
        name=name,
        email=email,
        phone=phone,
        company=firm,
        salesperson=firm.salesperson if firm else None,
    )
    return person, True


def lead_salesperson(contact: Contact) -> Salesperson:
    """The salesperson the company's contact card names, else the person's,
    else ``CRM_LEAD_SALESPERSON``."""
    company = contact.company if contact.type == ContactType.PERSON else contact
    for named in (company.salesperson if company else None, contact.salesperson):
        if named is not None and not named.blocked:
            return named
    code = getattr(settings, "CRM_LEAD_SALESPERSON", "")
    fallback = Salesperson.objects.filter(code=code, blocked=False).first()
    if fallback is None:
        raise ValidationError(
            _(
                "No salesperson for this lead: the company names none and "
                "CRM_LEAD_SALESPERSON is not set to a salesperson's code."
            ),
            code="no_lead_salesperson",
        )
    return fallback


def lead_take(
    *, user, name: str, email: str, phone: str, company: str, description: str
) -> tuple[Opportunity, bool]:
    """A not-started opportunity in the default sales cycle for the lead's
    contact. Returns it and whether the contact was made for it."""
    cycle = SalesCycle.objects.default()
    if cycle is None:
        raise ValidationError(
            _("No default sales cycle: mark one as the default first."),
            code="no_default_cycle",
        )
    with transaction.atomic():
        contact, made = lead_contact(
            user=user, name=name, email=email, phone=phone, company=company
        )
        opportunity = opportunity_create(
            user=user,
            contact=contact,
            salesperson=lead_salesperson(contact),
            sales_cycle=cycle,
            description=description,
        )
    return opportunity, made
