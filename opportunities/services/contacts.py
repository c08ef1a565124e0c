"""Merging two contacts that are one customer (the duplicates a manager finds).

Merging lives here, not in contacts: what moves is mostly opportunities,
their history and tasks, which sit above contacts.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext as _

from contacts.models import Contact
from crm import audit
from opportunities.history import follow_merged_contact
from opportunities.models import Opportunity, Task

# The kept contact's empty fields take the merged one's values.
FILLED = ("email", "phone", "mobile", "street", "postcode", "city", "country")


def _replaced(field: str, merged: Contact, kept: Contact) -> Case:
    return Case(
        When(**{field: merged}, then=Value(kept.pk)),
        default=F(field),
        output_field=Opportunity._meta.get_field(field),
    )


def contact_merge_counts(merged: Contact) -> dict[str, int]:
    """What a merge of ``merged`` would move: opportunities, tasks, persons."""
    return {
        "opportunities": Opportunity.objects.filter(contact=merged).count()
        + Opportunity.objects.filter(contact_company=merged)
        .exclude(contact=merged)
        .count(),
        "tasks": Task.objects.filter(contact=merged).count(),
        "persons": merged.persons.count(),
    }


def contact_merge(*, user, kept: Contact, merged: Contact) -> Contact:
    """Merge ``merged`` into ``kept`` and delete it, in one transaction.

    Its opportunities (as contact or contact company), their history entries,
    its tasks and, for a company, its persons move to ``kept``; ``kept``'s
    empty e-mail, phones, address and salesperson take ``merged``'s. Both must
    be of one type. Logged on ``kept`` in the admin log.
    """
    with transaction.atomic():
        # In number order, so two merges of the same pair cannot deadlock.
        locked = {
            c.pk: c
            for c in Contact.objects.select_for_update()
            .filter(pk__in=[kept.pk, merged.pk])
            .order_by("number")
        }
        if kept.pk == merged.pk:
            raise ValidationError(
                _("A contact cannot be merged into itself."), code="merge_same"
            )
        if len(locked) != 2:
            raise ValidationError(
                _("The contact no longer exists."), code="merge_contact_gone"
            )
        kept, merged = locked[kept.pk], locked[merged.pk]
        if kept.type != merged.type:
            raise ValidationError(
                _(
                    "%(merged)s is a %(merged_type)s and %(kept)s a %(kept_type)s: "
                    "only contacts of one type can be merged."
                ),
                code="merge_types_differ",
                params={
                    "merged": merged.number,
                    "merged_type": merged.get_type_display().lower(),
                    "kept": kept.number,
                    "kept_type": kept.get_type_display().lower(),
                },
            )
        # The opportunities first: a stage move holding one finishes before
        # its entries are re-pointed (and one started later sees ``kept``).
        moved = Opportunity.objects.filter(
            Q(contact=merged) | Q(contact_company=merged)
        ).update(
            contact=_replaced("contact", merged, kept),
            contact_company=_replaced("contact_company", merged, kept),
            version=F("version") + 1,
        )
        follow_merged_contact(merged=merged, kept=kept)
        tasks = Task.objects.filter(contact=merged).update(contact=kept)
        persons = merged.persons.update(company=kept)
        for name in FILLED:
            if not getattr(kept, name):
                setattr(kept, name, getattr(merged, name))
        if kept.salesperson_id is None:
            kept.salesperson_id = merged.salesperson_id
        if kept.company_id is None and merged.company_id != kept.pk:
            kept.company_id = merged.company_id
        kept.version = F("version") + 1
        kept.save()
        kept.refresh_from_db()
        audit.record(
            user,
            kept,
            audit.CHANGE,
            _(
                "Contact %(merged)s merged into this one: %(opportunities)d "
                "opportunities, %(tasks)d tasks, %(persons)d persons moved."
            )
            % {
                "merged": f"{merged.number} {merged.name}",
                "opportunities": moved,
                "tasks": tasks,
                "persons": persons,
            },
        )
        audit.record(user, merged, audit.DELETION)
        merged.delete()
    return kept
