"""The opportunity rules: each check once, with its error code and message.

Every check returns ``None`` when the value passes, else a ``ValidationError``
carrying the code. The services raise them (keyed by the field the user
typed), the importers report them on the file's line and column with the same
code, so a rule changed here changes in the pages, the admin and the imports.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from crm.money import format_money
from opportunities.models import NOTE_LENGTH, CloseReasonType, Status

HUNDRED = Decimal(100)
ZERO = Decimal(0)
# The largest amount the pages and files take (the columns hold 15 digits).
MAX_AMOUNT = Decimal("999999999999.99")
# How far ahead an estimated close date or a task may be; tasks not before 2000.
YEARS_AHEAD = 10
EARLIEST_TASK_DATE = datetime.date(2000, 1, 1)


def collect(errors: dict, field: str, error: ValidationError | None) -> None:
    """Keep ``error`` under ``field`` (the first error of a field wins)."""
    if error is not None:
        errors.setdefault(field, error)


def raise_if_any(errors: dict) -> None:
    """Raise the collected errors, keyed by field, if there are any."""
    if errors:
        raise ValidationError(errors)


# -- dates -----------------------------------------------------------------------


def date_floor(opportunity, last) -> datetime.date:
    """The earliest date the next change may have: the last entry's date, or
    the creation date before the first entry."""
    return last.date_of_change if last is not None else opportunity.creation_date


def default_date(floor: datetime.date, today: datetime.date | None = None):
    """The date a change gets when none is given: today, not before ``floor``."""
    return max(today or timezone.localdate(), floor)


def date_not_before_last_change(
    date: datetime.date, floor: datetime.date
) -> ValidationError | None:
    """Dates of change never go backwards; the first one not before creation."""
    if date < floor:
        return ValidationError(
            _("The date cannot be before %(date)s, the date of the last change."),
            code="date_before_last_entry",
            params={"date": date_format(floor, "SHORT_DATE_FORMAT")},
        )
    return None


def not_in_future(
    date: datetime.date, today: datetime.date | None = None
) -> ValidationError | None:
    """No date of change after today, in the company's time zone: a mistyped
    year would lock the opportunity in the future (dates never go back)."""
    if date > (today or timezone.localdate()):
        return ValidationError(
            _("The date cannot be in the future."), code="date_in_future"
        )
    return None


def close_date_not_before_change(
    close_date: datetime.date, date: datetime.date
) -> ValidationError | None:
    if close_date < date:
        return ValidationError(
            _("The estimated close date cannot be before the date of change."),
            code="close_date_before_change",
        )
    return None


def years_after(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` later (28 February for 29 February); the last
    date there is when that is past the year 9999."""
    year = day.year + years
    if year > datetime.MAXYEAR:
        return datetime.date.max
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def close_date_within_reach(
    close_date: datetime.date, date: datetime.date
) -> ValidationError | None:
    """An estimated close date at most ten years after the date of change."""
    if close_date > years_after(date, YEARS_AHEAD):
        return ValidationError(
            _(
                "The estimated close date cannot be more than %(years)s years "
                "after the date of change."
            ),
            code="close_date_too_far",
            params={"years": YEARS_AHEAD},
        )
    return None


def task_date_in_range(
    date: datetime.date, today: datetime.date | None = None
) -> ValidationError | None:
    """A task's date: from 2000 on, at most ten years ahead of today."""
    latest = years_after(today or timezone.localdate(), YEARS_AHEAD)
    if not EARLIEST_TASK_DATE <= date <= latest:
        return ValidationError(
            _("The task's date must be between %(earliest)s and %(latest)s."),
            code="task_date_out_of_range",
            params={
                "earliest": date_format(EARLIEST_TASK_DATE, "SHORT_DATE_FORMAT"),
                "latest": date_format(latest, "SHORT_DATE_FORMAT"),
            },
        )
    return None


# -- who and which cycle ---------------------------------------------------------


def salesperson_assignable(salesperson) -> ValidationError | None:
    if salesperson.blocked:
        return ValidationError(
            _("Salesperson %(code)s is blocked and cannot be given opportunities."),
            code="salesperson_blocked",
            params={"code": salesperson.code},
        )
    return None


def cycle_choosable(cycle) -> ValidationError | None:
    if cycle.blocked:
        return ValidationError(
            _("Sales cycle %(code)s is blocked and cannot be chosen."),
            code="cycle_blocked",
            params={"code": cycle.code},
        )
    return None


def cycle_changeable(opportunity) -> ValidationError | None:
    if opportunity.status != Status.NOT_STARTED:
        return ValidationError(
            _("The sales cycle cannot be changed once the opportunity started."),
            code="cycle_frozen",
        )
    return None


def contact_allowed(opportunity, contact) -> ValidationError | None:
    """Once started, the contact may change only within the same company.

    "Started" as for the cycle: one closed before it started and reopened has
    not started.
    """
    started = opportunity.status != Status.NOT_STARTED
    if started and contact.contact_company_id != opportunity.contact_company_id:
        return ValidationError(
            _(
                "Once the opportunity started, its contact must belong to the "
                "same company (%(company)s)."
            ),
            code="contact_other_company",
            params={"company": opportunity.contact_company or "-"},
        )
    return None


