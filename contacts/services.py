"""Writes to salespeople and contacts."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from contacts.models import Contact, ContactType, Salesperson
from crm.audit import delete_logged, save_logged
from crm.services import number_series_next


def salesperson_create(*, user, **fields) -> Salesperson:
    """Create a salesperson."""
    return save_logged(Salesperson(**fields), user=user)


def salesperson_update(*, user, salesperson: Salesperson, **fields) -> Salesperson:
    """Change a salesperson's fields (and save changes already set on it)."""
    for name, value in fields.items():
        setattr(salesperson, name, value)
    return save_logged(salesperson, user=user)


def salesperson_delete(*, user, salesperson: Salesperson) -> None:
    """Delete a salesperson with no open opportunities and no history."""
    # Opportunities sit above contacts and are not imported here: they are
    # reached through their relations to the salesperson and the contact.
    if salesperson.opportunities.open().exists():
        raise ValidationError(
            _(
                "Salesperson %(code)s has open opportunities; give them to someone "
                "else first."
            ),
            code="salesperson_has_open_opportunities",
            params={"code": salesperson.code},
        )
    try:
        delete_logged(salesperson, user=user)
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
            if contact.opportunities.exists() or contact.company_opportunities.exists():
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


def _save_contact(
    contact: Contact, *, user, expected_version: int | None = None
) -> Contact:
    with transaction.atomic():
        if not contact._state.adding:
            saved = Contact.objects.select_for_update().get(pk=contact.pk)
            if expected_version is not None and saved.version != expected_version:
                raise ValidationError(
                    _(
                        "Someone else changed contact %(number)s after you opened "
                        "it. Check its new state and try again."
                    ),
                    code="stale",
                    params={"number": saved.number},
                )
            contact.version = saved.version + 1
        if not contact.number:
            contact.number = number_series_next(code="CONTACT", model=Contact)
        # The rules first: full_clean's own checks (limit_choices_to, check
        # constraints) would otherwise hide their codes behind generic ones.
        validate_contact(contact)
        return save_logged(
            contact,
            user=user,
            message=_("Contact %(contact)s is saved.") % {"contact": contact},
        )


def contact_create(*, user, **fields) -> Contact:
    """Create a contact; the number comes from the series when not given."""
    return _save_contact(Contact(**fields), user=user)


def contact_update(
    *, user, contact: Contact, expected_version: int | None = None, **fields
) -> Contact:
    """Change a contact's fields (and save changes already set on it);
    refused with ``stale`` when ``expected_version`` is no longer the saved one."""
    for name, value in fields.items():
        setattr(contact, name, value)
    return _save_contact(contact, user=user, expected_version=expected_version)


def contact_delete(*, user, contact: Contact) -> None:
    """Delete a contact with no open opportunities and nothing else referring to it."""
    if (
        contact.opportunities.open().exists()
        or contact.company_opportunities.open().exists()
    ):
        raise ValidationError(
            _("Contact %(number)s has open opportunities and cannot be deleted."),
            code="contact_has_open_opportunities",
            params={"number": contact.number},
        )
    try:
        delete_logged(contact, user=user)
    except ProtectedError as error:
        raise ValidationError(
            _(
                "Contact %(number)s is referred to by persons, opportunities or "
                "tasks and cannot be deleted."
            ),
            code="contact_in_use",
            params={"number": contact.number},
        ) from error
