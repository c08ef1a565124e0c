"""Sales cycles with their ordered stages, and activities with their steps."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.numbers import validate_number
from salescycles.dateformula import validate_date_formula
from salescycles.probability import Method

PERCENT_FIELD = {
    "max_digits": 5,
    "decimal_places": 2,
    "default": Decimal(0),
    "validators": [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
}


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class ActivityStepType(models.TextChoices):
    NONE = "none", _("(none)")
    MEETING = "meeting", _("Meeting")
    PHONE_CALL = "phone_call", _("Phone call")


class SalesCycleQuerySet(models.QuerySet):
    def active(self):
        """Cycles that may be chosen for new opportunities."""
        return self.filter(blocked=False)

    def default(self):
        """The cycle new opportunities take (None if none is set or it is blocked)."""
        return self.active().filter(is_default=True).first()


class SalesCycle(models.Model):
    code = models.CharField(
        _("code"), max_length=10, unique=True, validators=[validate_number]
    )
    description = models.CharField(_("description"), max_length=100, blank=True)
    probability_method = models.CharField(
        _("probability calculation"),
        max_length=10,
        choices=Method,
        default=Method.MULTIPLY,
    )
    blocked = models.BooleanField(
        _("blocked"),
        default=False,
        help_text=_(
            "A blocked cycle cannot be chosen for new opportunities; "
            "running ones go on."
        ),
    )
    is_default = models.BooleanField(
        _("default for new opportunities"),
        default=False,
        help_text=_(
            "NAV's Default Sales Cycle Code: new opportunities take this cycle "
            "(unless it is blocked). One cycle at most."
        ),
    )

    objects = SalesCycleQuerySet.as_manager()

    class Meta:
        verbose_name = _("sales cycle")
        verbose_name_plural = _("sales cycles")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_sales_cycle",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()


class Activity(models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True)
    description = models.CharField(_("description"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()


class ActivityStep(models.Model):
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        related_name="steps",
    )
    step_no = models.PositiveIntegerField(_("step no."))
    type = models.CharField(
        _("type"),
        max_length=10,
        choices=ActivityStepType,
        default=ActivityStepType.NONE,
    )
    description = models.CharField(_("description"), max_length=100)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority, default=Priority.NORMAL
    )
    date_formula = models.CharField(
        _("date formula"),
        max_length=30,
        blank=True,
        validators=[validate_date_formula],
        help_text=_("When the task is due, from the date the stage is entered."),
    )

    class Meta:
        verbose_name = _("activity step")
        verbose_name_plural = _("activity steps")
        ordering = ["activity", "step_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "step_no"], name="activity_step_no_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity.code} {self.step_no} {self.description}"


class Stage(models.Model):
    cycle = models.ForeignKey(
        SalesCycle,
        verbose_name=_("sales cycle"),
        on_delete=models.CASCADE,
        related_name="stages",
    )
    number = models.PositiveIntegerField(_("stage"))
    description = models.CharField(_("description"), max_length=100)
    completed_pct = models.DecimalField(_("completed %"), **PERCENT_FIELD)
    chances_pct = models.DecimalField(_("chances of success %"), **PERCENT_FIELD)
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stages",
    )
    quote_required = models.BooleanField(_("quote required"), default=False)
    allow_skip = models.BooleanField(_("allow skip"), default=False)
    date_formula = models.CharField(
        _("date formula"),
        max_length=30,
        blank=True,
        validators=[validate_date_formula],
        help_text=_(
            "Default estimated close date from the date of change, e.g. 2W, CM+1M."
        ),
    )

    class Meta:
        verbose_name = _("sales cycle stage")
        verbose_name_plural = _("sales cycle stages")
        ordering = ["cycle", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "number"], name="stage_number_unique_in_cycle"
            ),
            models.CheckConstraint(condition=Q(number__gt=0), name="stage_number_gt_0"),
            models.CheckConstraint(
                condition=Q(completed_pct__gte=0) & Q(completed_pct__lte=100),
                name="stage_completed_pct_0_100",
            ),
            models.CheckConstraint(
                condition=Q(chances_pct__gte=0) & Q(chances_pct__lte=100),
                name="stage_chances_pct_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.description}"
