"""Creating, editing and deleting opportunities (what a rep changes directly)."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Contact, Salesperson
from crm import audit
from crm.services import number_series_next
from opportunities import rules
from opportunities.models import Opportunity, Task
from opportunities.moves import Move
from opportunities.services.base import (
    check_new_number,
    lock,
    save,
    typed_number,
)
from opportunities.services.stages import opportunity_advance
from salescycles.models import Priority, SalesCycle


def validate_changes(
    opportunity: Opportunity,
    *,
    contact: Contact | None = None,
    salesperson: Salesperson | None = None,
    sales_cycle: SalesCycle | None = None,
) -> None:
    """Check new values for an opportunity (unsaved for a new one) against the rules.

    Only what changes is checked: a running opportunity keeps a salesperson or
    cycle blocked after it was given them.
    """
    new = opportunity.pk is None
    errors: dict = {}
    if salesperson is not None and (
        new or salesperson.pk != opportunity.salesperson_id
    ):
        rules.collect(errors, "salesperson", rules.salesperson_assignable(salesperson))
    if sales_cycle is not None and (
        new or sales_cycle.pk != opportunity.sales_cycle_id
    ):
        frozen = None if new else rules.cycle_changeable(opportunity)
        rules.collect(
            errors, "sales_cycle", frozen or rules.cycle_choosable(sales_cycle)
        )
    if contact is not None and not new and contact.pk != opportunity.contact_id:
        rules.collect(errors, "contact", rules.contact_allowed(opportunity, contact))
    rules.raise_if_any(errors)


def opportunity_create(
    *,
    user,
    contact: Contact,
    salesperson: Salesperson,
    sales_cycle: SalesCycle,
    description: str,
    priority: str = Priority.NORMAL,
    creation_date: datetime.date | None = None,
    number: str = "",
    estimated_value: Decimal = Decimal(0),
    estimated_close_date: datetime.date | None = None,
    start: bool = False,
) -> Opportunity:
    """Create a not-started opportunity; the number comes from the series if blank.

    ``estimated_value`` and ``estimated_close_date`` are the rep's first guess,
    which starting it proposes. With ``start`` it is started at the cycle's
    first stage in the same transaction (``opportunity_advance``), so it is
    created started or not at all.
    """
    creation_date = creation_date or timezone.localdate()
    errors: dict = {}
    rules.collect(errors, "estimated_value", rules.not_negative(estimated_value))
    rules.collect(errors, "estimated_value", rules.amount_within_limit(estimated_value))
    if estimated_close_date is not None:
        for rule in (rules.close_date_not_before_change, rules.close_date_within_reach):
            rules.collect(
                errors,
                "estimated_close_date",
                rule(estimated_close_date, creation_date),
            )
    rules.raise_if_any(errors)
    opportunity = Opportunity(
        description=description,
        contact=contact,
        contact_company_id=contact.contact_company_id,
        salesperson=salesperson,
        sales_cycle=sales_cycle,
        priority=priority,
        creation_date=creation_date,
        estimated_value=estimated_value,
        estimated_close_date=estimated_close_date,
    )
    validate_changes(opportunity, salesperson=salesperson, sales_cycle=sales_cycle)
    check_new_number(Opportunity, number)
    with transaction.atomic(), typed_number(Opportunity, number):
        opportunity.number = number or number_series_next(
            code="OPPORTUNITY", model=Opportunity
        )
        opportunity = save(
            opportunity,
            user=user,
            action=audit.ADDITION,
            message=_("Opportunity %(number)s created.") % {"number": opportunity},
        )
        if start:
            opportunity = opportunity_advance(
                user=user,
                opportunity=opportunity,
                move=Move.START,
                date_of_change=creation_date,
                estimated_value=estimated_value,
                estimated_close_date=estimated_close_date,
            )
        return opportunity


def opportunity_edit(
    *,
    user,
    opportunity: Opportunity,
    description: str | None = None,
    priority: str | None = None,
    contact: Contact | None = None,
    salesperson: Salesperson | None = None,
    sales_cycle: SalesCycle | None = None,
    expected_version: int | None = None,
) -> Opportunity:
    """Change what the user may edit directly; None leaves a field as it is.

    Given to another salesperson, the opportunity takes the old owner's open
    tasks of it along: left behind, they would show the old owner a deal he no
    longer sees, and hide its next steps from the new one. Tasks given to
    someone else stay theirs. The admin log names the fields that changed.
    """
    with transaction.atomic():
        opp = lock(opportunity, expected_version)
        validate_changes(
            opp, contact=contact, salesperson=salesperson, sales_cycle=sales_cycle
        )
        plain = {"description": description, "priority": priority}
        related = {"contact": contact, "salesperson": salesperson}
        related["sales_cycle"] = sales_cycle
        changed = [
            name
            for name, value in plain.items()
            if value is not None and value != getattr(opp, name)
        ] + [
            name
            for name, value in related.items()
            if value is not None and value.pk != getattr(opp, f"{name}_id")
        ]
        if description is not None:
            opp.description = description
        if priority is not None:
            opp.priority = priority
        if contact is not None and contact.pk != opp.contact_id:
            # The company is the contact's when the contact is chosen, and is
            # kept when the person moves to another company later.
            opp.contact = contact
            opp.contact_company_id = contact.contact_company_id
        if salesperson is not None and salesperson.pk != opp.salesperson_id:
            Task.objects.filter(
                opportunity=opp, salesperson_id=opp.salesperson_id, closed=False
            ).update(salesperson=salesperson)
            opp.salesperson = salesperson
        if sales_cycle is not None:
            opp.sales_cycle = sales_cycle
        return save(opp, user=user, action=audit.CHANGE, message=", ".join(changed))


def opportunity_change_salesperson(
    *,
    user,
    opportunity: Opportunity,
    salesperson: Salesperson,
) -> Opportunity:
    """Give the opportunity to another salesperson, with the old one's open tasks."""
    return opportunity_edit(user=user, opportunity=opportunity, salesperson=salesperson)


def opportunity_change_contact(
    *, user, opportunity: Opportunity, contact: Contact
) -> Opportunity:
    """Change the contact; after start only to one of the same company."""
    return opportunity_edit(user=user, opportunity=opportunity, contact=contact)


def opportunity_delete(*, user, opportunity: Opportunity) -> None:
    """Delete an opportunity with its entries and tasks: a rep his own not
    started ones, a manager a closed one too (never one in progress)."""
    with transaction.atomic():
        opp = lock(opportunity, None)
        error = rules.deletable(opp, user)
        if error is not None:
            raise error
        audit.record(user, opp, audit.DELETION)
        # Tasks go explicitly: a hand-made task may point at the opportunity only.
        Task.objects.filter(opportunity=opp).delete()
        opp.delete()
