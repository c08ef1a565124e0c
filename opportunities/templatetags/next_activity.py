"""``{% next_activity task open %}``: an opportunity's next activity (its type,
date and time, red when overdue) or the want of one, on list rows, board
cards and the opportunity page.

A tag rather than an included template: a list draws it fifty times.
"""

from django import template
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


def _type_label(task) -> str:
    return {"phone_call": _("Call"), "meeting": _("Meeting")}.get(task.type, _("To-do"))


@register.simple_tag
def next_activity(task, open_opportunity=True):
    """The task as a line, or the "No next activity" flag for an open deal."""
    if task is None:
        if not open_opportunity:
            return ""
        return format_html(
            '<span class="badge text-bg-warning" data-testid="no-next-activity">'
            "{}</span>",
            _("No next activity"),
        )
    overdue = task.date < timezone.localdate()
    when = date_format(task.date, "SHORT_DATE_FORMAT")
    if task.time:
        when += " " + time_format(task.time, "H:i")
    if overdue:
        when += f" ({_('overdue')})"
    return format_html(
        '<span class="next-activity{}" data-testid="next-activity">'
        '<span class="badge text-bg-light border">{}</span> {} · {}</span>',
        " text-danger fw-semibold" if overdue else "",
        _type_label(task),
        when,
        task.description,
    )
