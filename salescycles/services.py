"""Writes to sales cycles, stages and activities."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from crm.audit import delete_logged, save_logged
from salescycles.models import Activity, ActivityStep, SalesCycle, Stage
from salescycles.signals import stages_renumbered


def sales_cycle_create(*, user, **fields) -> SalesCycle:
    """Create a sales cycle."""
    return save_logged(SalesCycle(**fields), user=user)


def stage_create(*, user, cycle: SalesCycle, **fields) -> Stage:
    """Add a stage to a cycle."""
    return save_logged(Stage(cycle=cycle, **fields), user=user)


def activity_create(*, user, code: str, description: str = "", steps=()) -> Activity:
    """Create an activity with its steps (dicts of ActivityStep fields)."""
    with transaction.atomic():
        activity = save_logged(Activity(code=code, description=description), user=user)
        for number, step in enumerate(steps, start=1):
            save_logged(
                ActivityStep(
                    activity=activity, step_no=step.pop("step_no", number), **step
                ),
                user=user,
            )
    return activity


def sales_cycle_delete(*, user, cycle: SalesCycle) -> None:
    """Delete a cycle with no open opportunities and no history."""
    # The opportunities reach the cycle and stage through their relations
    # (opportunities sit above sales cycles and are not imported here).
    if cycle.opportunities.open().exists():
        raise ValidationError(
            _("Sales cycle %(code)s has open opportunities and cannot be deleted."),
            code="cycle_has_open_opportunities",
            params={"code": cycle.code},
        )
    try:
        delete_logged(cycle, user=user)
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
    if stage.opportunities.open().exists():
        raise ValidationError(
            _("Opportunities stand on stage %(stage)s; it cannot be deleted."),
            code="stage_has_opportunities",
            params={"stage": stage},
        )
    try:
        delete_logged(stage, user=user)
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
    """Save a new or changed sales cycle; made the default, it takes over
    from the one that was (there is one default at most)."""
    with transaction.atomic():
        if cycle.is_default:
            SalesCycle.objects.filter(is_default=True).exclude(pk=cycle.pk).update(
                is_default=False
            )
        return save_logged(cycle, user=user)


def stage_save(*, user, stage: Stage) -> Stage:
    """Save a new or changed stage (its date formula is validated).

    A stage given another number may change which stage is the furthest each
    of the cycle's opportunities reached: ``stages_renumbered`` asks for it
    to be worked out again, in the same transaction.
    """
    renumbered = (
        stage.pk is not None
        and Stage.objects.filter(pk=stage.pk).exclude(number=stage.number).exists()
    )
    with transaction.atomic():
        save_logged(stage, user=user)
        if renumbered:
            stages_renumbered.send(sender=Stage, cycle=stage.cycle)
    return stage


def activity_save(*, user, activity: Activity) -> Activity:
    """Save a new or changed activity."""
    return save_logged(activity, user=user)


def activity_step_save(*, user, step: ActivityStep) -> ActivityStep:
    """Save a new or changed activity step."""
    return save_logged(step, user=user)


def activity_delete(*, user, activity: Activity) -> None:
    """Delete an activity no stage uses."""
    try:
        delete_logged(activity, user=user)
    except ProtectedError as error:
        raise ValidationError(
            _("Activity %(code)s is used by sales cycle stages and cannot be deleted."),
            code="activity_in_use",
            params={"code": activity.code},
        ) from error


def activity_step_delete(*, user, step: ActivityStep) -> None:
    """Delete an activity step (tasks already made from it stay)."""
    delete_logged(step, user=user)
