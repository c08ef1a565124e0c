"""Every write to opportunities, their history, quotes, tasks and interactions.

A state change is one transaction: the opportunity row is locked, the move is
validated against the spec's rules, the new history entry is written, the one it
supersedes is closed off, the opportunity's current figures are copied from the
new entry and the stage's tasks are created. Rule violations raise
``ValidationError`` with a ``code``; errors about a field are keyed by the field
so forms can show them there.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from contacts.models import Contact, Salesperson
from crm.services import number_series_next, number_series_take
from opportunities import moves
from opportunities.models import (
    Action,
    CloseReason,
    CloseReasonType,
    Interaction,
    Opportunity,
    OpportunityEntry,
    SalesQuote,
    Status,
    Task,
    TaskStatus,
    furthest_stage,
)
from salescycles import dateformula
from salescycles.models import ActivityStepType, Priority, SalesCycle, Stage
from salescycles.probability import current_value, money, probability

HUNDRED = Decimal(100)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Figures:
    """The estimates an entry carries and the opportunity copies."""

    estimated_value: Decimal
    chances_pct: Decimal
    completed_pct: Decimal
    estimated_close_date: datetime.date | None
    probability_pct: Decimal = ZERO
    current_value: Decimal = ZERO

    @classmethod
    def calculated(cls, cycle: SalesCycle, **values) -> "Figures":
        """Figures whose probability and current value follow the cycle's method."""
        pct = probability(
            cycle.probability_method, values["chances_pct"], values["completed_pct"]
        )
        return cls(
            probability_pct=pct,
            current_value=current_value(values["estimated_value"], pct),
            **values,
        )


# -- reading the state under lock ---------------------------------------------


