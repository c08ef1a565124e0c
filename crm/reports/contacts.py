"""Contact statistics: open, won and lost per company, largest pipeline first."""

from django.db.models import Count, Q, Window
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.models import Contact
from crm.numbers import number_url
from crm.reports.base import (
    Section,
    StatisticsView,
    counted_page,
    downloading,
    split_cells,
    split_columns,
    split_total,
)
from crm.reports.tables import Column, Link, Table
from opportunities import statistics


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
        # Won value is the sale value: a won opportunity's current value.
        order = ("-open__estimated_value", "-won__current_value", "group_key")
        page_obj = None
        if downloading(self.request):
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
                    **statistics.split_aggregates(("open",), ("estimated_value",)),
                    **statistics.split_aggregates(("won",), ("current_value",)),
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
        table = Table("contacts", _("Contacts"), split_columns(Column(_("Contact"))))
        for row in rows:
            contact = contacts[row.pop("group_key")]
            table.add(
                Link(
                    f"{contact.number} {contact.name}",
                    number_url("contacts:detail", contact.number),
                ),
                *split_cells(
                    statistics.nest_split(row),
                    lambda status, pk=contact.pk: self.list_url(
                        contact=pk, status=status
                    ),
                ),
            )
        if rows:
            table.total(*split_total(opportunities))
        return [Section(table, page_obj=page_obj)]
