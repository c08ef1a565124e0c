"""Opportunities as CSV or Excel, for downloads from the admin and the pages."""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.spreadsheets import csv_response, xlsx_response
from opportunities.models import Opportunity

# (header, value of a row, kind of cell); rows come from .for_list().
COLUMNS = [
    (_("No."), lambda o: o.number, "text"),
    (_("Description"), lambda o: o.description, "text"),
    (_("Contact No."), lambda o: o.contact.number, "text"),
    (_("Contact name"), lambda o: o.contact.name, "text"),
    (
        _("Contact company No."),
        lambda o: o.contact_company.number if o.contact_company else "",
        "text",
    ),
    (_("Salesperson code"), lambda o: o.salesperson.code, "text"),
    (_("Sales cycle code"), lambda o: o.sales_cycle.code, "text"),
    (_("Status"), lambda o: o.get_status_display(), "text"),
    (_("Priority"), lambda o: o.get_priority_display(), "text"),
    (_("Creation date"), lambda o: o.creation_date, "date"),
    (_("Stage"), lambda o: o.stage.number if o.stage else None, "count"),
    (_("Stage description"), lambda o: o.stage.description if o.stage else "", "text"),
    (_("Estimated value"), lambda o: o.estimated_value, "money"),
    (_("Chances of success %"), lambda o: o.chances_pct, "percent"),
    (_("Completed %"), lambda o: o.completed_pct, "percent"),
    (_("Probability %"), lambda o: o.probability_pct, "percent"),
    (_("Calculated current value"), lambda o: o.current_value, "money"),
    (_("Estimated close date"), lambda o: o.estimated_close_date, "date"),
    (_("Date closed"), lambda o: o.date_closed, "date"),
    (
        _("Close reason"),
        lambda o: o.close_reason.code if o.close_reason else "",
        "text",
    ),
]


def opportunity_rows(opportunities: Iterable[Opportunity]) -> Iterable[list]:
    """The header and one row of values per opportunity."""
    yield [str(header) for header, _value, _kind in COLUMNS]
    for opportunity in opportunities:
        yield [value(opportunity) for _header, value, _kind in COLUMNS]


def opportunities_download(queryset: QuerySet, kind: str = "csv") -> HttpResponse:
    """The opportunities of ``queryset``, in its order, as a CSV file or an
    Excel workbook (``kind`` csv or xlsx), in one query."""
    rows = opportunity_rows(
        queryset.for_list().select_related("close_reason").iterator(chunk_size=2000)
    )
    filename = f"opportunities-{timezone.localdate().isoformat()}"
    if kind == "xlsx":
        return xlsx_response(rows, filename, [kind for *_rest, kind in COLUMNS])
    return csv_response(rows, filename)