def _lock(opportunity: Opportunity, expected_version: int | None) -> Opportunity:
    """Re-read the opportunity with its row locked until the transaction ends.

    Its sales cycle comes along, and its quote's amount as ``quote_amount``
    (None without a quote; a quote is made under this lock).
    """
    locked = (
        Opportunity.objects.select_related("sales_cycle", "furthest_stage")
        .annotate(quote_amount=_quote_amount())
        .select_for_update(of=("self",))
        .get(pk=opportunity.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(
            _(
                "Someone else changed opportunity %(number)s after you opened it. "
                "Check its new state and try again."
            ),
            code="stale",
            params={"number": locked.number},
        )
    return locked


def active_entry(opportunity: Opportunity) -> OpportunityEntry | None:
    """The opportunity's latest history entry, if any."""
    return opportunity.entries.filter(active=True).first()


def _quote_amount() -> Subquery:
    return Subquery(
        SalesQuote.objects.filter(opportunity=OuterRef("pk")).values("amount")[:1]
    )


def _refuse_if_closed(opportunity: Opportunity) -> None:
    if opportunity.is_closed:
        raise ValidationError(
            _("Opportunity %(number)s is closed (%(status)s); reopen it first."),
            code="closed",
            params={
                "number": opportunity.number,
                "status": opportunity.get_status_display(),
            },
        )


def _date_of_change(
    opportunity: Opportunity,
    last: OpportunityEntry | None,
    given: datetime.date | None,
    errors: dict,
    field: str = "date_of_change",
) -> datetime.date:
    """The given date, or the later of today and the last entry's date.

    Dates of change never go backwards; the first one not before creation.
    """
    floor = last.date_of_change if last else opportunity.creation_date
    if given is None:
        return max(timezone.localdate(), floor)
    if given < floor:
        errors[field] = ValidationError(
            _("The date cannot be before %(date)s, the date of the last change."),
            code="date_before_last_entry",
            params={"date": date_format(floor, "SHORT_DATE_FORMAT")},
        )
    return given


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


# -- writing an entry ------------------------------------------------------------


# The opportunity's columns an entry copies at the moment it is written.
COPIED = ("sales_cycle_id", "contact_id", "contact_company_id", "salesperson_id")


def entry_values(
    copied: dict,
    *,
    action: str,
    stage: Stage | None,
    previous_stage_id: int | None,
    date_of_change: datetime.date,
    figures: Figures,
    close_reason: CloseReason | None = None,
    user=None,
) -> dict:
    """The columns (attnames) of a new active entry with these figures.

    ``copied`` holds the opportunity's ``COPIED`` columns. The services build
    an entry from these and the importer writes them as rows, so both write
    the same history.
    """
    return {
        **{name: copied[name] for name in COPIED},
        "stage_id": stage.pk if stage else None,
        "previous_stage_id": previous_stage_id,
        "date_of_change": date_of_change,
        "active": True,
        "date_closed": date_of_change if action in (Action.WON, Action.LOST) else None,
        "days_open": 0,
        "action_taken": action,
        "estimated_value": figures.estimated_value,
        "chances_pct": figures.chances_pct,
        "completed_pct": figures.completed_pct,
        "probability_pct": figures.probability_pct,
        "current_value": figures.current_value,
        "estimated_close_date": figures.estimated_close_date,
        "close_reason_id": close_reason.pk if close_reason else None,
        "created_by_id": user.pk if user and user.is_authenticated else None,
    }


def new_entry(opportunity: Opportunity, **kwargs) -> OpportunityEntry:
    """An unsaved active entry of ``opportunity`` (see ``entry_values``)."""
    copied = {name: getattr(opportunity, name) for name in COPIED}
    return OpportunityEntry(opportunity=opportunity, **entry_values(copied, **kwargs))


def _write_entry(
    opportunity: Opportunity,
    *,
    user,
    last: OpportunityEntry | None,
    action: str,
    stage: Stage | None,
    date_of_change: datetime.date,
    figures: Figures,
    close_reason: CloseReason | None = None,
) -> OpportunityEntry:
    """Append an entry, retire the one it supersedes, copy its figures over."""
    if last is not None:
        last.days_open = (date_of_change - last.date_of_change).days
        last.active = False
        last.save(update_fields=["days_open", "active"])
    entry = new_entry(
        opportunity,
        action=action,
        stage=stage,
        previous_stage_id=last.stage_id if last else None,
        date_of_change=date_of_change,
        figures=figures,
        close_reason=close_reason,
        user=user,
    )
    entry.save()
    if stage is not None:
        opportunity.stage = stage
        opportunity.furthest_stage = furthest_stage(opportunity.furthest_stage, stage)
    opportunity.estimated_value = figures.estimated_value
    opportunity.chances_pct = figures.chances_pct
    opportunity.completed_pct = figures.completed_pct
    opportunity.probability_pct = figures.probability_pct
    opportunity.current_value = figures.current_value
    opportunity.estimated_close_date = figures.estimated_close_date
    return entry


def _save(opportunity: Opportunity) -> Opportunity:
    opportunity.version += 1
    opportunity.save()
    return opportunity


def refresh_furthest_stages(*, cycle: SalesCycle) -> int:
    """Work out the furthest stage of the cycle's opportunities again from their
    histories, as migration 0006 did (after the cycle's stages are renumbered)."""
    highest = (
        OpportunityEntry.objects.filter(opportunity=OuterRef("pk"), stage__isnull=False)
        .order_by("-stage__number")
        .values("stage")[:1]
    )
    return Opportunity.objects.filter(sales_cycle=cycle).update(
        furthest_stage=Subquery(highest)
    )


def _cancel_open_tasks(opportunity: Opportunity, on: datetime.date) -> int:
    return Task.objects.filter(opportunity=opportunity, closed=False).update(
        closed=True, cancelled=True, status=TaskStatus.COMPLETED, date_closed=on
    )


def _create_stage_tasks(
    opportunity: Opportunity, entry: OpportunityEntry, stage: Stage
) -> list[Task]:
    """One task per step of the stage's activity (one plain task if it has none)."""
    if stage.activity_id is None:
        return []
    activity = stage.activity
    steps = list(activity.steps.order_by("step_no"))
    start = entry.date_of_change
    drafts = [
        Task(
            type=step.type,
            description=step.description,
            priority=step.priority,
            date=dateformula.apply(step.date_formula, start),
        )
        for step in steps
    ] or [
        Task(
            type=ActivityStepType.NONE,
            description=activity.description or activity.code,
            date=start,
        )
    ]
    numbers = number_series_take(code="TASK", model=Task, count=len(drafts))
    for task, number in zip(drafts, numbers, strict=True):
        task.number = number
        task.salesperson_id = opportunity.salesperson_id
        task.contact_id = opportunity.contact_id
        task.opportunity = opportunity
        task.opportunity_entry = entry
    return Task.objects.bulk_create(drafts)


# -- creating and editing ----------------------------------------------------------


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
    changes_salesperson = salesperson is not None and (
        new or salesperson.pk != opportunity.salesperson_id
    )
    if changes_salesperson and salesperson.blocked:
        errors["salesperson"] = ValidationError(
            _("Salesperson %(code)s is blocked and cannot be given opportunities."),
            code="salesperson_blocked",
            params={"code": salesperson.code},
        )
    if sales_cycle is not None and (
        new or sales_cycle.pk != opportunity.sales_cycle_id
    ):
        if not new and opportunity.status != Status.NOT_STARTED:
            errors["sales_cycle"] = ValidationError(
                _("The sales cycle cannot be changed once the opportunity started."),
                code="cycle_frozen",
            )
        elif sales_cycle.blocked:
            errors["sales_cycle"] = ValidationError(
                _("Sales cycle %(code)s is blocked and cannot be chosen."),
                code="cycle_blocked",
                params={"code": sales_cycle.code},
            )
    if contact is not None and not new and contact.pk != opportunity.contact_id:
        # The same notion of "started" as the sales cycle rule above: an
        # opportunity closed before it started and reopened has not started.
        started = opportunity.status != Status.NOT_STARTED
        if started and contact.contact_company_id != opportunity.contact_company_id:
            errors["contact"] = ValidationError(
                _(
                    "Once the opportunity started, its contact must belong to the "
                    "same company (%(company)s)."
                ),
                code="contact_other_company",
                params={"company": opportunity.contact_company or "-"},
            )
    _raise(errors)


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
) -> Opportunity:
    """Create a not-started opportunity; the number comes from the series if blank."""
    opportunity = Opportunity(
        description=description,
        contact=contact,
        contact_company_id=contact.contact_company_id,
        salesperson=salesperson,
        sales_cycle=sales_cycle,
        priority=priority,
        creation_date=creation_date or timezone.localdate(),
    )
    validate_changes(opportunity, salesperson=salesperson, sales_cycle=sales_cycle)
    _refuse_taken_number(Opportunity, number)
    with transaction.atomic():
        opportunity.number = number or number_series_next(
            code="OPPORTUNITY", model=Opportunity
        )
        return _save(opportunity)


def opportunity_edit(
    *,
    user,
    opportunity: Opportunity,
    description: str | None = None,
    priority: str | None = None,
    contact: Contact | None = None,
    salesperson: Salesperson | None = None,
    sales_cycle: SalesCycle | None = None,
    move_open_tasks: bool = False,
    expected_version: int | None = None,
) -> Opportunity:
    """Change what the user may edit directly; None leaves a field as it is."""
    with transaction.atomic():
        opp = _lock(opportunity, expected_version)
        validate_changes(
            opp, contact=contact, salesperson=salesperson, sales_cycle=sales_cycle
        )
        if description is not None:
            opp.description = description
        if priority is not None:
            opp.priority = priority
        if contact is not None:
            opp.contact = contact
            opp.contact_company_id = contact.contact_company_id
        if salesperson is not None and salesperson.pk != opp.salesperson_id:
            if move_open_tasks:
                Task.objects.filter(
                    opportunity=opp, salesperson_id=opp.salesperson_id, closed=False
                ).update(salesperson=salesperson)
            opp.salesperson = salesperson
        if sales_cycle is not None:
            opp.sales_cycle = sales_cycle
        return _save(opp)


def opportunity_change_salesperson(
    *,
    user,
    opportunity: Opportunity,
    salesperson: Salesperson,
    move_open_tasks: bool = False,
) -> Opportunity:
    """Give the opportunity to another salesperson, optionally with its open tasks."""
    return opportunity_edit(
        user=user,
        opportunity=opportunity,
        salesperson=salesperson,
        move_open_tasks=move_open_tasks,
    )


def opportunity_change_contact(
    *, user, opportunity: Opportunity, contact: Contact
) -> Opportunity:
    """Change the contact; after start only to one of the same company."""
    return opportunity_edit(user=user, opportunity=opportunity, contact=contact)


def opportunity_delete(*, user, opportunity: Opportunity) -> None:
    """Delete a not-started or closed opportunity with its entries and tasks."""
    with transaction.atomic():
        opp = _lock(opportunity, None)
        if opp.status == Status.IN_PROGRESS:
            raise ValidationError(
                _(
                    "Opportunity %(number)s is in progress and cannot be deleted; "
                    "close it first."
                ),
                code="delete_in_progress",
                params={"number": opp.number},
            )
        # Tasks go explicitly: a hand-made task may point at the opportunity only.
        Task.objects.filter(opportunity=opp).delete()
        opp.delete()


# -- moving through the cycle ------------------------------------------------------


def opportunity_advance(
    *,
    user,
    opportunity: Opportunity,
    move: str,
    target_stage: Stage | None = None,
    date_of_change: datetime.date | None = None,
    estimated_value: Decimal | None = None,
    chances_pct: Decimal | None = None,
    estimated_close_date: datetime.date | None = None,
    cancel_open_tasks: bool = False,
    expected_version: int | None = None,
    stages: list[Stage] | None = None,
) -> Opportunity:
    """Start, next, previous, skip, jump back or update (NAV's "Update opportunity").

    Values left None take the spec's defaults for the chosen move and target.
    ``stages``, the cycle's stages in order, spares reading them again when
    the caller has (a page that offered the moves); they are read when they
    are not of the cycle the opportunity has under the lock.
    """
    with transaction.atomic():
        opp = _lock(opportunity, expected_version)
        _refuse_if_closed(opp)
        if not stages or stages[0].cycle_id != opp.sales_cycle_id:
            stages = list(
                Stage.objects.filter(cycle_id=opp.sales_cycle_id).order_by("number")
            )
        for stage in stages:  # the stage it stands on, without a query
            if stage.pk == opp.stage_id:
                opp.stage = stage
        current = opp.current_stage
        candidates = moves.targets(move, stages, current)
        if not candidates:
            if move == moves.Move.START and opp.status == Status.NOT_STARTED:
                raise ValidationError(
                    _("Sales cycle %(code)s has no stages to start with."),
                    code="cycle_has_no_stages",
                    params={"code": opp.sales_cycle.code},
                )
            raise ValidationError(
                {
                    "move": ValidationError(
                        _("“%(move)s” is not available at this point of the cycle."),
                        code="move_unavailable",
                        params={"move": _move_label(move)},
                    )
                }
            )
        target = _target(move, candidates, target_stage)
        last = active_entry(opp)
        errors: dict = {}
        needs_quote = (
            move in (moves.Move.NEXT, moves.Move.SKIP) and target.quote_required
        )
        if needs_quote and opp.quote_amount is None:
            errors["target_stage"] = ValidationError(
                _("Stage %(stage)s requires a sales quote; create one first."),
                code="quote_required",
                params={"stage": target},
            )
        date = _date_of_change(opp, last, date_of_change, errors)
        defaults = _move_defaults(move, target, last, opp.quote_amount, date)
        if estimated_value is None:
            estimated_value = defaults["estimated_value"]
        if estimated_value < 0 or (estimated_value == 0 and move != moves.Move.START):
            errors["estimated_value"] = ValidationError(
                _("Enter an estimated value greater than zero."),
                code="estimated_value_required",
            )
        if chances_pct:
            chances_pct = money(chances_pct)
        if not chances_pct:
            chances_pct = defaults["chances_pct"]
        elif not ZERO < chances_pct <= HUNDRED:
            errors["chances_pct"] = ValidationError(
                _("Chances of success must be more than 0 and at most 100 %."),
                code="chances_out_of_range",
            )
        if estimated_close_date is None:
            estimated_close_date = defaults["estimated_close_date"]
        elif estimated_close_date < date:
            errors["estimated_close_date"] = ValidationError(
                _("The estimated close date cannot be before the date of change."),
                code="close_date_before_change",
            )
        _raise(errors)
        figures = Figures.calculated(
            opp.sales_cycle,
            estimated_value=money(estimated_value),
            chances_pct=chances_pct,
            completed_pct=target.completed_pct,
            estimated_close_date=estimated_close_date,
        )
        entry = _write_entry(
            opp,
            user=user,
            last=last,
            action=moves.action_taken(move, target, stages, current),
            stage=target,
            date_of_change=date,
            figures=figures,
        )
        opp.status = Status.IN_PROGRESS
        if cancel_open_tasks:
            _cancel_open_tasks(opp, date)
        if move in moves.ENTERING_MOVES:
            _create_stage_tasks(opp, entry, target)
        return _save(opp)


def _move_label(move: str) -> str:
    return dict(moves.Move.choices).get(move, move)


def _refuse_taken_number(model, number: str) -> None:
    if number and model.objects.filter(number=number).exists():
        raise ValidationError(
            {
                "number": ValidationError(
                    _("Number %(number)s is already in use."),
                    code="number_taken",
                    params={"number": number},
                )
            }
        )


def _target(move: str, candidates: list[Stage], chosen: Stage | None) -> Stage:
    if chosen is None:
        if len(candidates) == 1:
            return candidates[0]
        raise ValidationError(
            {
                "target_stage": ValidationError(
                    _("Choose the stage to move to."), code="target_required"
                )
            }
        )
    if all(stage.pk != chosen.pk for stage in candidates):
        raise ValidationError(
            {
                "target_stage": ValidationError(
                    _(
                        "“%(move)s” cannot lead to stage %(stage)s; choose one of "
                        "%(ok)s."
                    ),
                    code="invalid_target_stage",
                    params={
                        "move": _move_label(move),
                        "stage": chosen,
                        "ok": ", ".join(str(stage.number) for stage in candidates),
                    },
                )
            }
        )
    return next(stage for stage in candidates if stage.pk == chosen.pk)


def _default_value(
    last: OpportunityEntry | None, quote_amount: Decimal | None
) -> Decimal:
    if quote_amount is not None:
        return quote_amount
    return last.estimated_value if last else ZERO


def _move_defaults(
    move: str,
    target: Stage,
    last: OpportunityEntry | None,
    quote_amount: Decimal | None,
    date: datetime.date,
) -> dict:
    """What a move writes for the estimates the user leaves out.

    Moving to a stage proposes the stage's chances and close date formula. An
    update keeps the chances and close date it updates (a later close date than
    the date of change): taking the stage's would silently undo the rep's own.
    """
    close_date = dateformula.apply(target.date_formula, date)
    chances = target.chances_pct
    if move == moves.Move.UPDATE and last is not None and last.stage_id == target.pk:
        chances = last.chances_pct or chances
        if last.estimated_close_date:
            close_date = max(last.estimated_close_date, date)
    return {
        "estimated_value": _default_value(last, quote_amount),
        "chances_pct": chances,
        "estimated_close_date": close_date,
    }


def advance_defaults(
    opportunity: Opportunity,
    move: str,
    target: Stage,
    today: datetime.date | None = None,
) -> dict:
    """The values the update form proposes for a move to ``target``."""
    last = active_entry(opportunity)
    floor = last.date_of_change if last else opportunity.creation_date
    date = max(today or timezone.localdate(), floor)
    return {
        "date_of_change": date,
        **_move_defaults(
            move,
            target,
            last,
            SalesQuote.objects.filter(opportunity=opportunity)
            .values_list("amount", flat=True)
            .first(),
            date,
        ),
    }


# -- closing and reopening ---------------------------------------------------------


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
) -> Opportunity:
    """Close as won or lost with a reason of that type."""
    with transaction.atomic():
        opp = _lock(opportunity, expected_version)
        _refuse_if_closed(opp)
        last = active_entry(opp)
        errors: dict = {}
        if close_reason is None:
            errors["close_reason"] = ValidationError(
                _("Choose a close reason."), code="close_reason_required"
            )
        elif close_reason.type != outcome:
            errors["close_reason"] = ValidationError(
                _("Close reason %(code)s is for %(type)s opportunities."),
                code="close_reason_type",
                params={
                    "code": close_reason.code,
                    "type": close_reason.get_type_display().lower(),
                },
            )
        date = _date_of_change(opp, last, date_closed, errors, field="date_closed")
        previous_value = last.estimated_value if last else ZERO
        if outcome == CloseReasonType.WON:
            if sale_value is None:
                quote = opp.quote_amount
                sale_value = quote if quote is not None else previous_value
            if sale_value <= 0:
                errors["sale_value"] = ValidationError(
                    _("Enter the sale value, greater than zero."),
                    code="sale_value_required",
                )
            _raise(errors)
            figures = Figures(
                estimated_value=money(sale_value),
                chances_pct=HUNDRED,
                completed_pct=HUNDRED,
                probability_pct=HUNDRED,
                current_value=money(sale_value),
                estimated_close_date=date,
            )
        else:
            _raise(errors)
            figures = Figures(
                estimated_value=previous_value,
                chances_pct=ZERO,
                completed_pct=HUNDRED,
                estimated_close_date=date,
            )
        _write_entry(
            opp,
            user=user,
            last=last,
            action=Action.WON if outcome == CloseReasonType.WON else Action.LOST,
            stage=None,
            date_of_change=date,
            figures=figures,
            close_reason=close_reason,
        )
        opp.status = Status.WON if outcome == CloseReasonType.WON else Status.LOST
        opp.date_closed = date
        opp.close_reason = close_reason
        if cancel_open_tasks:
            _cancel_open_tasks(opp, date)
        return _save(opp)


