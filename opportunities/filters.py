"""The opportunity list's filters."""

import datetime

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Salesperson
from crm.filter_bar import FilterBarForm
from opportunities.models import (
    CLOSED_STATUSES,
    MONEY,
    OPEN_STATUSES,
    CloseReason,
    Opportunity,
    Status,
    Task,
)
from opportunities.search import opportunity_matching
from opportunities.statistics import add_months, quarter_of
from salescycles.models import Priority, SalesCycle, Stage

MAX_ID = 2**63 - 1  # the largest id a database column holds


def posted_pk(text) -> int | None:
    """The posted text as an id, or None when no row can have it."""
    text = str(text)
    if text.isascii() and text.isdigit() and len(text) < 20 and 0 < int(text) <= MAX_ID:
        return int(text)
    return None


# The status filter's two group choices, besides the four statuses themselves.
STATUS_FILTER_GROUPS = {"open": OPEN_STATUSES, "closed": CLOSED_STATUSES}

# Periods that move with today, so that a saved view stays current.
PERIODS = [
    ("month", _("This month")),
    ("quarter", _("This quarter")),
    ("year", _("This year")),
]


def period_bounds(
    period: str, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The first and last day of this month, quarter or year."""
    if period == "month":
        return today.replace(day=1), add_months(today, 1) - datetime.timedelta(days=1)
    if period == "quarter":
        return quarter_of(today)
    return datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)


class StageSelect(forms.Select):
    """Stage options that name their cycle (``data-cycle``), so that the page
    can offer only the chosen cycle's stages (static/js/crm.js)."""

    def create_option(self, name, value, label, selected, index, **kwargs):
        option = super().create_option(name, value, label, selected, index, **kwargs)
        if value:
            # Written by templates/django/forms/widgets/select.html.
            option["cycle"] = value.instance.cycle_id
        return option


class StageChoiceFilter(django_filters.ModelChoiceFilter):
    class field_class(forms.ModelChoiceField):  # noqa: N801 - django-filter's name
        widget = StageSelect

        def label_from_instance(self, obj):
            return f"{obj.cycle.code} · {obj.number} {obj.description}"


class OpportunityFilterForm(FilterBarForm):
    """The filters' form: a range's end may not come before its start."""

    RANGES = [
        ("close_from", "close_to"),
        ("closed_from", "closed_to"),
        ("value_min", "value_max"),
    ]


class OpportunityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        method="filter_status",
        choices=[
            ("open", _("Open")),
            *Status.choices,
            ("closed", _("Closed")),
        ],
    )
    due = django_filters.ChoiceFilter(
        label=_("Due"),
        method="filter_due",
        choices=[("week", _("In the next 7 days")), ("overdue", _("Overdue"))],
    )
    # The user's own as a salesperson (a manager's too): "My deals ...".
    mine = django_filters.ChoiceFilter(
        method="filter_mine", choices=[("1", "1")], widget=forms.HiddenInput
    )
    next_activity = django_filters.ChoiceFilter(
        label=_("Next activity"),
        method="filter_next_activity",
        choices=[("none", _("None (open deals)")), ("overdue", _("Overdue"))],
    )
    closing = django_filters.ChoiceFilter(
        label=_("Closing"), method="filter_closing", choices=PERIODS
    )
    closed_in = django_filters.ChoiceFilter(
        label=_("Closed in"), method="filter_closed_in", choices=PERIODS
    )
    salesperson = django_filters.ModelChoiceFilter(
        label=_("Salesperson"), queryset=Salesperson.objects.all()
    )
    sales_cycle = django_filters.ModelChoiceFilter(
        label=_("Sales cycle"), queryset=SalesCycle.objects.all()
    )
    stage = StageChoiceFilter(
        label=_("Stage"),
        queryset=Stage.objects.select_related("cycle").order_by(
            "cycle__code", "number"
        ),
    )
    priority = django_filters.ChoiceFilter(
        label=_("Priority"), choices=Priority.choices
    )
    contact = django_filters.NumberFilter(
        method="filter_contact",
        widget=forms.HiddenInput,
        min_value=1,
        max_value=MAX_ID,
        decimal_places=0,
    )
    close_from = django_filters.DateFilter(
        label=_("Closing from"),
        field_name="estimated_close_date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    close_to = django_filters.DateFilter(
        label=_("Closing to"),
        field_name="estimated_close_date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    closed_from = django_filters.DateFilter(
        label=_("Closed from"),
        field_name="date_closed",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    closed_to = django_filters.DateFilter(
        label=_("Closed to"),
        field_name="date_closed",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    close_reason = django_filters.ModelChoiceFilter(
        label=_("Close reason"), queryset=CloseReason.objects.all()
    )
    value_min = django_filters.NumberFilter(
        label=_("Value from"),
        field_name="estimated_value",
        lookup_expr="gte",
        localize=True,
        max_digits=MONEY["max_digits"],
        decimal_places=MONEY["decimal_places"],
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    value_max = django_filters.NumberFilter(
        label=_("Value to"),
        field_name="estimated_value",
        lookup_expr="lte",
        localize=True,
        max_digits=MONEY["max_digits"],
        decimal_places=MONEY["decimal_places"],
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    o = django_filters.OrderingFilter(
        fields=[
            ("number", "number"),
            ("description", "description"),
            ("contact__name", "contact"),
            ("salesperson__code", "salesperson"),
            ("status", "status"),
            ("stage__number", "stage"),
            ("estimated_value", "estimated_value"),
            ("probability_pct", "probability"),
            ("current_value", "current_value"),
            ("estimated_close_date", "estimated_close_date"),
        ],
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Opportunity
        fields = []
        form = OpportunityFilterForm

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request and not request.user.has_perm(
            "opportunities.view_all_opportunities"
        ):
            # A rep sees only their own: choosing a salesperson means nothing.
            del self.filters["salesperson"]

    def search(self, queryset, name, value):
        return opportunity_matching(queryset, value)

    def filter_status(self, queryset, name, value):
        return queryset.filter(status__in=STATUS_FILTER_GROUPS.get(value, [value]))

    def filter_due(self, queryset, name, value):
        today = timezone.localdate()
        queryset = queryset.open()
        if value == "overdue":
            return queryset.filter(estimated_close_date__lt=today)
        return queryset.closing_between(today, today + datetime.timedelta(days=7))

    def filter_next_activity(self, queryset, name, value):
        open_tasks = Task.objects.filter(opportunity=OuterRef("pk"), closed=False)
        if value == "none":
            return queryset.open().filter(~Exists(open_tasks))
        overdue = open_tasks.filter(date__lt=timezone.localdate())
        return queryset.open().filter(Exists(overdue))

    def filter_mine(self, queryset, name, value):
        user = self.request.user if self.request else None
        return queryset.filter(salesperson__user=user) if user else queryset.none()

    def filter_closing(self, queryset, name, value):
        return queryset.closing_between(*period_bounds(value, timezone.localdate()))

    def filter_closed_in(self, queryset, name, value):
        start, end = period_bounds(value, timezone.localdate())
        return queryset.filter(date_closed__range=(start, end))

    def filter_contact(self, queryset, name, value):
        return queryset.filter(Q(contact_id=value) | Q(contact_company_id=value))
