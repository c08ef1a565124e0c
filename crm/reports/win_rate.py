"""Win rate and velocity: win rates, days to close, time in stage, funnel."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.money import format_money
from crm.reports import charts
from crm.reports.base import (
    LostByReason,
    Section,
    StatisticsView,
    money_column,
    people_label,
    salespeople_of,
    stage_label,
)
from crm.reports.tables import Column, Link, Table
from crm.templatetags.reports import cell
from opportunities import statistics
from opportunities.models import Status
from salescycles.models import SalesCycle, Stage


def _win_rate_section(slug, title, label, groups, split, link) -> Section:
    """Won, lost and win rates of ``groups`` [(key, name, short name)] from ``split``,
    with a chart of the win rates."""
    table = Table(
        slug,
        title,
        [
            Column(label),
            Column(_("Won"), "count"),
            Column(_("Lost"), "count"),
            Column(_("Win rate"), "percent"),
            money_column(_("Won value")),
            money_column(_("Lost value")),
            Column(_("Win rate by value"), "percent"),
        ],
    )
    shown = []
    for key, name, short in groups:
        figures = split.get(key)
        if figures is None or figures["win_rate"] is None:
            continue
        shown.append((short, figures["win_rate"]))
        table.add(
            name,
            Link(figures["won"]["count"], link(key, "won")),
            Link(figures["lost"]["count"], link(key, "lost")),
            figures["win_rate"],
            figures["won"]["current_value"],  # the sale value
            figures["lost"]["estimated_value"],
            figures["win_rate_value"],
        )
    chart = None
    if shown:
        chart = charts.bar_chart(
            [short for short, _rate in shown],
            [charts.Series(_("Win rate"), [rate for _short, rate in shown])],
            title=title,
            x_label=_("Win rate (%)"),
            format_value=lambda value: cell(value, "percent"),
            peak=100,
        )
    return Section(table, chart)


class WinRateView(StatisticsView):
    """Win rates, days to close, time in each stage, the funnel, lost by reason."""

    title = gettext_lazy("Win rate and velocity")
    intro = gettext_lazy(
        "Closed opportunities (in the date range, if one is given): how many were "
        "won, how long they took, how far they got and why the others were lost. "
        "Time in stage counts every opportunity that has left the stage."
    )
    dates = "closed"
    date_field = "date_closed"

    def sections(self, opportunities):
        closed = opportunities.closed()
        days = statistics.days_to_close(closed)
        # One grouping by salesperson and cycle, added up three ways.
        outcomes = statistics.outcomes_by(closed, "salesperson_id", "sales_cycle_id")
        overall = statistics.win_rates(outcomes)[None]
        self.cues = [
            {
                "label": _("Win rate"),
                "value": cell(overall["win_rate"], "percent"),
                "detail": _("won %(won)s, lost %(lost)s")
                % {"won": overall["won"]["count"], "lost": overall["lost"]["count"]},
            },
            {
                "label": _("Win rate by value"),
                "value": cell(overall["win_rate_value"], "percent"),
                "detail": _("%(won)s won of %(all)s")
                % {
                    "won": format_money(overall["won"]["current_value"]),
                    "all": format_money(
                        overall["won"]["current_value"]
                        + overall["lost"]["estimated_value"]
                    ),
                },
            },
            {
                "label": _("Average days to close, won"),
                "value": cell(days["won"], "days"),
                "detail": _("from creation to closing"),
            },
            {
                "label": _("Average days to close, lost"),
                "value": cell(days["lost"], "days"),
                "detail": _("from creation to closing"),
            },
        ]
        salespeople = salespeople_of(closed)
        by_salesperson = _win_rate_section(
            "win-rate-by-salesperson",
            _("Win rate by salesperson"),
            _("Salesperson"),
            [(sp.pk, people_label(sp), sp.code) for sp in salespeople],
            statistics.win_rates(outcomes, "salesperson_id"),
            lambda pk, status: self.list_url(salesperson=pk, status=status),
        )
        cycles = list(SalesCycle.objects.order_by("code"))
        by_cycle = _win_rate_section(
            "win-rate-by-cycle",
            _("Win rate by sales cycle"),
            _("Sales cycle"),
            [(c.pk, f"{c.code} {c.description}", c.code) for c in cycles],
            statistics.win_rates(outcomes, "sales_cycle_id"),
            lambda pk, status: self.list_url(sales_cycle=pk, status=status),
        )
        stages = list(
            Stage.objects.select_related("cycle").order_by("cycle__code", "number")
        )
        return [
            by_salesperson,
            by_cycle,
            self.time_in_stage(self.scope, stages),
            self.funnel(closed, cycles, stages),
            LostByReason(self, closed).section(_("Lost value by reason")),
        ]

    def time_in_stage(self, opportunities, stages) -> Section:
        durations = statistics.stage_durations(opportunities)
        table = Table(
            "time-in-stage",
            _("Time in each stage"),
            [
                Column(_("Stage")),
                Column(_("Opportunities that left it"), "count"),
                Column(_("Average days in the stage"), "days"),
                Column(_("Average days open per entry (NAV)"), "days"),
            ],
        )
        shown = [stage for stage in stages if stage.pk in durations]
        for stage in shown:
            row = durations[stage.pk]
            table.add(
                stage_label(stage),
                row["opportunities"],
                row["average_days_in_stage"],
                row["average_days_open"],
            )
        chart = (
            charts.bar_chart(
                [f"{stage.cycle.code} {stage.number}" for stage in shown],
                [
                    charts.Series(
                        _("Average days in the stage"),
                        [
                            durations[stage.pk]["average_days_in_stage"]
                            for stage in shown
                        ],
                    )
                ],
                title=table.title,
                x_label=_("Days"),
            )
            if shown
            else None
        )
        return Section(table, chart)

    def funnel(self, closed, cycles, stages) -> Section:
        reached = statistics.furthest_stage_reached(closed)
        table = Table(
            "funnel",
            _("Furthest stage reached by closed opportunities"),
            [
                Column(_("Stage")),
                Column(_("Won, got no further"), "count"),
                Column(_("Lost, got no further"), "count"),
                money_column(_("Lost value")),
                Column(_("Won that reached it"), "count"),
                Column(_("Lost that reached it"), "count"),
            ],
            note=_(
                "A lost opportunity's furthest stage is where the deal was lost; "
                "the last two columns count every closed opportunity that got at "
                "least that far."
            ),
        )
        labels, won_series, lost_series, stopped_series = [], [], [], []
        for cycle in cycles:
            cycle_stages = [stage for stage in stages if stage.cycle_id == cycle.pk]
            if not any(key[0] == cycle.pk for key in reached):
                continue
            empty = {"count": 0, "value": 0}
            rows = [(None, _("%(cycle)s · not started") % {"cycle": cycle.code})] + [
                (stage.number, stage_label(stage)) for stage in cycle_stages
            ]
            for number, label in rows:
                won = reached.get((cycle.pk, Status.WON, number), empty)
                lost = reached.get((cycle.pk, Status.LOST, number), empty)
                if number is None and not (won["count"] or lost["count"]):
                    continue
                at_least = [
                    sum(
                        row["count"]
                        for (pk, status, furthest), row in reached.items()
                        if pk == cycle.pk
                        and status == outcome
                        and furthest is not None
                        and number is not None
                        and furthest >= number
                    )
                    for outcome in (Status.WON, Status.LOST)
                ]
                table.add(
                    label,
                    won["count"],
                    lost["count"],
                    lost["value"],
                    at_least[0] if number is not None else None,
                    at_least[1] if number is not None else None,
                )
                if number is not None:
                    labels.append(f"{cycle.code} {number}")
                    won_series.append(at_least[0])
                    lost_series.append(at_least[1])
                    stopped_series.append(lost["count"])
        chart = (
            charts.bar_chart(
                labels,
                [
                    charts.Series(_("Won that reached it"), won_series),
                    charts.Series(_("Lost that reached it"), lost_series),
                    charts.Series(_("Lost, got no further"), stopped_series),
                ],
                title=_("Funnel: closed opportunities that reached each stage"),
                x_label=_("Opportunities"),
            )
            if labels
            else None
        )
        return Section(table, chart)
