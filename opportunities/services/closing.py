"""Closing an opportunity as won or lost, reopening it, and the close reasons."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm import audit
from opportunities import rules
from opportunities.history import Figures, active_entry, write_entry
from opportunities.models import (
    Action,
    CloseReason,
    CloseReasonType,
    Opportunity,
    Status,
)
from opportunities.services.base import lock, save
from opportunities.services.stages import cancel_tasks
from salescycles.probability import money

ZERO = Decimal(0)


def opportunity_close(
    *,
    user,
    opportunity: Opportunity,
    outcome: str,
    close_reason: CloseReason | None,
    date_closed: datetime.date | None = None,
    sale_value: Decimal | None = None,
    cancel_open_tasks: bool = True,
    expected_version: int | None = None,
    note: str = "",
) -> Opportunity:
    """Close as won or lost with a reason of that type; ``note`` (optional) is
    kept on the closing entry."""
    note = note.strip()
    with transaction.atomic():
        opp = lock(opportunity, expected_version)
        closed = rules.open_for_changes(opp)
        if closed is not None:
            raise closed
        last = active_entry(opp)
        errors: dict = {}
        rules.collect(
            errors, "close_reason", rules.close_reason_fits(close_reason, outcome)
        )
        floor = rules.date_floor(opp, last)
        date = date_closed or rules.default_date(floor)
        rules.collect(
            errors, "date_closed", rules.date_not_before_last_change(date, floor)
        )
        rules.collect(errors, "date_closed", rules.not_in_future(date))
        previous_value = last.estimated_value if last else ZERO
        won = outcome == CloseReasonType.WON
        if won:
            if sale_value is None:
                quote = opp.quote_amount
                sale_value = quote if quote is not None else previous_value
            rules.collect(errors, "sale_value", rules.sale_value_positive(sale_value))
            rules.collect(errors, "sale_value", rules.amount_within_limit(sale_value))
        rules.collect(errors, "note", rules.note_fits(note))
        rules.raise_if_any(errors)
        figures = (
            Figures.won(money(sale_value), date, estimate=previous_value)
            if won
            else Figures.lost(previous_value, date)
        )
        entry = write_entry(
            opp,
            user=user,
            last=last,
            action=Action.WON if won else Action.LOST,
            stage=None,
            date_of_change=date,
            figures=figures,
            close_reason=close_reason,
            note=note,
        )
        opp.status = Status.WON if won else Status.LOST
        opp.date_closed = date
        opp.close_reason = close_reason
        if cancel_open_tasks:
            cancel_tasks(opp, date)
        return save(
            opp,
            user=user,
            action=audit.CHANGE,
            message=f"{entry.get_action_taken_display()}: {close_reason}",
        )


def opportunity_reopen(
    *,
    user,
    opportunity: Opportunity,
    reason: str,
    date_of_change: datetime.date | None = None,
    expected_version: int | None = None,
) -> Opportunity:
    """Reopen a closed opportunity at the last stage reached (managers only).

    The ``reopened`` entry carries the figures from before closing and the
    ``reason`` (required); an estimated close date already past moves to the
    date of reopening.
    """
    reason = reason.strip()
    if not user.has_perm("opportunities.reopen_opportunity"):
        raise PermissionDenied(_("Only sales managers can reopen opportunities."))
    with transaction.atomic():
        opp = lock(opportunity, expected_version)
        not_closed = rules.closed_for_reopening(opp)
        if not_closed is not None:
            raise not_closed
        closing = active_entry(opp)
        before = (
            opp.entries.exclude(pk=closing.pk).order_by("-id").first()
            if closing
            else None
        )
        floor = rules.date_floor(opp, closing)
        date = date_of_change or rules.default_date(floor)
        errors: dict = {}
        rules.collect(
            errors, "date_of_change", rules.date_not_before_last_change(date, floor)
        )
        if date_of_change is not None:
            # The default keeps a closing dated ahead by old data reopenable.
            rules.collect(errors, "date_of_change", rules.not_in_future(date))
        rules.collect(errors, "reason", rules.reopen_reason_given(reason))
        rules.raise_if_any(errors)
        if before is not None and before.stage_id is not None:
            figures = Figures.calculated(
                opp.sales_cycle,
                estimated_value=before.estimated_value,
                chances_pct=before.chances_pct,
                completed_pct=before.completed_pct,
                estimated_close_date=max(before.estimated_close_date or date, date),
            )
            opp.status = Status.IN_PROGRESS
        else:
            # Closed before it ever started: back to not started.
            figures = Figures.none(before.estimated_value if before else ZERO)
            opp.status = Status.NOT_STARTED
        entry = write_entry(
            opp,
            user=user,
            last=closing,
            action=Action.REOPENED,
            stage=before.stage if before else None,
            date_of_change=date,
            figures=figures,
            note=reason,
        )
        opp.date_closed = None
        opp.close_reason = None
        return save(
            opp,
            user=user,
            action=audit.CHANGE,
            message=f"{entry.get_action_taken_display()}: {reason}",
        )


# -- setup ----------------------------------------------------------------------


def close_reason_save(*, user, close_reason: CloseReason) -> CloseReason:
    """Save a new or changed close reason."""
    close_reason.full_clean()
    adding = close_reason._state.adding
    with transaction.atomic():
        close_reason.save()
        audit.record(user, close_reason, audit.ADDITION if adding else audit.CHANGE)
    return close_reason


def close_reason_delete(*, user, close_reason: CloseReason) -> None:
    """Delete a close reason no opportunity was closed with."""
    if close_reason.entries.exists():
        raise ValidationError(
            _("Close reason %(code)s was used to close opportunities; keep it."),
            code="close_reason_in_use",
            params={"code": close_reason.code},
        )
    with transaction.atomic():
        audit.record(user, close_reason, audit.DELETION)
        close_reason.delete()
