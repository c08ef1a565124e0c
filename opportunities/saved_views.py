"""The opportunity list's views: the ones shipped, the shared and the user's own.

A view is the list's query string (filters and sort). The shipped views use
periods that move with today (``closing=month``), so they stay current.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.models import DefaultView, SavedView

PAGE = "opportunities"
# What the list shows when neither the URL nor the user's default says.
OPEN = "status=open"
# Parameters that are not filters: never saved. ``view=default`` (the menu's
# link) opens the user's default view; the bare list shows everything.
NOT_FILTERS = ("page", "format", "view")


@dataclass(frozen=True)
class Shipped:
    key: str
    name: str
    query: str


def shipped_views(user) -> list[Shipped]:
    """The views every user has (``mine=1``: his own as a salesperson)."""
    return [
        Shipped(
            "mine-closing",
            _("My deals closing this month"),
            "mine=1&status=open&closing=month&o=estimated_close_date",
        ),
        Shipped("open", _("Open"), OPEN),
        Shipped("overdue", _("Overdue"), "due=overdue&o=estimated_close_date"),
        Shipped("no-next-activity", _("No next activity"), "next_activity=none"),
        Shipped("won-quarter", _("Won this quarter"), "status=won&closed_in=quarter"),
    ]


def saved_views(user) -> list[SavedView]:
    """The user's own views and everyone's shared ones (one query)."""
    return list(
        SavedView.objects.filter(Q(owner=user) | Q(shared=True), page=PAGE)
        .select_related("owner")
        .order_by("-shared", "name")
    )


def default_query(user) -> str:
    """The filters the user's list opens with: his default view, else open."""
    default = DefaultView.objects.filter(user=user, page=PAGE).first()
    return default.query if default else OPEN


def filters_of(query: QueryDict) -> str:
    """``query`` without empty values and the parameters that are not filters."""
    kept = QueryDict(mutable=True)
    for name, values in query.lists():
        values = [v for v in values if v.strip()]
        if name not in NOT_FILTERS and values:
            kept.setlist(name, values)
    return kept.urlencode()


def list_redirect(query: str):
    """To the list with these filters (everything when there are none)."""
    url = reverse("opportunities:list")
    return redirect(f"{url}?{query}" if query else url)
