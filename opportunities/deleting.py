"""What deleting an opportunity takes away, said on the confirmation page.

A closed opportunity is a company record: its won or lost figures are in every
statistic of the period it closed in. Before a manager deletes one, the page
names the figures that change, so nothing leaves the statistics unnoticed.
"""

import datetime

from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from crm.money import format_money
from opportunities.models import Opportunity, Status
from opportunities.statistics import quarter_of


def statistics_left(
    opportunity: Opportunity, today: datetime.date | None = None
) -> list[str]:
    """Sentences naming the statistics the opportunity leaves when deleted."""
    won = opportunity.status == Status.WON
    # Won, the current value is the sale value; lost, the last estimate counts.
    value = opportunity.current_value if won else opportunity.estimated_value
    params = {
        "value": format_money(value),
        "date": (
            date_format(opportunity.date_closed, "SHORT_DATE_FORMAT")
            if opportunity.date_closed
            else ""
        ),
        "salesperson": opportunity.salesperson,
        "reason": opportunity.close_reason or "-",
        "cycle": opportunity.sales_cycle,
    }
    if won:
        said = [
            _(
                "Won, %(value)s sale value, closed %(date)s: it leaves the won "
                "value, the win rate and the days to close of salesperson "
                "%(salesperson)s, close reason %(reason)s and sales cycle %(cycle)s."
            )
            % params
        ]
    elif opportunity.status == Status.LOST:
        said = [
            _(
                "Lost, %(value)s estimated value, closed %(date)s: it leaves the "
                "lost figures, the win rate and the days to close of salesperson "
                "%(salesperson)s, close reason %(reason)s and sales cycle %(cycle)s."
            )
            % params
        ]
    else:
        return [
            _(
                "Not started, %(value)s estimated value: it leaves the open "
                "opportunities of salesperson %(salesperson)s."
            )
            % params
        ]
    first, last = quarter_of(today or timezone.localdate())
    if first <= opportunity.date_closed <= last:
        said.append(
            _(
                "It closed this quarter: “Won this quarter” falls by %(value)s and "
                "the win rate this quarter changes."
            )
            % params
            if won
            else _(
                "It closed this quarter: the win rate this quarter and the lost "
                "figures of this quarter change."
            )
        )
    return said


def records_of(opportunity: Opportunity) -> dict[str, int]:
    """How many history entries, tasks and interactions go with it (one query)."""
    return (
        Opportunity.objects.filter(pk=opportunity.pk)
        .annotate(
            entries_count=Count("entries", distinct=True),
            tasks_count=Count("tasks", distinct=True),
            interactions_count=Count("interactions", distinct=True),
        )
        .values("entries_count", "tasks_count", "interactions_count")
        .get()
    )


def what_goes(opportunity: Opportunity) -> dict:
    """The confirmation page's facts: the statistics it leaves, its records."""
    return {
        "statistics_left": statistics_left(opportunity),
        "records": records_of(opportunity),
    }
