"""Sales cycle statistics: the open pipeline at each stage of each cycle."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.money import format_money
from crm.reports import charts
from crm.reports.base import Section, StatisticsView, money_column, value_axis
from crm.reports.tables import Column, Link, Table
from opportunities import statistics
from salescycles.models import SalesCycle, Stage


class CycleStatisticsView(StatisticsView):
    """NAV's sales cycle and stage statistics: the open pipeline at each stage."""

    title = gettext_lazy("Sales cycle statistics")
    intro = gettext_lazy(
        "Open opportunities per sales cycle and stage (not started ones stand on "
        "no stage yet). The date range limits them by estimated close date. Days "
        "are from the history: NAV's average days open of the entries at the "
        "stage, and the average total days an opportunity spent there."
    )

    def sections(self, opportunities):
        pipeline = statistics.open_by_stage(opportunities)
        durations = statistics.stage_durations(self.scope)
        cycle = self.form.cleaned_data.get("sales_cycle")
        cycles = [cycle] if cycle else list(SalesCycle.objects.order_by("code"))
        stages = Stage.objects.select_related("cycle").order_by("number")
        by_cycle: dict = {}
        for stage in stages:
            by_cycle.setdefault(stage.cycle_id, []).append(stage)
        empty = {"count": 0, "estimated_value": 0, "current_value": 0}
        sections = []
        for cycle in cycles:
            table = Table(
                f"cycle-{cycle.code}",
                f"{cycle.code} {cycle.description}",
                [
                    Column(_("Stage")),
                    Column(_("Completed %"), "percent"),
                    Column(_("Open"), "count"),
                    money_column(_("Estimated value")),
                    money_column(_("Calculated current value")),
                    Column(_("Average days open"), "days"),
                    Column(_("Average days in the stage"), "days"),
                ],
                note=_("Probability calculation: %(method)s")
                % {"method": cycle.get_probability_method_display()},
            )
            not_started = pipeline.get((cycle.pk, None), empty)
            total = dict(not_started)
            table.add(
                _("Not started"),
                None,
                Link(
                    not_started["count"],
                    self.list_url(sales_cycle=cycle.pk, status="not_started"),
                ),
                not_started["estimated_value"],
                not_started["current_value"],
                None,
                None,
            )
            cycle_stages = by_cycle.get(cycle.pk, [])
            for stage in cycle_stages:
                row = pipeline.get((cycle.pk, stage.pk), empty)
                days = durations.get(stage.pk, {})
                table.add(
                    f"{stage.number} {stage.description}",
                    stage.completed_pct,
                    Link(
                        row["count"],
                        self.list_url(
                            sales_cycle=cycle.pk, stage=stage.pk, status="in_progress"
                        ),
                    ),
                    row["estimated_value"],
                    row["current_value"],
                    days.get("average_days_open"),
                    days.get("average_days_in_stage"),
                )
                for measure in total:
                    total[measure] += row[measure]
            table.total(
                _("Total"),
                None,
                total["count"],
                total["estimated_value"],
                total["current_value"],
                None,
                None,
            )
            chart = (
                charts.bar_chart(
                    [str(stage.number) for stage in cycle_stages],
                    [
                        charts.Series(
                            _("Estimated value"),
                            [
                                pipeline.get((cycle.pk, s.pk), empty)["estimated_value"]
                                for s in cycle_stages
                            ],
                        ),
                        charts.Series(
                            _("Calculated current value"),
                            [
                                pipeline.get((cycle.pk, s.pk), empty)["current_value"]
                                for s in cycle_stages
                            ],
                        ),
                    ],
                    title=table.title,
                    x_label=value_axis(),
                    format_value=format_money,
                )
                if cycle_stages
                else None
            )
            sections.append(Section(table, chart))
        return sections
