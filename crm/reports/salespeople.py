"""Salesperson statistics: open, won and lost per salesperson."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.money import format_money
from crm.numbers import number_url
from crm.reports import charts
from crm.reports.base import (
    Section,
    StatisticsView,
    people_label,
    salespeople_of,
    split_cells,
    split_columns,
    split_total,
    value_axis,
)
from crm.reports.tables import Column, Link, Table
from opportunities import statistics


class SalespersonStatisticsView(StatisticsView):
    """Per salesperson: open, won and lost counts and values, averages, win rate."""

    title = gettext_lazy("Salesperson statistics")
    intro = gettext_lazy(
        "Every opportunity of each salesperson, split by its status now. Won "
        "value is the sale value; lost value the estimate when it was lost."
    )
    dates = None

    def sections(self, opportunities):
        split = statistics.split_by(opportunities, "salesperson_id")
        salespeople = [sp for sp in salespeople_of(opportunities) if sp.pk in split]
        table = Table(
            "salespeople", _("Salespeople"), split_columns(Column(_("Salesperson")))
        )
        for salesperson in salespeople:
            table.add(
                Link(
                    people_label(salesperson),
                    number_url("contacts:salesperson", salesperson.code),
                ),
                *split_cells(
                    split[salesperson.pk],
                    lambda status, pk=salesperson.pk: self.list_url(
                        salesperson=pk, status=status
                    ),
                ),
            )
        if salespeople:
            table.total(*split_total(opportunities))
        chart = (
            charts.bar_chart(
                [sp.code for sp in salespeople],
                [
                    charts.Series(
                        _("Open estimated value"),
                        [split[sp.pk]["open"]["estimated_value"] for sp in salespeople],
                    ),
                    charts.Series(
                        _("Won value"),
                        [split[sp.pk]["won"]["current_value"] for sp in salespeople],
                    ),
                ],
                title=table.title,
                x_label=value_axis(),
                format_value=format_money,
            )
            if salespeople
            else None
        )
        return [Section(table, chart)]
