"""Close reason statistics: closed opportunities per close reason."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.money import format_money
from crm.reports import charts
from crm.reports.base import Section, StatisticsView, money_column, value_axis
from crm.reports.tables import Column, Link, Table
from opportunities import statistics
from opportunities.models import CloseReason, CloseReasonType


class CloseReasonStatisticsView(StatisticsView):
    """Closed opportunities per close reason: count, value, average and share."""

    title = gettext_lazy("Close reason statistics")
    intro = gettext_lazy(
        "Opportunities closed with each reason (and not reopened since). The "
        "date range limits them by date closed."
    )
    dates = "closed"
    date_field = "date_closed"

    def sections(self, opportunities):
        figures = statistics.by_close_reason(opportunities)
        reasons = list(CloseReason.objects.order_by("type", "code"))
        totals = {
            outcome: sum(
                figures[r.pk]["value"]
                for r in reasons
                if r.type == outcome and r.pk in figures
            )
            for outcome in CloseReasonType.values
        }
        table = Table(
            "close-reasons",
            _("Close reasons"),
            [
                Column(_("Close reason")),
                Column(_("Type")),
                Column(_("Count"), "count"),
                money_column(_("Value")),
                money_column(_("Average value")),
                Column(_("Share of its type's value"), "percent"),
            ],
        )
        shown = []
        for reason in reasons:
            row = figures.get(
                reason.pk, {"count": 0, "value": 0, "average_value": None}
            )
            table.add(
                str(reason),
                reason.get_type_display(),
                Link(
                    row["count"],
                    self.list_url(status=reason.type, close_reason=reason.pk),
                ),
                row["value"],
                row["average_value"],
                statistics.ratio(row["value"], totals[reason.type]),
            )
            if row["count"]:
                shown.append((reason, row))
        chart = (
            charts.bar_chart(
                [reason.code for reason, _row in shown],
                [
                    charts.Series(
                        label,
                        [
                            row["value"] if reason.type == outcome else None
                            for reason, row in shown
                        ],
                    )
                    for outcome, label in CloseReasonType.choices
                ],
                title=table.title,
                x_label=value_axis(),
                format_value=format_money,
            )
            if shown
            else None
        )
        return [Section(table, chart)]