def opportunity_reopen(
    *,
    user,
    opportunity: Opportunity,
    date_of_change: datetime.date | None = None,
    expected_version: int | None = None,
) -> Opportunity:
    """Reopen a closed opportunity at the last stage reached (managers only).

    The ``reopened`` entry carries the figures from before closing; an estimated
    close date already past moves to the date of reopening.
    """
    if not user.has_perm("opportunities.reopen_opportunity"):
        raise PermissionDenied(_("Only sales managers can reopen opportunities."))
    with transaction.atomic():
        opp = _lock(opportunity, expected_version)
        if not opp.is_closed:
            raise ValidationError(
                _("Opportunity %(number)s is not closed."),
                code="not_closed",
                params={"number": opp.number},
            )
        closing = active_entry(opp)
        before = (
            opp.entries.exclude(pk=closing.pk).order_by("-id").first()
            if closing
            else None
        )
        errors: dict = {}
        date = _date_of_change(opp, closing, date_of_change, errors)
        _raise(errors)
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
            figures = Figures(
                estimated_value=before.estimated_value if before else ZERO,
                chances_pct=ZERO,
                completed_pct=ZERO,
                estimated_close_date=None,
            )
            opp.status = Status.NOT_STARTED
        _write_entry(
            opp,
            user=user,
            last=closing,
            action=Action.REOPENED,
            stage=before.stage if before else None,
            date_of_change=date,
            figures=figures,
        )
        opp.date_closed = None
        opp.close_reason = None
        return _save(opp)


