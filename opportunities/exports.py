"""Opportunities as CSV, for downloads from the admin and the pages."""

import csv
from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from crm.spreadsheets import spreadsheet_cell
from opportunities.models import Opportunity

# (header, value of a row); rows come from Opportunity.objects.for_list().
COLUMNS = [
    (_("No."), lambda o: o.number),
    (_("Description"), lambda o: o.description),
    (_("Contact No."), lambda o: o.contact.number),
    (_("Contact name"), lambda o: o.contact.name),
    (
        _("Contact company No."),
        lambda o: o.contact_company.number if o.contact_company else "",
    ),
    (_("Salesperson code"), lambda o: o.salesperson.code),
    (_("Sales cycle code"), lambda o: o.sales_cycle.code),
    (_("Status"), lambda o: o.get_status_display()),
    (_("Priority"), lambda o: o.get_priority_display()),
    (_("Creation date"), lambda o: o.creation_date),
    (_("Stage"), lambda o: o.stage.number if o.stage else ""),
    (_("Stage description"), lambda o: o.stage.description if o.stage else ""),
    (_("Estimated value"), lambda o: o.estimated_value),
    (_("Chances of success %"), lambda o: o.chances_pct),
    (_("Completed %"), lambda o: o.completed_pct),
    (_("Probability %"), lambda o: o.probability_pct),
    (_("Calculated current value"), lambda o: o.current_value),
    (_("Estimated close date"), lambda o: o.estimated_close_date or ""),
    (_("Date closed"), lambda o: o.date_closed or ""),
    (_("Close reason"), lambda o: o.close_reason.code if o.close_reason else ""),
]


def opportunity_rows(opportunities: Iterable[Opportunity]) -> Iterable[list]:
    """The header and one row per opportunity."""
    yield [str(header) for header, _value in COLUMNS]
    for opportunity in opportunities:
        yield [spreadsheet_cell(value(opportunity)) for _header, value in COLUMNS]


def opportunities_csv_response(queryset: QuerySet, filename: str) -> HttpResponse:
    """The opportunities of ``queryset`` as a CSV attachment, in one query."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    rows = queryset.for_list().select_related("close_reason").order_by("number")
    csv.writer(response).writerows(opportunity_rows(rows.iterator(chunk_size=2000)))
    return response
