"""What the statistics pages share: the page view, its sections, tabs and helpers."""

import datetime
import math
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Page, Paginator
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.generic import TemplateView

from contacts.models import Salesperson
from crm.money import format_money
from crm.reports import charts
from crm.reports.forms import StatisticsForm
from crm.reports.tables import Column, Link, Table
from opportunities import statistics
from opportunities.models import CloseReason, CloseReasonType, Opportunity
from salescycles.models import Stage

MAX_PAGE = 2**31  # far past any last page


# The parameters that ask for a table as a file: ?csv=<slug> or ?xlsx=<slug>.
DOWNLOADS = ("csv", "xlsx")


def downloading(request) -> str | None:
    """The kind of file asked for (csv or xlsx), if any: the page then gives
    all its rows, not a page of them."""
    return next((kind for kind in DOWNLOADS if request.GET.get(kind)), None)


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
        kind = downloading(request)
        if kind:
            slug = request.GET[kind]
            for section in sections:
                if section.table.slug == slug:
                    return section.table.download(kind)
            raise Http404(_("No such table."))
        query = request.GET.copy()
        query.pop("page", None)
        for kind in DOWNLOADS:
            query.pop(kind, None)
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
    """The tabs leading to each statistics page, the current one active."""
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


def salespeople_of(opportunities) -> list[Salesperson]:
    """The salespeople the opportunities belong to, by code (one query)."""
    return list(
        Salesperson.objects.filter(
            pk__in=opportunities.order_by().values("salesperson")
        ).order_by("code")
    )


def people_label(salesperson: Salesperson) -> str:
    """A salesperson as a row names them: code and name."""
    return f"{salesperson.code} {salesperson.name}".strip()


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


def stage_label(stage: Stage) -> str:
    """A stage as a row names it: its cycle's code, its number and description."""
    return f"{stage.cycle.code} · {stage.number} {stage.description}"


def short_month(first: datetime.date) -> str:
    """A month as a column or an axis names it: Nov 2027 / 11/2027."""
    # Translators choose the format: Finnish month abbreviations mislead.
    return date_format(first, pgettext("short month and year", "M Y"))


def split_columns(first: Column) -> list[Column]:
    """The columns of open, won and lost figures after ``first``."""
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


def split_cells(figures: dict, link=None) -> list:
    """The cells of ``split_columns``; the counts link to the list if ``link``
    (status -> URL) is given."""

    def count(status):
        number = figures[status]["count"]
        return Link(number, link(status)) if link else number

    return [
        count("open"),
        figures["open"]["estimated_value"],
        figures["open"]["current_value"],
        count("won"),
        figures["won"]["current_value"],  # the sale value
        count("lost"),
        figures["lost"]["estimated_value"],
        figures["won"]["average_current_value"],
        figures["win_rate"],
    ]


def split_total(opportunities) -> list:
    """The total row of ``split_columns`` over all ``opportunities``."""
    return [_("Total"), *split_cells(statistics.figures(opportunities))]


def counted_page(request, ranked, per_page: int) -> Page:
    """The page the request asks for of ``ranked``, whose rows carry ``groups``,
    the number of all its rows (a window), so that one query gives both.

    A page past the end gives the last one, as ``Paginator.get_page`` does.
    """
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError:
        number = 1
    # Past the end is the last page; a query's offset cannot pass 2**63.
    number = min(max(number, 1), MAX_PAGE)
    rows = list(ranked[(number - 1) * per_page : number * per_page])
    if not rows and number > 1:  # past the end: the last page
        first = list(ranked[:1])
        number = max(1, math.ceil(first[0]["groups"] / per_page)) if first else 1
        rows = list(ranked[(number - 1) * per_page : number * per_page])
    paginator = Paginator(ranked, per_page)
    paginator.count = rows[0]["groups"] if rows else 0
    return Page(rows, number, paginator)
