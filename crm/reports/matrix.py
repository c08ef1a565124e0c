"""NAV's opportunities matrix: rows by salesperson, contact or cycle, by period."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.models import Contact, ContactType, Salesperson
from crm.reports.base import (
    Section,
    StatisticsView,
    downloading,
    people_label,
    short_month,
)
from crm.reports.forms import MatrixForm
from crm.reports.tables import Column, Link, Table
from opportunities import statistics
from opportunities.filters import STATUS_FILTER_GROUPS
from salescycles.models import SalesCycle


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
                status__in=STATUS_FILTER_GROUPS.get(status, [status])
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
            people_label
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
        if downloading(self.request):
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
