"""Pages that span the apps: the home page ("my pipeline") and the statistics."""

import datetime
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, Sum, Window
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from django.views.generic import TemplateView

from contacts.models import Contact, ContactType, Salesperson
from crm.money import format_money
from crm.reports import charts
from crm.reports.forms import MatrixForm, StatisticsForm
from crm.reports.tables import Column, Link, Table
from crm.templatetags.reports import cell
from opportunities import statistics
from opportunities.filters import STATUS_GROUPS
from opportunities.models import (
    CLOSED_STATUSES,
    CloseReason,
    CloseReasonType,
    Opportunity,
    OpportunityEntry,
    Status,
    Task,
)
from salescycles.models import SalesCycle, Stage

TOP = 5
RECENT = 10
SALESPEOPLE = 10


class HomeView(LoginRequiredMixin, TemplateView):
    """Cues, top open opportunities and recent changes of what the user may see.

    For a rep that is their own pipeline; for a manager, everyone's, with the
    open pipeline of the ten salespeople with the most. Four queries whatever
    the data: the cues per salesperson (one grouped scan; the page's cues are
    their sums), task cues, top 5, recent changes.
    """

    template_name = "crm/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        today = timezone.localdate()
        quarter = statistics.quarter_of(today)
        opportunities = Opportunity.objects.for_user(user)
        sees_everyone = user.has_perm("opportunities.view_all_opportunities")
        is_open = ~Q(status__in=CLOSED_STATUSES)
        week = (today, today + datetime.timedelta(days=7))
        rows = list(
            opportunities.order_by()
            .values("salesperson__code", "salesperson__name")
            .annotate(
                open_count=Count("pk", filter=is_open),
                open_estimated_value=Sum("estimated_value", filter=is_open, default=0),
                open_current_value=Sum("current_value", filter=is_open, default=0),
                due_week=Count(
                    "pk", filter=is_open & Q(estimated_close_date__range=week)
                ),
                overdue=Count("pk", filter=is_open & Q(estimated_close_date__lt=today)),
                won_quarter=Sum(
                    "estimated_value",
                    filter=Q(status=Status.WON, date_closed__range=quarter),
                    default=0,
                ),
            )
        )
        measures = (
            "open_count",
            "open_estimated_value",
            "open_current_value",
            "due_week",
            "overdue",
            "won_quarter",
        )
        cues = {name: sum(row[name] for row in rows) for name in measures}
        cues |= (
            Task.objects.for_user(user)
            .open()
            .order_by()
            .aggregate(
                tasks_today=Count("pk", filter=Q(date=today)),
                tasks_overdue=Count("pk", filter=Q(date__lt=today)),
            )
        )
        top = (
            opportunities.open().for_list().order_by("-estimated_value", "number")[:TOP]
        )
        # Entries are numbered as they are written: the highest are the latest.
        recent = (
            OpportunityEntry.objects.for_user(user)
            .select_related("opportunity", "stage", "salesperson", "created_by")
            .order_by("-pk")[:RECENT]
        )
        by_salesperson = []
        if sees_everyone:
            by_salesperson = sorted(
                (row for row in rows if row["open_count"]),
                key=lambda row: (
                    -row["open_estimated_value"],
                    row["salesperson__code"],
                ),
            )[:SALESPEOPLE]
        return super().get_context_data(
            cues=cues,
            quarter=quarter,
            top_opportunities=list(top),
            recent_entries=list(recent),
            by_salesperson=by_salesperson,
            sees_everyone=sees_everyone,
            **kwargs,
        )


# -- statistics ----------------------------------------------------------------------


@dataclass
class Section:
    """A table of a statistics page, with the chart drawn from it (if any)."""

    table: Table
    chart: dict | None = None
    page_obj: object = None

    @property
    def wide(self) -> bool:
        """Too many columns to stand beside its chart: the chart goes above."""
        return len(self.table.columns) > 6


