"""The home page ("my pipeline"): cues, top open opportunities, recent changes."""

import datetime

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.views.generic import TemplateView

from opportunities import statistics
from opportunities.models import (
    IS_OPEN,
    Opportunity,
    OpportunityEntry,
    Status,
    Task,
)

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
        is_open = IS_OPEN
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
                    "current_value",  # a won opportunity's is the sale value
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
