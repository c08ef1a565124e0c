"""Moving an opportunity through its cycle: start, next, previous, skip, jump
back and update (NAV's "Update opportunity"), and the tasks a stage creates."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm import audit
from crm.services import number_series_take
from opportunities import moves, rules
from opportunities.history import Figures, active_entry, write_entry
from opportunities.models import (
    Opportunity,
    OpportunityEntry,
    SalesQuote,
    Status,
    Task,
    TaskStatus,
)
from opportunities.services.base import lock, save
from salescycles import dateformula
from salescycles.models import ActivityStepType, Stage
from salescycles.probability import money

ZERO = Decimal(0)


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
    cancel_stage_tasks: bool = True,
    expected_version: int | None = None,
    stages: list[Stage] | None = None,
) -> Opportunity:
    """Start, next, previous, skip, jump back or update (NAV's "Update opportunity").

    Values left None take the spec's defaults for the chosen move and target.
    Entering another stage cancels the open tasks the stage being left created
    (unless ``cancel_stage_tasks`` is False; tasks made by hand stay) and
    creates the new stage's, except those of its steps still open from an
    earlier visit.
    ``stages``, the cycle's stages in order, spares reading them again when
    the caller has (a page that offered the moves); they are read when they
    are not of the cycle the opportunity has under the lock.
    """
    with transaction.atomic():
        opp = lock(opportunity, expected_version)
        closed = rules.open_for_changes(opp)
        if closed is not None:
            raise closed
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
        if move in (moves.Move.NEXT, moves.Move.SKIP):
            rules.collect(
                errors, "target_stage", rules.quote_present(target, opp.quote_amount)
            )
        floor = rules.date_floor(opp, last)
        date = date_of_change or rules.default_date(floor)
        rules.collect(
            errors, "date_of_change", rules.date_not_before_last_change(date, floor)
        )
        rules.collect(errors, "date_of_change", rules.not_in_future(date))
        defaults = _move_defaults(opp, move, target, last, opp.quote_amount, date)
        if estimated_value is None:
            estimated_value = defaults["estimated_value"]
        rules.collect(
            errors,
            "estimated_value",
            rules.estimated_value_for_move(
                estimated_value, starting=move == moves.Move.START
            ),
        )
        rules.collect(
            errors, "estimated_value", rules.amount_within_limit(estimated_value)
        )
        if chances_pct:
            chances_pct = money(chances_pct)
        if not chances_pct:
            chances_pct = defaults["chances_pct"]
            rules.collect(
                errors, "chances_pct", rules.chances_to_take(chances_pct, target)
            )
        else:
            rules.collect(errors, "chances_pct", rules.chances_for_move(chances_pct))
        if estimated_close_date is None:
            estimated_close_date = defaults["estimated_close_date"]
        else:
            rules.collect(
                errors,
                "estimated_close_date",
                rules.close_date_not_before_change(estimated_close_date, date),
            )
            rules.collect(
                errors,
                "estimated_close_date",
                rules.close_date_within_reach(estimated_close_date, date),
            )
        rules.raise_if_any(errors)
        figures = Figures.calculated(
            opp.sales_cycle,
            estimated_value=money(estimated_value),
            chances_pct=chances_pct,
            completed_pct=target.completed_pct,
            estimated_close_date=estimated_close_date,
        )
        entry = write_entry(
            opp,
            user=user,
            last=last,
            action=moves.action_taken(move, target, stages, current),
            stage=target,
            date_of_change=date,
            figures=figures,
        )
        opp.status = Status.IN_PROGRESS
        if move in moves.ENTERING_MOVES:
            if cancel_stage_tasks and current is not None:
                cancel_tasks(opp, date, created_at=current)
            _create_stage_tasks(opp, entry, target)
        return save(
            opp,
            user=user,
            action=audit.CHANGE,
            message=f"{entry.get_action_taken_display()}: {target}",
        )


def _move_label(move: str) -> str:
    return dict(moves.Move.choices).get(move, move)


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
    opportunity: Opportunity,
    last: OpportunityEntry | None,
    quote_amount: Decimal | None,
) -> Decimal:
    if quote_amount is not None:
        return quote_amount
    # Before the first entry, the value the rep guessed when creating it.
    return last.estimated_value if last else opportunity.estimated_value


def _move_defaults(
    opportunity: Opportunity,
    move: str,
    target: Stage,
    last: OpportunityEntry | None,
    quote_amount: Decimal | None,
    date: datetime.date,
) -> dict:
    """What a move writes for the estimates the user leaves out.

    Moving to a stage proposes the stage's chances and close date formula. An
    update keeps the chances and close date it updates (a later close date than
    the date of change): taking the stage's would silently undo the rep's own;
    a start keeps the close date guessed on creation (if not before the date).
    """
    close_date = _formula_date(target, date)
    guessed = opportunity.estimated_close_date
    if move == moves.Move.START and guessed and guessed >= date:
        close_date = guessed
    chances = target.chances_pct
    if move == moves.Move.UPDATE and last is not None and last.stage_id == target.pk:
        chances = last.chances_pct or chances
        if last.estimated_close_date:
            close_date = max(last.estimated_close_date, date)
    return {
        "estimated_value": _default_value(opportunity, last, quote_amount),
        "chances_pct": chances,
        "estimated_close_date": close_date,
    }


def _formula_date(stage: Stage, date: datetime.date) -> datetime.date:
    """The stage's date formula applied to ``date``, or ``date`` itself when
    that passes the year 9999 (a date of change already far ahead): a default
    never raises, and an error about the typed dates never names the formula."""
    try:
        return dateformula.apply(stage.date_formula, date)
    except ValidationError:
        return date


def advance_defaults(
    opportunity: Opportunity,
    move: str,
    target: Stage,
    today: datetime.date | None = None,
    date_of_change: datetime.date | None = None,
) -> dict:
    """The values the update form proposes for a move to ``target``; from the
    ``date_of_change`` the rep typed, when given (the close date follows it)."""
    last = active_entry(opportunity)
    date = date_of_change or rules.default_date(
        rules.date_floor(opportunity, last), today
    )
    return {
        "date_of_change": date,
        **_move_defaults(
            opportunity,
            move,
            target,
            last,
            SalesQuote.objects.filter(opportunity=opportunity)
            .values_list("amount", flat=True)
            .first(),
            date,
        ),
    }


# -- the tasks that follow the stages -----------------------------------------------


def cancel_tasks(
    opportunity: Opportunity, on: datetime.date, *, created_at: Stage | None = None
) -> int:
    """Cancel the opportunity's open tasks: all of them (a closing), or those
    the stage ``created_at`` made (a move leaving it)."""
    tasks = Task.objects.filter(opportunity=opportunity, closed=False)
    if created_at is not None:
        tasks = tasks.filter(opportunity_entry__stage=created_at)
    return tasks.update(
        closed=True, cancelled=True, status=TaskStatus.COMPLETED, date_closed=on
    )


def _create_stage_tasks(
    opportunity: Opportunity, entry: OpportunityEntry, stage: Stage
) -> list[Task]:
    """One task per step of the stage's activity (one plain task if it has none),
    but none for a step whose task from an earlier visit is still open."""
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
    still_open = set(
        Task.objects.filter(
            opportunity=opportunity, opportunity_entry__stage=stage, closed=False
        ).values_list("type", "description")
    )
    drafts = [t for t in drafts if (t.type, t.description) not in still_open]
    if not drafts:
        return []
    numbers = number_series_take(code="TASK", model=Task, count=len(drafts))
    for task, number in zip(drafts, numbers, strict=True):
        task.number = number
        task.salesperson_id = opportunity.salesperson_id
        task.contact_id = opportunity.contact_id
        task.opportunity = opportunity
        task.opportunity_entry = entry
    return Task.objects.bulk_create(drafts)