class StatisticsView(LoginRequiredMixin, TemplateView):
    """A statistics page: filters, cues and sections of a chart beside its table.

    Every page counts ``Opportunity.objects.for_user`` (a rep's own, a
    manager's everyone's or one salesperson's) narrowed by its form; ``?csv=SLUG``
    downloads one of its tables.
    """

    template_name = "crm/statistics/page.html"
    title = ""
    intro = ""
    dates: str | None = "close"
    date_field = "estimated_close_date"
    form_class = StatisticsForm

    def get_form(self):
        return self.form_class(
            self.request.GET, user=self.request.user, dates=self.dates
        )

    def get(self, request, *args, **kwargs):
        self.today = timezone.localdate()
        self.form = self.get_form()
        self.cues: list[dict] = []
        sections = []
        if self.form.is_valid():
            visible = Opportunity.objects.for_user(request.user)
            # The filters but the date range, for figures the range does not limit.
            self.scope = self.form.narrow(visible)
            sections = self.sections(
                self.form.narrow(visible, date_field=self.date_field)
            )
        slug = request.GET.get("csv")
        if slug:
            for section in sections:
                if section.table.slug == slug:
                    return section.table.csv_response()
            raise Http404(_("No such table."))
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("csv", None)
        return self.render_to_response(
            self.get_context_data(
                form=self.form,
                filters=filters_summary(self.form),
                sections=sections,
                cues=self.cues,
                title=self.title,
                intro=self.intro,
                query=query.urlencode(),
                tabs=statistics_tabs(request),
            )
        )

    def sections(self, opportunities) -> list[Section]:
        raise NotImplementedError

    def list_url(self, **filters) -> str:
        """The opportunity list filtered to ``filters`` and to this page's own:
        salesperson, cycle and date range (as the list names it)."""
        data = self.form.cleaned_data
        if data.get("salesperson"):
            filters.setdefault("salesperson", data["salesperson"].pk)
        if data.get("sales_cycle"):
            filters.setdefault("sales_cycle", data["sales_cycle"].pk)
        start, end = LIST_RANGE.get(self.date_field, (None, None))
        if start and data.get("date_from"):
            filters.setdefault(start, data["date_from"].isoformat())
        if end and data.get("date_to"):
            filters.setdefault(end, data["date_to"].isoformat())
        query = {key: value for key, value in filters.items() if value is not None}
        return f"{reverse('opportunities:list')}?{urlencode(query)}"


# The opportunity list's filters of a date range, by the field they filter.
LIST_RANGE = {
    "estimated_close_date": ("close_from", "close_to"),
    "date_closed": ("closed_from", "closed_to"),
}


def filters_summary(form) -> str:
    """What the page counts, in words: "Salesperson: AH · Closed from: 1.10.2026".

    Shown with the figures, so a printout says what it is of.
    """
    if not form.is_valid():
        return ""
    parts = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, ""):
            continue
        if isinstance(value, datetime.date):
            value = date_format(value, "SHORT_DATE_FORMAT")
        elif getattr(field, "choices", None) and not hasattr(value, "pk"):
            value = dict(field.choices).get(value, value)
        parts.append(f"{field.label}: {value}")
    return " · ".join(parts)


def statistics_tabs(request) -> list[dict]:
    pages = [
        ("statistics:overview", _("This quarter")),
        ("statistics:forecast", _("Forecast")),
        ("statistics:win_rate", _("Win rate and velocity")),
        ("statistics:matrix", _("Matrix")),
        ("statistics:cycles", _("Sales cycles")),
        ("statistics:salespeople", _("Salespeople")),
        ("statistics:contacts", _("Contacts")),
        ("statistics:close_reasons", _("Close reasons")),
    ]
    return [
        {
            "href": reverse(name),
            "label": label,
            "active": request.resolver_match.view_name == name,
        }
        for name, label in pages
    ]


def money_column(label) -> Column:
    return Column(label, "money")


def value_axis(label=None) -> str:
    """An axis label naming the currency: "Value (EUR)"."""
    return _("%(label)s (%(currency)s)") % {
        "label": label or _("Value"),
        "currency": settings.CRM_CURRENCY,
    }


