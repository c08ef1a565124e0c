"""Pages that span the apps: the home page ("my pipeline")."""

import datetime

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.views.generic import TemplateView

from opportunities.models import (
    CLOSED_STATUSES,
    Opportunity,
    OpportunityEntry,
    Task,
)

TOP = 5
RECENT = 10


class HomeView(LoginRequiredMixin, TemplateView):
    """Cues, top open opportunities and recent changes of what the user may see.

    For a rep that is their own pipeline; for a manager, everyone's. Four
    queries whatever the data: opportunity cues, task cues, top 5, recent changes.
    """

    template_name = "crm/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        today = timezone.localdate()
        opportunities = Opportunity.objects.for_user(user)
        is_open = ~Q(status__in=CLOSED_STATUSES)
        cues = opportunities.order_by().aggregate(
            open_count=Count("pk", filter=is_open),
            open_estimated_value=Sum("estimated_value", filter=is_open, default=0),
            open_current_value=Sum("current_value", filter=is_open, default=0),
            due_week=Count(
                "pk",
                filter=is_open
                & Q(
                    estimated_close_date__range=(
                        today,
                        today + datetime.timedelta(days=7),
                    )
                ),
            ),
            overdue=Count("pk", filter=is_open & Q(estimated_close_date__lt=today)),
        )
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
        recent = (
            OpportunityEntry.objects.filter(opportunity__in=opportunities)
            .select_related("opportunity", "stage", "salesperson", "created_by")
            .order_by("-created_at", "-pk")[:RECENT]
        )
        return super().get_context_data(
            cues=cues,
            top_opportunities=list(top),
            recent_entries=list(recent),
            sees_everyone=user.has_perm("opportunities.view_all_opportunities"),
            **kwargs,
        )
