"""``{{ value|cell:column.kind }}``: a report table's cell in the reader's language."""

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html

from crm.money import format_money
from crm.reports.tables import Link

register = template.Library()


@register.filter
def cell(value, kind: str) -> str:
    """A count, amount, percentage or number of days written the local way."""
    if value is None or value == "":
        return "—" if kind != "text" else ""
    if kind == "money":
        return format_money(value)
    if kind in ("count", "number"):
        return number_format(value, 0, force_grouping=True)
    if kind == "percent":
        return f"{number_format(value, 1, force_grouping=True)} %"
    if kind == "days":
        return number_format(value, 1, force_grouping=True)
    return str(value)


@register.filter
def report_cell(value, column) -> str:
    """``cell``, inside a link for a ``Link``: a matrix has thousands of cells,
    and asking each for an ``href`` in the template costs more than this."""
    if isinstance(value, Link):
        return format_html(
            '<a href="{}">{}</a>', value.href, cell(value.value, column.kind)
        )
    return cell(value, column.kind)
