"""The forecast: the open pipeline by estimated close month, won by month."""

import datetime

from django.db.models import Count, Sum
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.money import format_money
from crm.reports import charts
from crm.reports.base import (
    Section,
    StatisticsView,
    money_column,
    short_month,
    stage_label,
    value_axis,
)
from crm.reports.tables import Column, Link, Table
from opportunities import statistics
from salescycles.models import Stage


def _month_label(first: datetime.date) -> str:
    return date_format(first, "YEAR_MONTH_FORMAT")


class ForecastView(StatisticsView):
    """The pipeline by month of estimated close date, and won value by month."""

    title = gettext_lazy("Forecast")
    intro = gettext_lazy(
        "Opportunities in progress by month of their estimated close date for "
        "the next twelve months, split by stage in the table (the chart stacks "
        "the sales cycles, or the stages of the one you pick); the earlier "
        "months' are overdue. Below, the value won in each of the last twelve "
        "months."
    )
    dates = None
    MONTHS = 12

    def sections(self, opportunities):
        this_month = self.today.replace(day=1)
        end = statistics.add_months(this_month, self.MONTHS)
        months = [statistics.add_months(this_month, i) for i in range(self.MONTHS)]
        pipeline = statistics.by_period(
            opportunities.in_progress().filter(estimated_close_date__lt=end),
            date_field="estimated_close_date",
            period="month",
            keys=("stage_id",),
        )
        stages = {
            stage.pk: stage
            for stage in Stage.objects.select_related("cycle").filter(
                pk__in={row["stage_id"] for row in pipeline}
            )
        }
        ordered_stages = sorted(stages.values(), key=lambda s: (s.cycle.code, s.number))
        earlier = _("Earlier (overdue)")
        cells: dict = {}
        for row in pipeline:
            # Every month before this one falls into one "overdue" bucket (None).
            month = None if row["period"] < this_month else row["period"]
            bucket = cells.setdefault(
                (month, row["stage_id"]),
                dict.fromkeys(("count", "estimated_value", "current_value"), 0),
            )
            for measure in bucket:
                bucket[measure] += row[measure]
        table = Table(
            "forecast-by-month",
            _("Open pipeline by estimated close month"),
            [
                Column(_("Month")),
                Column(_("Stage")),
                Column(_("Count"), "count"),
                money_column(_("Estimated value")),
                money_column(_("Calculated current value")),
            ],
        )
        totals = dict.fromkeys(("count", "estimated_value", "current_value"), 0)
        for month in [None, *months]:
            label = earlier if month is None else _month_label(month)
            month_rows = [
                (stage, cells[(month, stage.pk)])
                for stage in ordered_stages
                if (month, stage.pk) in cells
            ]
            if month is None and not month_rows:
                continue
            subtotal = {
                measure: sum(row[measure] for _stage, row in month_rows)
                for measure in totals
            }
            close_from, close_to = (
                (None, (this_month - datetime.timedelta(days=1)).isoformat())
                if month is None
                else (
                    month.isoformat(),
                    statistics.period_end("month", month).isoformat(),
                )
            )
            table.add(
                label,
                "",
                Link(
                    subtotal["count"],
                    self.list_url(
                        status="in_progress", close_from=close_from, close_to=close_to
                    ),
                ),
                subtotal["estimated_value"],
                subtotal["current_value"],
            )
            for stage, row in month_rows:
                table.add(
                    "",
                    stage_label(stage),
                    Link(
                        row["count"],
                        self.list_url(
                            status="in_progress",
                            stage=stage.pk,
                            close_from=close_from,
                            close_to=close_to,
                        ),
                    ),
                    row["estimated_value"],
                    row["current_value"],
                    indent=1,
                )
            for measure in totals:
                totals[measure] += subtotal[measure]
        table.total(
            _("Total"),
            "",
            totals["count"],
            totals["estimated_value"],
            totals["current_value"],
        )
        columns = [None, *months] if any(key[0] is None for key in cells) else months
        # Stacked by stage within one cycle; by cycle when all are shown, since
        # every cycle has stages of its own.
        if self.form.cleaned_data.get("sales_cycle"):
            groups = [(stage_label(stage), [stage]) for stage in ordered_stages]
        else:
            cycles: dict = {}
            for stage in ordered_stages:
                cycles.setdefault(stage.cycle.code, []).append(stage)
            groups = list(cycles.items())
        chart = charts.column_chart(
            [
                _("Overdue") if month is None else short_month(month)
                for month in columns
            ],
            [
                charts.Series(
                    label,
                    [
                        sum(
                            cells.get((month, stage.pk), {}).get("current_value", 0)
                            for stage in group
                        )
                        for month in columns
                    ],
                )
                for label, group in groups
            ],
            title=_("Calculated current value by estimated close month"),
            x_label=_("Estimated close month"),
            y_label=value_axis(_("Calculated current value")),
            format_value=format_money,
        )
        return [Section(table, chart), self.won_section(opportunities, this_month)]

    def won_section(self, opportunities, this_month) -> Section:
        first = statistics.add_months(this_month, 1 - self.MONTHS)
        months = [statistics.add_months(first, i) for i in range(self.MONTHS)]
        won = {
            row["period"]: row
            for row in statistics.by_period(
                opportunities.won().filter(date_closed__gte=first),
                date_field="date_closed",
                period="month",
                measures={
                    "count": Count("pk"),
                    # The sale value: a won opportunity's current value.
                    "value": Sum("current_value", output_field=statistics.TOTAL),
                },
            )
        }
        table = Table(
            "won-by-month",
            _("Won by month closed, last twelve months"),
            [
                Column(_("Month")),
                Column(_("Won"), "count"),
                money_column(_("Won value")),
            ],
        )
        empty = {"count": 0, "value": 0}
        for month in months:
            row = won.get(month, empty)
            table.add(
                _month_label(month),
                Link(
                    row["count"],
                    self.list_url(
                        status="won",
                        closed_from=month.isoformat(),
                        closed_to=statistics.period_end("month", month).isoformat(),
                    ),
                ),
                row["value"],
            )
        table.total(
            _("Total"),
            sum(row["count"] for row in won.values()),
            sum(row["value"] for row in won.values()),
        )
        chart = charts.column_chart(
            [short_month(month) for month in months],
            [
                charts.Series(
                    _("Won value"), [won.get(m, empty)["value"] for m in months]
                )
            ],
            title=table.title,
            x_label=_("Month closed"),
            y_label=value_axis(_("Won value")),
            format_value=format_money,
        )
        return Section(table, chart)
