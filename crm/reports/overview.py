"""This quarter: won, still expected, overdue and lost, by salesperson."""

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from crm.money import format_money
from crm.numbers import number_url
from crm.reports import charts
from crm.reports.base import (
    LostByReason,
    Section,
    StatisticsView,
    money_column,
    people_label,
    salespeople_of,
    value_axis,
)
from crm.reports.tables import Column, Link, Table
from crm.templatetags.reports import cell
from opportunities import statistics


class OverviewView(StatisticsView):
    """What will we close this quarter, who is behind, where do we lose deals."""

    dates = None
    intro = gettext_lazy(
        "Won this quarter, what is still expected to close in it (estimated and "
        "weighted by probability), what is overdue, and why deals were lost."
    )

    @property
    def title(self):
        first, last = statistics.quarter_of(self.today)
        return _("This quarter (%(first)s – %(last)s)") % {
            "first": date_format(first, "SHORT_DATE_FORMAT"),
            "last": date_format(last, "SHORT_DATE_FORMAT"),
        }

    def sections(self, opportunities):
        first, last = statistics.quarter_of(self.today)
        closed_in_quarter = {
            "closed_from": first.isoformat(),
            "closed_to": last.isoformat(),
        }
        by_salesperson = statistics.quarter_by(
            opportunities, "salesperson_id", self.today
        )
        salespeople = salespeople_of(opportunities)
        closed_here = opportunities.filter(date_closed__range=(first, last))
        overall = statistics.nest_split(
            closed_here.order_by().aggregate(**statistics.split_aggregates())
        )
        total = {
            key: sum(row[key] for row in by_salesperson.values())
            for key in next(iter(by_salesperson.values()), {})
        }
        self.cues = [
            {
                "label": _("Won this quarter"),
                "value": format_money(total.get("won_value", 0)),
                "detail": ngettext(
                    "%(count)s deal", "%(count)s deals", total.get("won_count", 0)
                )
                % {"count": total.get("won_count", 0)},
                "href": self.list_url(status="won", **closed_in_quarter),
            },
            {
                "label": _("Still expected this quarter (weighted)"),
                "value": format_money(total.get("closing_current_value", 0)),
                "detail": _("of %(value)s estimated")
                % {"value": format_money(total.get("closing_estimated_value", 0))},
                "href": self.list_url(
                    status="open",
                    close_from=self.today.isoformat(),
                    close_to=last.isoformat(),
                ),
            },
            {
                "label": _("Overdue"),
                "value": format_money(total.get("overdue_estimated_value", 0)),
                "detail": ngettext(
                    "%(count)s opportunity",
                    "%(count)s opportunities",
                    total.get("overdue_count", 0),
                )
                % {"count": total.get("overdue_count", 0)},
                "href": self.list_url(due="overdue"),
                "alert": bool(total.get("overdue_count")),
            },
            {
                "label": _("Win rate this quarter"),
                "value": cell(overall["win_rate"], "percent"),
                "detail": _("won %(won)s, lost %(lost)s")
                % {"won": overall["won"]["count"], "lost": overall["lost"]["count"]},
            },
        ]
        table = Table(
            "quarter-by-salesperson",
            _("Salespeople this quarter"),
            [
                Column(_("Salesperson")),
                Column(_("Won"), "count"),
                money_column(_("Won value")),
                Column(_("Closing"), "count"),
                money_column(_("Estimated value")),
                money_column(_("Calculated current value")),
                money_column(_("Won + weighted")),
                Column(_("Overdue"), "count"),
                money_column(_("Overdue value")),
            ],
            note=_(
                "Closing: open opportunities with an estimated close date from today "
                "to the end of the quarter. Won + weighted is what the quarter "
                "brings if the pipeline closes as weighted; the lowest comes first."
            ),
        )
        rows = sorted(
            (
                (salesperson, by_salesperson[salesperson.pk])
                for salesperson in salespeople
                if salesperson.pk in by_salesperson
            ),
            key=lambda item: item[1]["won_value"] + item[1]["closing_current_value"],
        )
        quarter_left = {
            "status": "open",
            "close_from": self.today.isoformat(),
            "close_to": last.isoformat(),
        }
        for salesperson, row in rows:
            sp = salesperson.pk
            table.add(
                Link(
                    people_label(salesperson),
                    number_url("contacts:salesperson", salesperson.code),
                ),
                Link(
                    row["won_count"],
                    self.list_url(salesperson=sp, status="won", **closed_in_quarter),
                ),
                row["won_value"],
                Link(
                    row["closing_count"], self.list_url(salesperson=sp, **quarter_left)
                ),
                row["closing_estimated_value"],
                row["closing_current_value"],
                row["won_value"] + row["closing_current_value"],
                Link(
                    row["overdue_count"], self.list_url(salesperson=sp, due="overdue")
                ),
                row["overdue_estimated_value"],
            )
        if rows:
            table.total(
                _("Total"),
                total["won_count"],
                total["won_value"],
                total["closing_count"],
                total["closing_estimated_value"],
                total["closing_current_value"],
                total["won_value"] + total["closing_current_value"],
                total["overdue_count"],
                total["overdue_estimated_value"],
            )
        chart = charts.bar_chart(
            [salesperson.code for salesperson, _row in rows],
            [
                charts.Series(_("Won value"), [row["won_value"] for _sp, row in rows]),
                charts.Series(
                    _("Still expected (weighted)"),
                    [row["closing_current_value"] for _sp, row in rows],
                ),
            ],
            title=table.title,
            x_label=value_axis(),
            format_value=format_money,
        )
        lost = LostByReason(self, closed_here, **closed_in_quarter)
        return [Section(table, chart), lost.section(_("Lost this quarter by reason"))]
