"""Opportunities, their history ledger, close reasons, quotes, tasks, interactions."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, Salesperson
from crm.numbers import validate_number
from opportunities.choices import (
    CLOSED_STATUSES,
    IS_OPEN,
    OPEN_STATUSES,
    STATUS_LABELS,
    Action,
    CloseReasonType,
    InteractionKind,
    Status,
    TaskStatus,
)
from salescycles.models import (
    PERCENT_FIELD,
    ActivityStepType,
    Priority,
    SalesCycle,
    Stage,
)

MONEY = {
    "max_digits": 15,
    "decimal_places": 2,
    "default": Decimal(0),
    "validators": [MinValueValidator(Decimal(0))],
}
# The longest note an entry keeps (the reason for a reopening, a closing's note).
NOTE_LENGTH = 250
# What happened in a call, meeting or e-mail: a page of text; longer is a paste
# of something else (a whole mail thread), which only makes the log unreadable.
INTERACTION_LENGTH = 4000


def figures_constraints(prefix: str) -> list[models.CheckConstraint]:
    """Check constraints shared by the opportunity and its entries."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{field}__gte": 0}) & Q(**{f"{field}__lte": 100}),
            name=f"{prefix}_{field}_0_100",
        )
        for field in ("chances_pct", "completed_pct", "probability_pct")
    ] + [
        models.CheckConstraint(
            condition=Q(**{f"{field}__gte": 0}), name=f"{prefix}_{field}_gte_0"
        )
        for field in ("estimated_value", "current_value")
    ]


