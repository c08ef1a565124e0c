"""Writes to sales cycles, stages and activities."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from salescycles.models import Activity, ActivityStep, SalesCycle, Stage


def _open_opportunities(**lookup):
    from opportunities.models import Opportunity

    return Opportunity.objects.open().filter(**lookup)


def _save(instance):
    instance.full_clean()
    instance.save()
    return instance


def sales_cycle_create(*, user, **fields) -> SalesCycle:
    """Create a sales cycle."""
    return _save(SalesCycle(**fields))


def stage_create(*, user, cycle: SalesCycle, **fields) -> Stage:
    """Add a stage to a cycle."""
    return _save(Stage(cycle=cycle, **fields))


def activity_create(*, user, code: str, description: str = "", steps=()) -> Activity:
    """Create an activity with its steps (dicts of ActivityStep fields)."""
    with transaction.atomic():
        activity = _save(Activity(code=code, description=description))
        for number, step in enumerate(steps, start=1):
            _save(
                ActivityStep(
                    activity=activity, step_no=step.pop("step_no", number), **step
                )
            )
    return activity


def sales_cycle_delete(*, user, cycle: SalesCycle) -> None:
    """Delete a cycle with no open opportunities and no history."""
    if _open_opportunities(sales_cycle=cycle).exists():
        raise ValidationError(
            _("Sales cycle %(code)s has open opportunities and cannot be deleted."),
            code="cycle_has_open_opportunities",
            params={"code": cycle.code},
        )
    try:
        with transaction.atomic():
            cycle.delete()
    except ProtectedError as error:
        raise ValidationError(
            _(
                "Sales cycle %(code)s appears in the history of closed opportunities "
                "and cannot be deleted; block it instead."
            ),
            code="cycle_in_use",
            params={"code": cycle.code},
        ) from error


def stage_delete(*, user, stage: Stage) -> None:
    """Delete a stage no opportunity stands on and no history refers to."""
    if _open_opportunities(stage=stage).exists():
        raise ValidationError(
            _("Opportunities stand on stage %(stage)s; it cannot be deleted."),
            code="stage_has_opportunities",
            params={"stage": stage},
        )
    try:
        with transaction.atomic():
            stage.delete()
    except ProtectedError as error:
        raise ValidationError(
            _(
                "Stage %(stage)s appears in the history of opportunities and cannot "
                "be deleted."
            ),
            code="stage_in_use",
            params={"stage": stage},
        ) from error


def sales_cycle_save(*, user, cycle: SalesCycle) -> SalesCycle:
    """Save a new or changed sales cycle."""
    return _save(cycle)


def stage_save(*, user, stage: Stage) -> Stage:
    """Save a new or changed stage (its date formula is validated).

    A stage given another number may change which stage is the furthest each
    of the cycle's opportunities reached: that is worked out again.
    """
    from opportunities.services import refresh_furthest_stages

    renumbered = (
        stage.pk is not None
        and Stage.objects.filter(pk=stage.pk).exclude(number=stage.number).exists()
    )
    with transaction.atomic():
        _save(stage)
        if renumbered:
            refresh_furthest_stages(cycle=stage.cycle)
    return stage


def activity_save(*, user, activity: Activity) -> Activity:
    """Save a new or changed activity."""
    return _save(activity)


def activity_step_save(*, user, step: ActivityStep) -> ActivityStep:
    """Save a new or changed activity step."""
    return _save(step)


def activity_delete(*, user, activity: Activity) -> None:
    """Delete an activity no stage uses."""
    try:
        with transaction.atomic():
            activity.delete()
    except ProtectedError as error:
        raise ValidationError(
            _("Activity %(code)s is used by sales cycle stages and cannot be deleted."),
            code="activity_in_use",
            params={"code": activity.code},
        ) from error


def activity_step_delete(*, user, step: ActivityStep) -> None:
    """Delete an activity step (tasks already made from it stay)."""
    step.delete()
