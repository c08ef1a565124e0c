"""Writes to salespeople and contacts."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils.translation import gettext as _

from contacts.models import Contact, ContactType, Salesperson
from crm.services import number_series_next


def _open_opportunities(**lookup):
    # Imported here: opportunities depend on contacts, not the other way round.
    from opportunities.models import Opportunity

    return Opportunity.objects.open().filter(**lookup)


def salesperson_create(*, user, **fields) -> Salesperson:
    """Create a salesperson."""
    salesperson = Salesperson(**fields)
    salesperson.full_clean()
    salesperson.save()
    return salesperson


def salesperson_update(*, user, salesperson: Salesperson, **fields) -> Salesperson:
    """Change a salesperson's fields (and save changes already set on it)."""
    for name, value in fields.items():
        setattr(salesperson, name, value)
    salesperson.full_clean()
    salesperson.save()
    return salesperson


def salesperson_delete(*, user, salesperson: Salesperson) -> None:
    """Delete a salesperson with no open opportunities and no history."""
    if _open_opportunities(salesperson=salesperson).exists():
        raise ValidationError(
            _(
                "Salesperson %(code)s has open opportunities; give them to someone "
                "else first."
            ),
            code="salesperson_has_open_opportunities",
            params={"code": salesperson.code},
        )
    try:
        salesperson.delete()
    except ProtectedError as error:
        raise ValidationError(
            _(
                "Salesperson %(code)s appears in the history of opportunities, "
                "contacts or tasks and cannot be deleted; block them instead."
            ),
            code="salesperson_in_use",
            params={"code": salesperson.code},
        ) from error


def validate_contact(contact: Contact) -> None:
    """Check a contact about to be saved against the company and type rules."""
    errors = {}
    if contact.type == ContactType.COMPANY and contact.company_id:
        errors["company"] = ValidationError(
            _("A company cannot belong to another company."),
            code="company_has_company",
        )
    if contact.company is not None and (
        contact.company.type != ContactType.COMPANY or contact.company == contact
    ):
        errors["company"] = ValidationError(
            _("The company of a person must be a company-type contact."),
            code="company_not_a_company",
        )
    if contact.pk:
        before = Contact.objects.get(pk=contact.pk)
        if before.type != contact.type:
            from opportunities.models import Opportunity

            if Opportunity.objects.filter(
                Q(contact=contact) | Q(contact_company=contact)
            ).exists():
                errors["type"] = ValidationError(
                    _("The type cannot change: opportunities refer to this contact."),
                    code="contact_type_locked",
                )
            elif contact.persons.exists():
                errors["type"] = ValidationError(
                    _("The type cannot change: persons work for this company."),
                    code="company_has_persons",
                )
    if errors:
        raise ValidationError(errors)


def _save_contact(contact: Contact) -> Contact:
    with transaction.atomic():
        if not contact.number:
            contact.number = number_series_next(code="CONTACT", model=Contact)
        # The rules first: full_clean's own checks (limit_choices_to, check
        # constraints) would otherwise hide their codes behind generic ones.
        validate_contact(contact)
        contact.full_clean()
        contact.save()
    return contact


def contact_create(*, user, **fields) -> Contact:
    """Create a contact; the number comes from the series when not given."""
    return _save_contact(Contact(**fields))


def contact_update(*, user, contact: Contact, **fields) -> Contact:
    """Change a contact's fields (and save changes already set on it)."""
    for name, value in fields.items():
        setattr(contact, name, value)
    return _save_contact(contact)


def contact_delete(*, user, contact: Contact) -> None:
    """Delete a contact with no open opportunities and nothing else referring to it."""
    if (
        _open_opportunities()
        .filter(Q(contact=contact) | Q(contact_company=contact))
        .exists()
    ):
        raise ValidationError(
            _("Contact %(number)s has open opportunities and cannot be deleted."),
            code="contact_has_open_opportunities",
            params={"number": contact.number},
        )
    try:
        contact.delete()
    except ProtectedError as error:
        raise ValidationError(
            _(
                "Contact %(number)s is referred to by persons, opportunities or "
                "tasks and cannot be deleted."
            ),
            code="contact_in_use",
            params={"number": contact.number},
        ) from error