class CloseReason(models.Model):
    """NAV's close opportunity code."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    type = models.CharField(_("type"), max_length=4, choices=CloseReasonType)

    class Meta:
        verbose_name = _("close reason")
        verbose_name_plural = _("close reasons")
        ordering = ["type", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()


class SalespersonScopedQuerySet(models.QuerySet):
    """Rows that belong to a salesperson: reps see their own."""

    # The salesperson a row belongs to, as a lookup path.
    salesperson = "salesperson"

    def for_user(self, user):
        """What the user may see: everything for managers, own ones for reps."""
        if user.has_perm("opportunities.view_all_opportunities"):
            return self
        return (
            self.filter(**{f"{self.salesperson}__user": user})
            if user.is_authenticated
            else self.none()
        )


class OpportunityQuerySet(SalespersonScopedQuerySet):
    def open(self):
        """Not started or in progress."""
        return self.filter(IS_OPEN)

    def in_progress(self):
        """Started and not closed."""
        return self.filter(status=Status.IN_PROGRESS)

    def closed(self):
        """Won or lost."""
        return self.filter(status__in=CLOSED_STATUSES)

    def won(self):
        """Closed as won."""
        return self.filter(status=Status.WON)

    def lost(self):
        """Closed as lost."""
        return self.filter(status=Status.LOST)

    def closing_between(self, start, end):
        """Estimated close date within [start, end]."""
        return self.filter(estimated_close_date__range=(start, end))

    def for_list(self):
        """The related rows a list of opportunities shows."""
        return self.select_related(
            "contact", "contact_company", "salesperson", "sales_cycle", "stage"
        )


class Opportunity(models.Model):
    number = models.CharField(
        _("no."),
        max_length=20,
        unique=True,
        blank=True,
        validators=[validate_number],
        help_text=_("Leave empty to take the next number of the series."),
    )
    description = models.CharField(_("description"), max_length=100)
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    contact_company = models.ForeignKey(
        Contact,
        verbose_name=_("contact company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="company_opportunities",
        editable=False,
    )
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="opportunities",
        db_index=False,
    )
    sales_cycle = models.ForeignKey(
        SalesCycle,
        verbose_name=_("sales cycle"),
        on_delete=models.PROTECT,
        related_name="opportunities",
        db_index=False,
    )
    creation_date = models.DateField(_("creation date"), default=timezone.localdate)
    status = models.CharField(
        _("status"),
        max_length=11,
        choices=Status,
        default=Status.NOT_STARTED,
        editable=False,
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority, default=Priority.NORMAL
    )
    date_closed = models.DateField(_("date closed"), null=True, editable=False)
    close_reason = models.ForeignKey(
        CloseReason,
        verbose_name=_("close reason"),
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="opportunities",
        db_index=False,
    )
    # The current figures: a copy of the active entry's, written in the same
    # transaction, so lists filter and sort on them without joins.
    stage = models.ForeignKey(
        Stage,
        verbose_name=_("stage"),
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="opportunities",
        help_text=_(
            "The stage the opportunity stands on; once closed, the last stage "
            "it reached."
        ),
    )
    # Kept by every write of an entry (furthest_stage below), so that the
    # funnel of closed opportunities is one grouping, not a search of each
    # one's history.
    furthest_stage = models.ForeignKey(
        Stage,
        verbose_name=_("furthest stage"),
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        db_index=False,
        help_text=_("The highest-numbered stage the opportunity has been at."),
    )
    estimated_value = models.DecimalField(_("estimated value"), editable=False, **MONEY)
    chances_pct = models.DecimalField(
        _("chances of success %"), editable=False, **PERCENT_FIELD
    )
    completed_pct = models.DecimalField(
        _("completed %"), editable=False, **PERCENT_FIELD
    )
    probability_pct = models.DecimalField(
        _("probability %"), editable=False, **PERCENT_FIELD
    )
    current_value = models.DecimalField(
        _("calculated current value"), editable=False, **MONEY
    )
    estimated_close_date = models.DateField(
        _("estimated close date"), null=True, editable=False
    )
    version = models.PositiveIntegerField(
        _("version"),
        default=0,
        editable=False,
        help_text=_("Raised by every change, so a stale form cannot overwrite one."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-number"]
        permissions = [
            (
                "view_all_opportunities",
                _("Can see and act on everyone's opportunities"),
            ),
            ("reopen_opportunity", _("Can reopen a closed opportunity")),
        ]
        # Each index serves a query: the cues and overdue lists (status, close
        # date); a rep's rows (salesperson, status); the board and the pipeline
        # by stage (cycle, status, stage, ...). Those cover the salesperson and
        # cycle foreign keys, which need no index of their own; contact and
        # contact company keep theirs (a contact's page, deleting contacts), as
        # stage does (the list filtered by stage). Close reasons go without:
        # only statistics read them, grouping all closed rows anyway. The
        # measurements behind these are in docs/benchmarks.md.
        indexes = [
            models.Index(fields=["status", "estimated_close_date"]),
            # A salesperson's opportunities by status; its included values let
            # the list's count and totals (all of them, or one salesperson's)
            # read the index alone, not the table.
            models.Index(
                fields=["salesperson", "status"],
                include=["estimated_value", "current_value"],
                name="opportunity_salesperson_totals",
            ),
            # The board: a cycle's open opportunities by stage, in the order
            # the cards show (the pipeline by stage reads it too); its included
            # values let the column totals read the index alone.
            models.Index(
                fields=[
                    "sales_cycle",
                    "status",
                    "stage",
                    "estimated_close_date",
                    "number",
                ],
                include=["estimated_value", "current_value"],
                name="opportunity_board",
            ),
            # The top open opportunities by value (home) and the open list
            # sorted by value: read in order, stopping at the page's end.
            models.Index(
                fields=["-estimated_value", "number"],
                condition=Q(status__in=list(OPEN_STATUSES)),
                name="opportunity_open_by_value",
            ),
        ]
        constraints = figures_constraints("opportunity") + [
            models.CheckConstraint(
                condition=(Q(status__in=CLOSED_STATUSES) & Q(date_closed__isnull=False))
                | (~Q(status__in=CLOSED_STATUSES) & Q(date_closed__isnull=True)),
                name="opportunity_date_closed_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.description}"

    def get_status_display(self) -> str:
        # Django's own builds a dict of the choices on every call: a tenth of
        # the time of a row in the list.
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def is_open(self) -> bool:
        return not self.is_closed

    @property
    def current_stage(self) -> Stage | None:
        """The stage it stands on now; none unless in progress."""
        return self.stage if self.status == Status.IN_PROGRESS else None


class OpportunityEntryQuerySet(SalespersonScopedQuerySet):
    # An entry is seen with its opportunity, whoever it was written for.
    salesperson = "opportunity__salesperson"

    def active(self):
        """The latest entry of each opportunity."""
        return self.filter(active=True)


class OpportunityEntry(models.Model):
    """One line of an opportunity's append-only history."""

    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="entries",
    )
    sales_cycle = models.ForeignKey(
        SalesCycle,
        verbose_name=_("sales cycle"),
        on_delete=models.PROTECT,
        db_index=False,
    )
    stage = models.ForeignKey(
        Stage,
        verbose_name=_("stage"),
        on_delete=models.PROTECT,
        null=True,
        related_name="entries",
        db_index=False,
    )
    previous_stage = models.ForeignKey(
        Stage,
        verbose_name=_("previous stage"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="+"
    )
    contact_company = models.ForeignKey(
        Contact,
        verbose_name=_("contact company"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    date_of_change = models.DateField(_("date of change"))
    active = models.BooleanField(_("active"), default=True)
    date_closed = models.DateField(_("date closed"), null=True)
    days_open = models.PositiveIntegerField(_("days open"), default=0)
    action_taken = models.CharField(_("action taken"), max_length=10, choices=Action)
    estimated_value = models.DecimalField(_("estimated value"), **MONEY)
    chances_pct = models.DecimalField(_("chances of success %"), **PERCENT_FIELD)
    completed_pct = models.DecimalField(_("completed %"), **PERCENT_FIELD)
    probability_pct = models.DecimalField(_("probability %"), **PERCENT_FIELD)
    current_value = models.DecimalField(_("calculated current value"), **MONEY)
    estimated_close_date = models.DateField(_("estimated close date"), null=True)
    close_reason = models.ForeignKey(
        CloseReason,
        verbose_name=_("close reason"),
        on_delete=models.PROTECT,
        null=True,
        related_name="entries",
        db_index=False,
    )
    # Why it was reopened (required) or a word on the closing (optional).
    note = models.CharField(_("note"), max_length=NOTE_LENGTH, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("timestamp"), auto_now_add=True)

    objects = OpportunityEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunity entry")
        verbose_name_plural = _("opportunity entries")
        ordering = ["opportunity", "id"]
        constraints = figures_constraints("entry") + [
            models.UniqueConstraint(
                fields=["opportunity"],
                condition=Q(active=True),
                name="one_active_entry_per_opportunity",
            ),
        ]
        # An opportunity's history (opportunity; the partial unique index finds
        # its active entry) and the time spent in each stage: the superseded
        # entries by stage and opportunity with their days open, read from the
        # index alone. The other references are copies of the opportunity's at
        # the time, read only with it: no index of their own but contact and
        # contact company, so deleting contacts does not scan the history.
        indexes = [
            models.Index(
                fields=["stage", "opportunity", "days_open"],
                condition=Q(active=False),
                name="entry_superseded_by_stage",
            )
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}/{self.pk} {self.get_action_taken_display()}"


class SalesQuote(models.Model):
    opportunity = models.OneToOneField(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="quote",
    )
    number = models.CharField(
        _("no."), max_length=20, unique=True, validators=[validate_number]
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    amount = models.DecimalField(_("amount excl. VAT"), **MONEY)
    description = models.CharField(_("description"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("sales quote")
        verbose_name_plural = _("sales quotes")
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="quote_amount_gte_0"
            )
        ]

    def __str__(self) -> str:
        return self.number


class TaskQuerySet(SalespersonScopedQuerySet):
    def open(self):
        """Tasks not closed."""
        return self.filter(closed=False)


class Task(models.Model):
    """A to-do, from a stage's activity or made by hand."""

    number = models.CharField(
        _("no."), max_length=20, unique=True, validators=[validate_number]
    )
    type = models.CharField(
        _("type"),
        max_length=10,
        choices=ActivityStepType,
        default=ActivityStepType.NONE,
    )
    description = models.CharField(_("description"), max_length=100)
    date = models.DateField(_("date"))
    time = models.TimeField(_("time"), null=True, blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=11, choices=TaskStatus, default=TaskStatus.NOT_STARTED
    )
    closed = models.BooleanField(_("closed"), default=False)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    date_closed = models.DateField(_("date closed"), null=True, blank=True)
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
    )
    opportunity_entry = models.ForeignKey(
        OpportunityEntry,
        verbose_name=_("created by entry"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["date", "number"]
        indexes = [
            models.Index(fields=["salesperson", "closed", "date"]),
            # An opportunity's next activity, and whether it has one.
            models.Index(
                fields=["opportunity", "date"],
                condition=Q(closed=False),
                name="task_open_by_opportunity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.description}"


class Interaction(models.Model):
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="interactions",
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    kind = models.CharField(_("kind"), max_length=10, choices=InteractionKind)
    description = models.TextField(
        _("description"),
        max_length=INTERACTION_LENGTH,  # the form's limit; the validator the model's
        validators=[MaxLengthValidator(INTERACTION_LENGTH)],
    )
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="interactions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("timestamp"), auto_now_add=True)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


def furthest_stage(*stages: Stage | None) -> Stage | None:
    """The highest-numbered of ``stages``, None among them ignored: what an
    opportunity's ``furthest_stage`` is, given the stages of its entries."""
    return max(
        (s for s in stages if s is not None), key=lambda s: s.number, default=None
    )