# -- setup ----------------------------------------------------------------------


def close_reason_save(*, user, close_reason: CloseReason) -> CloseReason:
    """Save a new or changed close reason."""
    close_reason.full_clean()
    close_reason.save()
    return close_reason


def close_reason_delete(*, user, close_reason: CloseReason) -> None:
    """Delete a close reason no opportunity was closed with."""
    if close_reason.entries.exists():
        raise ValidationError(
            _("Close reason %(code)s was used to close opportunities; keep it."),
            code="close_reason_in_use",
            params={"code": close_reason.code},
        )
    close_reason.delete()


# -- quotes, tasks, interactions ---------------------------------------------------


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
        opp = _lock(opportunity, None)
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
        _refuse_taken_number(SalesQuote, number)
        date = date or timezone.localdate()
        errors: dict = {}
        if amount is None or amount <= 0:
            errors["amount"] = ValidationError(
                _("Enter the quote's amount, greater than zero."),
                code="amount_required",
            )
        if valid_until is not None and valid_until < date:
            errors["valid_until"] = ValidationError(
                _("A quote cannot expire before its date."), code="valid_before_date"
            )
        _raise(errors)
        quote = SalesQuote.objects.create(
            opportunity=opp,
            number=number or number_series_next(code="QUOTE", model=SalesQuote),
            date=date,
            valid_until=valid_until,
            amount=money(amount),
            description=description,
        )
        _save(opp)
        return quote


def task_create(
    *,
    user,
    description: str,
    date: datetime.date,
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
    task = Task(
        number=number_series_next(code="TASK", model=Task),
        type=type,
        description=description,
        date=date,
        priority=priority,
        status=status,
        salesperson=salesperson,
        contact=contact,
        opportunity=opportunity,
    )
    task.full_clean()
    task.save()
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
        for name, value in fields.items():
            setattr(locked, name, value)
        if locked.status == TaskStatus.COMPLETED:
            locked.closed = True
            locked.date_closed = timezone.localdate()
        locked.full_clean()
        locked.save()
        return locked


def _close_task(task: Task, *, cancelled: bool, on: datetime.date | None) -> Task:
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
        return task


def task_complete(*, user, task: Task, on: datetime.date | None = None) -> Task:
    """Mark a task done (today, or on the given date)."""
    return _close_task(task, cancelled=False, on=on)


def task_cancel(*, user, task: Task, on: datetime.date | None = None) -> Task:
    """Cancel a task: closed, cancelled and completed, as NAV does."""
    return _close_task(task, cancelled=True, on=on)


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
    interaction.save()
    return interaction