def _salespeople(opportunities) -> list[Salesperson]:
    """The salespeople the opportunities belong to, by code (one query)."""
    return list(
        Salesperson.objects.filter(
            pk__in=opportunities.order_by().values("salesperson")
        ).order_by("code")
    )


def _people_label(salesperson: Salesperson) -> str:
    return f"{salesperson.code} {salesperson.name}".strip()


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
        salespeople = _salespeople(opportunities)
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
                    _people_label(salesperson),
                    reverse("contacts:salesperson", args=[salesperson.code]),
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


class LostByReason:
    """Lost count and value per close reason, with its chart."""

    def __init__(self, view: StatisticsView, opportunities, **link_filters):
        self.view = view
        self.link_filters = link_filters  # what narrows ``opportunities`` further
        self.figures = statistics.by_close_reason(opportunities.lost())

    def section(self, title) -> Section:
        reasons = {
            reason.pk: reason
            for reason in CloseReason.objects.filter(type=CloseReasonType.LOST)
        }
        table = Table(
            "lost-by-reason",
            title,
            [
                Column(_("Close reason")),
                Column(_("Lost"), "count"),
                money_column(_("Lost value")),
                money_column(_("Average value")),
                Column(_("Share of lost value"), "percent"),
            ],
        )
        rows = sorted(
            self.figures.items(), key=lambda item: item[1]["value"], reverse=True
        )
        lost_value = sum(row["value"] for _pk, row in rows)
        for pk, row in rows:
            reason = reasons.get(pk)
            label = str(reason) if reason else _("(no reason)")
            table.add(
                Link(
                    label,
                    self.view.list_url(
                        status="lost", close_reason=pk, **self.link_filters
                    ),
                ),
                row["count"],
                row["value"],
                row["average_value"],
                statistics.ratio(row["value"], lost_value),
            )
        if rows:
            count = sum(row["count"] for _pk, row in rows)
            table.total(
                _("Total"),
                count,
                lost_value,
                statistics.average(lost_value, count),
                None,
            )
        chart = (
            charts.bar_chart(
                [str(reasons[pk].code) if pk in reasons else "—" for pk, _row in rows],
                [charts.Series(_("Lost value"), [row["value"] for _pk, row in rows])],
                title=title,
                x_label=value_axis(_("Lost value")),
                format_value=format_money,
            )
            if rows
            else None
        )
        return Section(table, chart)


def _stage_label(stage: Stage) -> str:
    return f"{stage.cycle.code} · {stage.number} {stage.description}"