# -- states ------------------------------------------------------------------------


def open_for_changes(opportunity) -> ValidationError | None:
    if opportunity.is_closed:
        return ValidationError(
            _("Opportunity %(number)s is closed (%(status)s); reopen it first."),
            code="closed",
            params={
                "number": opportunity.number,
                "status": opportunity.get_status_display(),
            },
        )
    return None


def closed_for_reopening(opportunity) -> ValidationError | None:
    if not opportunity.is_closed:
        return ValidationError(
            _("Opportunity %(number)s is not closed."),
            code="not_closed",
            params={"number": opportunity.number},
        )
    return None


def deletable(opportunity, user) -> ValidationError | None:
    """No one deletes one in progress; a closed one is the company's record,
    which only a manager deletes; a rep deletes only his own not started."""
    params = {"number": opportunity.number}
    if opportunity.status == Status.IN_PROGRESS:
        return ValidationError(
            _(
                "Opportunity %(number)s is in progress and cannot be deleted; "
                "close it first."
            ),
            code="delete_in_progress",
            params=params,
        )
    if user is not None and user.has_perm("opportunities.view_all_opportunities"):
        return None
    if opportunity.is_closed:
        return ValidationError(
            _(
                "Opportunity %(number)s is closed: it counts in the statistics, "
                "and only a sales manager can delete it."
            ),
            code="delete_closed_manager_only",
            params=params,
        )
    if user is None or opportunity.salesperson.user_id != user.pk:
        return ValidationError(
            _("Opportunity %(number)s is not yours to delete."),
            code="delete_not_own",
            params=params,
        )
    return None


def note_fits(note: str) -> ValidationError | None:
    """A note on an entry (a closing's, a reopening's reason) fits its column."""
    if len(note) > NOTE_LENGTH:
        return ValidationError(
            _("Keep the note to %(max)d characters (it has %(length)d)."),
            code="note_too_long",
            params={"max": NOTE_LENGTH, "length": len(note)},
        )
    return None


def reopen_reason_given(reason: str) -> ValidationError | None:
    """A reopening says why, in at most ``NOTE_LENGTH`` characters."""
    if not reason.strip():
        return ValidationError(
            _("Say why the opportunity is reopened."),
            code="reopen_reason_required",
        )
    return note_fits(reason)


def quote_present(stage, quote_amount) -> ValidationError | None:
    """A stage that requires a quote is entered only with one."""
    if stage.quote_required and quote_amount is None:
        return ValidationError(
            _("Stage %(stage)s requires a sales quote; create one first."),
            code="quote_required",
            params={"stage": stage},
        )
    return None


# -- closing -----------------------------------------------------------------------


def close_reason_fits(reason, outcome: str) -> ValidationError | None:
    """A closing needs a close reason of its type (won or lost)."""
    if reason is None:
        return ValidationError(
            _("Choose a close reason."), code="close_reason_required"
        )
    if reason.type != outcome:
        return ValidationError(
            _("Close reason %(code)s is for %(type)s opportunities."),
            code="close_reason_type",
            params={
                "code": reason.code,
                "type": CloseReasonType(reason.type).label.lower(),
            },
        )
    return None


def sale_value_positive(value: Decimal) -> ValidationError | None:
    if value <= 0:
        return ValidationError(
            _("Enter the sale value, greater than zero."), code="sale_value_required"
        )
    return None


# -- figures -----------------------------------------------------------------------


def estimated_value_for_move(value: Decimal, *, starting: bool):
    """A move needs a value above zero; a start may leave it at zero."""
    if value < 0 or (value == 0 and not starting):
        return ValidationError(
            _("Enter an estimated value greater than zero."),
            code="estimated_value_required",
        )
    return None


def chances_for_move(chances: Decimal) -> ValidationError | None:
    if not ZERO < chances <= HUNDRED:
        return ValidationError(
            _("Chances of success must be more than 0 and at most 100 %."),
            code="chances_out_of_range",
        )
    return None


def chances_to_take(chances: Decimal, stage) -> ValidationError | None:
    """Chances left 0 take the default (the stage's, or an update's own); when
    that is 0 too the move is refused, as in Business Central: an entry at 0 %
    chances would weigh the deal at nothing without anyone having said so."""
    if chances == 0:
        return ValidationError(
            _(
                "Enter the chances of success: stage %(stage)s has none to take "
                "when they are left 0."
            ),
            code="chances_required",
            params={"stage": stage},
        )
    return None


def percentage(value: Decimal) -> ValidationError | None:
    """A percentage the history stores (also enforced by check constraints)."""
    if not ZERO <= value <= HUNDRED:
        return ValidationError(_("Must be between 0 and 100."), code="pct_out_of_range")
    return None


def not_negative(value: Decimal) -> ValidationError | None:
    if value < 0:
        return ValidationError(_("Must not be negative."), code="negative")
    return None


def amount_within_limit(value: Decimal | None) -> ValidationError | None:
    """Any amount typed or imported: at most 999,999,999,999.99."""
    if value is not None and value > MAX_AMOUNT:
        return ValidationError(
            _("The amount is too large: at most %(max)s."),
            code="amount_too_large",
            params={"max": format_money(MAX_AMOUNT)},
        )
    return None
