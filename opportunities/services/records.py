"""Quotes, tasks and interactions: the records around an opportunity."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Contact, Salesperson
from crm import audit
from crm.services import number_series_next
from opportunities import rules
from opportunities.models import (
    Interaction,
    Opportunity,
    SalesQuote,
    Status,
    Task,
    TaskStatus,
)
from opportunities.services.base import (
    check_new_number,
    lock,
    save,
    typed_number,
)
from salescycles.models import ActivityStepType, Priority
from salescycles.probability import money


def sales_quote_create(
    *,
    user,
    opportunity: Opportunity,
    amount: Decimal,
    date: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    description: str = "",
    number: str = "",
) -> SalesQuote:
    """Link a sales quote to an opportunity in progress that has none."""
    with transaction.atomic():
        opp = lock(opportunity, None)
        if opp.status != Status.IN_PROGRESS:
            raise ValidationError(
                _("A quote can be made only for an opportunity in progress."),
                code="quote_needs_in_progress",
            )
        if opp.quote_amount is not None:
            raise ValidationError(
                _("Opportunity %(number)s already has a sales quote."),
                code="quote_exists",
                params={"number": opp.number},
            )
        check_new_number(SalesQuote, number)
        date = date or timezone.localdate()
        errors: dict = {}
        if amount is None or amount <= 0:
            errors["amount"] = ValidationError(
                _("Enter the quote's amount, greater than zero."),
                code="amount_required",
            )
        else:
            rules.collect(errors, "amount", rules.amount_within_limit(amount))
        if valid_until is not None and valid_until < date:
            errors["valid_until"] = ValidationError(
                _("A quote cannot expire before its date."), code="valid_before_date"
            )
        if errors:
            raise ValidationError(errors)
        with typed_number(SalesQuote, number):
            quote = SalesQuote.objects.create(
                opportunity=opp,
                number=number or number_series_next(code="QUOTE", model=SalesQuote),
                date=date,
                valid_until=valid_until,
                amount=money(amount),
                description=description,
            )
        audit.record(
            user,
            quote,
            audit.ADDITION,
            _("The sales quote is linked to the opportunity."),
        )
        save(opp)
        return quote


def task_create(
    *,
    user,
    description: str,
    date: datetime.date,
    time: datetime.time | None = None,
    salesperson: Salesperson | None = None,
    contact: Contact | None = None,
    opportunity: Opportunity | None = None,
    type: str = ActivityStepType.NONE,
    priority: str = Priority.NORMAL,
    status: str = TaskStatus.NOT_STARTED,
) -> Task:
    """A task made by hand; the opportunity gives its salesperson and contact."""
    if opportunity is not None:
        salesperson = salesperson or opportunity.salesperson
        contact = contact or opportunity.contact
    if salesperson is None:
        raise ValidationError(
            {
                "salesperson": ValidationError(
                    _("Choose a salesperson."), code="required"
                )
            }
        )
    error = rules.task_date_in_range(date) if date is not None else None
    if error is not None:
        raise ValidationError({"date": error})
    with transaction.atomic():
        task = Task(
            number=number_series_next(code="TASK", model=Task),
            type=type,
            description=description,
            date=date,
            time=time,
            priority=priority,
            status=status,
            salesperson=salesperson,
            contact=contact,
            opportunity=opportunity,
        )
        task.full_clean()
        task.save()
        audit.record(user, task, audit.ADDITION, _("Task added."))
        return task


def task_update(*, user, task: Task, **fields) -> Task:
    """Change an open task's description, date, priority, status or people."""
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if locked.closed:
            raise ValidationError(
                _("Task %(number)s is closed and cannot be changed."),
                code="task_closed",
                params={"number": locked.number},
            )
        changed = [
            name for name, value in fields.items() if getattr(locked, name) != value
        ]
        for name, value in fields.items():
            setattr(locked, name, value)
        if "date" in changed and locked.date is not None:
            # Only a changed date: an old task's other fields stay editable.
            error = rules.task_date_in_range(locked.date)
            if error is not None:
                raise ValidationError({"date": error})
        if locked.status == TaskStatus.COMPLETED:
            locked.closed = True
            locked.date_closed = timezone.localdate()
        locked.full_clean()
        locked.save()
        audit.record(user, locked, audit.CHANGE, ", ".join(changed))
        return locked


def _close_task(
    task: Task, *, user, cancelled: bool, on: datetime.date | None, message: str
) -> Task:
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        if task.closed:
            raise ValidationError(
                _("Task %(number)s is already closed."),
                code="task_closed",
                params={"number": task.number},
            )
        task.closed = True
        task.cancelled = cancelled
        task.status = TaskStatus.COMPLETED
        task.date_closed = on or timezone.localdate()
        task.save(update_fields=["closed", "cancelled", "status", "date_closed"])
        audit.record(user, task, audit.CHANGE, message % {"number": task.number})
        return task


def task_complete(*, user, task: Task, on: datetime.date | None = None) -> Task:
    """Mark a task done (today, or on the given date)."""
    return _close_task(
        task, user=user, cancelled=False, on=on, message=_("Task %(number)s is done.")
    )


def task_cancel(*, user, task: Task, on: datetime.date | None = None) -> Task:
    """Cancel a task: closed, cancelled and completed, as NAV does."""
    return _close_task(
        task,
        user=user,
        cancelled=True,
        on=on,
        message=_("Task %(number)s is cancelled."),
    )


def opportunity_cancel_open_tasks(*, user, opportunity: Opportunity) -> int:
    """Cancel every open task of an opportunity, in one transaction; the number
    cancelled."""
    with transaction.atomic():
        tasks = list(
            Task.objects.select_for_update()
            .filter(opportunity=opportunity, closed=False)
            .order_by("number")
        )
        for task in tasks:
            task_cancel(user=user, task=task)
    return len(tasks)


def interaction_log(
    *,
    user,
    opportunity: Opportunity,
    kind: str,
    description: str,
    date: datetime.date | None = None,
    salesperson: Salesperson | None = None,
) -> Interaction:
    """Log a call, e-mail, meeting or note on an opportunity."""
    interaction = Interaction(
        opportunity=opportunity,
        kind=kind,
        description=description,
        date=date or timezone.localdate(),
        salesperson=salesperson or opportunity.salesperson,
        created_by=user if user and user.is_authenticated else None,
    )
    interaction.full_clean()
    with transaction.atomic():
        interaction.save()
        audit.record(user, interaction, audit.ADDITION, _("Interaction logged."))
    return interaction


def interaction_update(
    *,
    user,
    interaction: Interaction,
    kind: str,
    description: str,
    date: datetime.date,
) -> Interaction:
    """Correct an interaction (or a note): only the user who logged it may."""
    if interaction.created_by_id is None or interaction.created_by_id != user.pk:
        raise ValidationError(
            _("Only the person who logged it can correct an interaction."),
            code="not_the_author",
        )
    interaction.kind, interaction.description, interaction.date = (
        kind,
        description,
        date,
    )
    interaction.full_clean()
    with transaction.atomic():
        interaction.save(update_fields=["kind", "description", "date"])
        audit.record(user, interaction, audit.CHANGE, _("Interaction corrected."))
    return interaction