def short_month(first: datetime.date) -> str:
    """A month as a column or an axis names it: Nov 2027 / 11/2027."""
    # Translators choose the format: Finnish month abbreviations mislead.
    return date_format(first, pgettext("short month and year", "M Y"))


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
                    _stage_label(stage),
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
            groups = [(_stage_label(stage), [stage]) for stage in ordered_stages]
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
                    "value": Sum("estimated_value", output_field=statistics.TOTAL),
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
            figures["won"]["estimated_value"],
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
                    "won": format_money(overall["won"]["estimated_value"]),
                    "all": format_money(
                        overall["won"]["estimated_value"]
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
        salespeople = _salespeople(closed)
        by_salesperson = _win_rate_section(
            "win-rate-by-salesperson",
            _("Win rate by salesperson"),
            _("Salesperson"),
            [(sp.pk, _people_label(sp), sp.code) for sp in salespeople],
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
                _stage_label(stage),
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
                (stage.number, _stage_label(stage)) for stage in cycle_stages
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


def _period_label(period: str, first: datetime.date) -> str:
    if period == "day":
        return date_format(first, "SHORT_DATE_FORMAT")
    if period == "week":
        year, week, _day = first.isocalendar()
        return _("Week %(week)s/%(year)s") % {"week": week, "year": year}
    if period == "month":
        return short_month(first)
    if period == "quarter":
        return _("Q%(quarter)s %(year)s") % {
            "quarter": (first.month - 1) // 3 + 1,
            "year": first.year,
        }
    return str(first.year)


class MatrixView(StatisticsView):
    """NAV's opportunities matrix: rows of salespeople, contacts or cycles,
    columns of estimated-close-date periods, a chosen measure in each cell."""

    title = gettext_lazy("Opportunities matrix")
    intro = gettext_lazy(
        "Each cell counts the opportunities of its row whose estimated close date "
        "falls in its column, and links to them. Not-started opportunities have "
        "no estimated close date and are not counted."
    )
    form_class = MatrixForm
    CONTACT_ROWS = 50
    DIVISORS = {"none": 1, "thousands": 1000, "millions": 1000000}

    def get_form(self):
        return MatrixForm(self.request.GET, user=self.request.user, today=self.today)

    def sections(self, opportunities):
        data = self.form.cleaned_data
        status = data["status"]
        if status != "all":
            opportunities = opportunities.filter(
                status__in=STATUS_GROUPS.get(status, [status])
            )
        if data.get("stage"):
            opportunities = opportunities.filter(stage=data["stage"])
        period, measure = data["period"], data["measure"]
        self.starts = statistics.period_starts(
            period, data["date_from"], data["date_to"]
        )
        self.filters = {
            "status": None if status == "all" else status,
            "stage": data["stage"].pk if data.get("stage") else None,
        }
        rows_by = data["rows"]
        page_obj = None
        if rows_by == "contact":
            rows, page_obj = self.contact_rows(opportunities)
        else:
            rows = self.grouped_rows(opportunities, rows_by)
        column_totals = self.cells_of(
            statistics.by_period(
                opportunities, date_field="estimated_close_date", period=period
            ),
            key=lambda row: (),
        ).get((), {})
        divisor = self.DIVISORS[data["rounding"]]
        kind = (
            "count" if measure == "count" else ("money" if divisor == 1 else "number")
        )
        unit = {
            "thousands": _("thousands of %(currency)s"),
            "millions": _("millions of %(currency)s"),
        }.get(data["rounding"])
        measure_label = dict(MatrixForm.MEASURES)[measure]
        title = measure_label
        if unit and measure != "count":
            title = f"{measure_label} ({unit % {'currency': settings.CRM_CURRENCY}})"
        table = Table(
            "matrix",
            title,
            [
                # The measure is named in the first heading too, for the CSV.
                Column(f"{dict(MatrixForm.ROWS)[rows_by]} · {title}"),
                *[Column(_period_label(period, first), kind) for first in self.starts],
                Column(_("Total"), kind),
            ],
        )
        value = self.measure(measure, divisor)
        for label, filters, cells, indent in rows:
            table.add(
                label,
                *[
                    Link(value(cells.get(first)), self.cell_url(filters, first))
                    if first in cells
                    else value(None)
                    for first in self.starts
                ],
                Link(value(self.sum(cells.values())), self.cell_url(filters, None)),
                indent=indent,
            )
        table.total(
            _("Total"),
            *[value(column_totals.get(first)) for first in self.starts],
            value(self.sum(column_totals.values())),
        )
        return [Section(table, page_obj=page_obj)]

    @staticmethod
    def sum(cells) -> dict:
        total = {"count": 0, "estimated_value": 0, "current_value": 0}
        for cell_ in cells:
            for measure in total:
                total[measure] += cell_[measure]
        return total

    @staticmethod
    def measure(measure: str, divisor: int):
        """The function writing a cell's figure: count, sum or average, rounded."""

        def value(figures):
            if not figures or not figures["count"]:
                return (
                    0
                    if measure in ("count", "estimated_value", "current_value")
                    else None
                )
            if measure == "count":
                return figures["count"]
            if measure.startswith("average_"):
                amount = statistics.average(figures[measure[8:]], figures["count"])
            else:
                amount = figures[measure]
            if divisor == 1:
                return amount
            return (Decimal(amount) / divisor).quantize(Decimal(1), ROUND_HALF_UP)

        return value

    @staticmethod
    def cells_of(rows, key) -> dict:
        """Grouped rows as {row key: {period start: figures}}."""
        cells: dict = {}
        for row in rows:
            period_cells = cells.setdefault(key(row), {})
            figures = period_cells.setdefault(
                row["period"], {"count": 0, "estimated_value": 0, "current_value": 0}
            )
            for measure in figures:
                figures[measure] += row[measure]
        return cells

    def cell_url(self, filters: dict, first) -> str:
        data = self.form.cleaned_data
        period = data["period"]
        start = first or data["date_from"]
        end = statistics.period_end(period, first) if first else data["date_to"]
        return self.list_url(
            close_from=max(start, data["date_from"]).isoformat(),
            close_to=min(end, data["date_to"]).isoformat(),
            **self.filters,
            **filters,
        )

    def grouped_rows(self, opportunities, rows_by: str) -> list:
        field = f"{rows_by}_id"
        cells = self.cells_of(
            statistics.by_period(
                opportunities,
                date_field="estimated_close_date",
                period=self.form.cleaned_data["period"],
                keys=(field,),
            ),
            key=lambda row: row[field],
        )
        model = Salesperson if rows_by == "salesperson" else SalesCycle
        records = model.objects.filter(pk__in=cells).order_by("code")
        label = (
            _people_label
            if rows_by == "salesperson"
            else (lambda cycle: f"{cycle.code} {cycle.description}")
        )
        return [
            (label(record), {rows_by: record.pk}, cells[record.pk], 0)
            for record in records
        ]

    def contact_rows(self, opportunities) -> tuple[list, object]:
        """Companies (and persons of none) a page at a time, their persons indented.

        A company's row counts its own and its persons' opportunities, as the
        contact company does; a person's row their own.
        """
        # The companies (and persons of none) the opportunities belong to: one
        # semi-join on the key the opportunities carry, not a test per contact.
        companies = Contact.objects.filter(
            pk__in=opportunities.order_by()
            .annotate(key=statistics.contact_company_key())
            .values("key")
        ).order_by("name", "number")
        page_obj = None
        if self.request.GET.get("csv"):
            shown = list(companies)
        else:
            page_obj = Paginator(companies, self.CONTACT_ROWS).get_page(
                self.request.GET.get("page")
            )
            shown = list(page_obj)
        keys = [contact.pk for contact in shown]
        grouped = statistics.by_period(
            opportunities.filter(Q(contact_company__in=keys) | Q(contact__in=keys)),
            date_field="estimated_close_date",
            period=self.form.cleaned_data["period"],
            keys=("contact_company_id", "contact_id", "contact__name", "contact__type"),
        )
        by_company = self.cells_of(
            grouped, key=lambda row: row["contact_company_id"] or row["contact_id"]
        )
        persons: dict = {}
        for row in grouped:
            if row["contact__type"] == ContactType.PERSON and row["contact_company_id"]:
                persons.setdefault(row["contact_company_id"], {}).setdefault(
                    (row["contact__name"], row["contact_id"]), []
                ).append(row)
        rows = []
        for company in shown:
            rows.append(
                (
                    company.name,
                    {"contact": company.pk},
                    by_company.get(company.pk, {}),
                    0,
                )
            )
            for (name, pk), person_rows in sorted(persons.get(company.pk, {}).items()):
                cells = self.cells_of(person_rows, key=lambda row: pk)[pk]
                rows.append((name, {"contact": pk}, cells, 1))
        return rows, page_obj


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


def _split_columns(first: Column) -> list[Column]:
    return [
        first,
        Column(_("Open"), "count"),
        money_column(_("Open estimated value")),
        money_column(_("Open current value")),
        Column(_("Won"), "count"),
        money_column(_("Won value")),
        Column(_("Lost"), "count"),
        money_column(_("Lost value")),
        money_column(_("Average won value")),
        Column(_("Win rate"), "percent"),
    ]


def _split_cells(figures: dict, link=None) -> list:
    """The cells of ``_split_columns``; the counts link to the list if ``link``
    (status -> URL) is given."""

    def count(status):
        number = figures[status]["count"]
        return Link(number, link(status)) if link else number

    return [
        count("open"),
        figures["open"]["estimated_value"],
        figures["open"]["current_value"],
        count("won"),
        figures["won"]["estimated_value"],
        count("lost"),
        figures["lost"]["estimated_value"],
        figures["won"]["average_estimated_value"],
        figures["win_rate"],
    ]


def _split_total(opportunities) -> list:
    figures = statistics.nest_split(
        opportunities.order_by().aggregate(**statistics.split_aggregates())
    )
    return [_("Total"), *_split_cells(figures)]


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
        salespeople = [sp for sp in _salespeople(opportunities) if sp.pk in split]
        table = Table(
            "salespeople", _("Salespeople"), _split_columns(Column(_("Salesperson")))
        )
        for salesperson in salespeople:
            table.add(
                Link(
                    _people_label(salesperson),
                    reverse("contacts:salesperson", args=[salesperson.code]),
                ),
                *_split_cells(
                    split[salesperson.pk],
                    lambda status, pk=salesperson.pk: self.list_url(
                        salesperson=pk, status=status
                    ),
                ),
            )
        if salespeople:
            table.total(*_split_total(opportunities))
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
                        [split[sp.pk]["won"]["estimated_value"] for sp in salespeople],
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


def counted_page(request, ranked, per_page: int) -> Page:
    """The page the request asks for of ``ranked``, whose rows carry ``groups``,
    the number of all its rows (a window), so that one query gives both.

    A page past the end gives the last one, as ``Paginator.get_page`` does.
    """
    try:
        number = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        number = 1
    rows = list(ranked[(number - 1) * per_page : number * per_page])
    if not rows and number > 1:  # past the end: the last page
        first = list(ranked[:1])
        number = max(1, math.ceil(first[0]["groups"] / per_page)) if first else 1
        rows = list(ranked[(number - 1) * per_page : number * per_page])
    paginator = Paginator(ranked, per_page)
    paginator.count = rows[0]["groups"] if rows else 0
    return Page(rows, number, paginator)


class ContactStatisticsView(StatisticsView):
    """Per company (its own and its persons' opportunities), largest pipeline first."""

    title = gettext_lazy("Contact statistics")
    intro = gettext_lazy(
        "Each company counts its own opportunities and its persons'; a person of "
        "no company is a row of their own. Largest open estimated value first."
    )
    dates = None
    PER_PAGE = 50

    def sections(self, opportunities):
        key = statistics.contact_company_key()
        order = ("-open__estimated_value", "-won__estimated_value", "group_key")
        page_obj = None
        if self.request.GET.get("csv"):
            rows = list(statistics.split_rows(opportunities, key).order_by(*order))
        else:
            # The page's companies first, ranked by the two sums the order
            # needs, with how many there are (a window over the groups); then
            # the figures of those alone.
            ranked = (
                opportunities.order_by()
                .annotate(group_key=key)
                .values("group_key")
                .annotate(
                    **statistics.split_aggregates(
                        ("open", "won"), ("estimated_value",)
                    ),
                    groups=Window(Count("*")),
                )
                .order_by(*order)
            )
            page_obj = counted_page(self.request, ranked, self.PER_PAGE)
            keys = [row["group_key"] for row in page_obj]
            figures = {
                row["group_key"]: row
                for row in statistics.split_rows(
                    opportunities.filter(
                        Q(contact_company__in=keys)
                        | Q(contact_company__isnull=True, contact__in=keys)
                    ),
                    key,
                )
            }
            rows = [figures[k] for k in keys]
        contacts = Contact.objects.in_bulk([row["group_key"] for row in rows])
        table = Table("contacts", _("Contacts"), _split_columns(Column(_("Contact"))))
        for row in rows:
            contact = contacts[row.pop("group_key")]
            table.add(
                Link(
                    f"{contact.number} {contact.name}",
                    reverse("contacts:detail", args=[contact.number]),
                ),
                *_split_cells(
                    statistics.nest_split(row),
                    lambda status, pk=contact.pk: self.list_url(
                        contact=pk, status=status
                    ),
                ),
            )
        if rows:
            table.total(*_split_total(opportunities))
        return [Section(table, page_obj=page_obj)]


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
