"""The statistics pages' filters: who, which cycle, which dates; the matrix's layout."""

import datetime

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from contacts.models import Salesperson
from crm.filter_bar import FilterBarForm
from opportunities.filters import StageChoiceFilter
from opportunities.models import Status
from opportunities.statistics import add_months, period_starts
from salescycles.models import SalesCycle, Stage

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Dates the statistics count between: the periods after the last must still
# be dates (the calendar ends in 9999).
DATE_RANGE = [
    MinValueValidator(datetime.date(1900, 1, 1)),
    MaxValueValidator(datetime.date(2999, 12, 31)),
]
MAX_COLUMNS = 62
# The fewest days a period of each kind has: a range longer than this many
# periods makes too many columns without counting them one by one.
PERIOD_DAYS = {"day": 1, "week": 7, "month": 28, "quarter": 89, "year": 365}


class StatisticsForm(FilterBarForm):
    """Filters a statistics page applies to the opportunities it counts.

    A rep counts their own opportunities: the salesperson field is only there
    for managers. ``dates`` names what the date range filters (the estimated
    close date or the date closed); None leaves it out.
    """

    RANGES = [("date_from", "date_to")]

    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"),
        queryset=Salesperson.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("All salespeople"),
    )
    sales_cycle = forms.ModelChoiceField(
        label=_("Sales cycle"),
        queryset=SalesCycle.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("All sales cycles"),
    )
    date_from = forms.DateField(required=False, widget=DATE, validators=DATE_RANGE)
    date_to = forms.DateField(required=False, widget=DATE, validators=DATE_RANGE)

    def __init__(self, data, *, user, dates: str | None = "close", **kwargs):
        super().__init__(data, **kwargs)
        if not user.has_perm("opportunities.view_all_opportunities"):
            del self.fields["salesperson"]
        if dates is None:
            del self.fields["date_from"], self.fields["date_to"]
        elif dates == "close":
            self.fields["date_from"].label = _("Closing from")
            self.fields["date_to"].label = _("Closing to")
        else:
            self.fields["date_from"].label = _("Closed from")
            self.fields["date_to"].label = _("Closed to")

    def narrow(self, opportunities, *, date_field: str | None = None):
        """``opportunities`` narrowed to the valid filters (all of them if none)."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("salesperson"):
            opportunities = opportunities.filter(salesperson=data["salesperson"])
        if data.get("sales_cycle"):
            opportunities = opportunities.filter(sales_cycle=data["sales_cycle"])
        if date_field and data.get("date_from"):
            opportunities = opportunities.filter(
                **{f"{date_field}__gte": data["date_from"]}
            )
        if date_field and data.get("date_to"):
            opportunities = opportunities.filter(
                **{f"{date_field}__lte": data["date_to"]}
            )
        return opportunities


class MatrixForm(StatisticsForm):
    """NAV's opportunities matrix: what the rows, columns and cells are."""

    ROWS = [
        ("salesperson", _("Salesperson")),
        ("contact", _("Contact")),
        ("sales_cycle", _("Sales cycle")),
    ]
    MEASURES = [
        ("count", _("Count")),
        ("estimated_value", _("Estimated value")),
        ("current_value", _("Calculated current value")),
        ("average_estimated_value", _("Average estimated value")),
        ("average_current_value", _("Average current value")),
    ]
    ROUNDING = [
        ("none", _("None")),
        ("thousands", _("Thousands")),
        ("millions", _("Millions")),
    ]
    STATUSES = [
        ("open", _("Open")),
        *Status.choices,
        ("closed", _("Closed")),
        ("all", _("All")),
    ]

    rows = forms.ChoiceField(
        label=_("Show as rows"), choices=ROWS, initial="salesperson"
    )
    period = forms.ChoiceField(
        label=_("Columns by"),
        choices=[
            ("day", _("Day")),
            ("week", _("Week")),
            ("month", _("Month")),
            ("quarter", _("Quarter")),
            ("year", _("Year")),
        ],
        initial="month",
    )
    measure = forms.ChoiceField(label=_("Show"), choices=MEASURES, initial="count")
    status = forms.ChoiceField(label=_("Status"), choices=STATUSES, initial="open")
    stage = StageChoiceFilter.field_class(
        label=_("Stage"),
        queryset=Stage.objects.select_related("cycle").order_by(
            "cycle__code", "number"
        ),
        required=False,
        empty_label=_("All stages"),
    )
    rounding = forms.ChoiceField(label=_("Rounding"), choices=ROUNDING, initial="none")

    def __init__(self, data, *, user, today: datetime.date, **kwargs):
        first = today.replace(day=1)
        defaults = {
            name: field.initial
            for name, field in self.base_fields.items()
            if field.initial is not None
        } | {
            "date_from": first.isoformat(),
            "date_to": (add_months(first, 12) - datetime.timedelta(days=1)).isoformat(),
        }
        given = {key: value for key, value in data.items() if value != ""}
        super().__init__(defaults | given, user=user, dates="close", **kwargs)
        self.fields["date_from"].required = self.fields["date_to"].required = True

    def clean(self):
        data = super().clean()
        start, end, period = (
            data.get("date_from"),
            data.get("date_to"),
            data.get("period"),
        )
        if (
            start
            and end
            and period
            and end >= start
            and (
                (end - start).days > MAX_COLUMNS * PERIOD_DAYS[period]
                or len(period_starts(period, start, end)) > MAX_COLUMNS
            )
        ):
            self.add_error(
                "period",
                forms.ValidationError(
                    _(
                        "That makes more than %(max)s columns: choose a longer "
                        "period or a shorter date range."
                    ),
                    code="too_many_columns",
                    params={"max": MAX_COLUMNS},
                ),
            )
        return data
