"""The task list and the task actions (done, cancel, reschedule) of the reps' pages.

A rep sees his own tasks, a manager everyone's (``for_user``); every action is
a POST through a service.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from contacts.models import Salesperson
from crm.numbers import number_url
from opportunities import services
from opportunities.models import Task


class TaskListView(LoginRequiredMixin, ListView):
    """My open tasks: today, overdue, upcoming, or the ones done and cancelled
    (managers: everyone's, or one salesperson's)."""

    template_name = "opportunities/task_list.html"
    paginate_by = 50

    @cached_property
    def salespeople(self) -> list[Salesperson]:
        if not self.request.user.has_perm("opportunities.view_all_opportunities"):
            return []
        return list(Salesperson.objects.order_by("code"))

    def get_queryset(self):
        today = timezone.localdate()
        tasks = Task.objects.for_user(self.request.user).select_related(
            "opportunity", "contact", "salesperson"
        )
        chosen = self.request.GET.get("salesperson")
        if chosen and self.salespeople:
            tasks = tasks.filter(salesperson__code=chosen)
        when = self.request.GET.get("when")
        if when == "closed":
            return tasks.filter(closed=True).order_by("-date_closed", "-number")
        tasks = tasks.open().order_by("date", "time", "number")
        if when == "today":
            return tasks.filter(date=today)
        if when == "overdue":
            return tasks.filter(date__lt=today)
        if when == "upcoming":
            return tasks.filter(date__gt=today)
        return tasks

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            when=self.request.GET.get("when", ""),
            today=timezone.localdate(),
            salespeople=self.salespeople,
            chosen_salesperson=self.request.GET.get("salesperson", ""),
            query=query.urlencode(),
            **kwargs,
        )


class TaskRescheduleView(LoginRequiredMixin, View):
    """Move an open task to another day (and time), in place on the list."""

    http_method_names = ["post"]

    def post(self, request, number):
        task = get_object_or_404(Task.objects.for_user(request.user), number=number)
        try:
            day = datetime.date.fromisoformat(request.POST.get("date", ""))
            time = request.POST.get("time") or None
            time = datetime.time.fromisoformat(time) if time else None
        except ValueError:
            messages.error(request, _("Enter a date (and a time, if any)."))
        else:
            try:
                services.task_update(user=request.user, task=task, date=day, time=time)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    _("Task %(number)s is moved to %(date)s.")
                    % {
                        "number": task.number,
                        "date": date_format(day, "SHORT_DATE_FORMAT"),
                    },
                )
        return _back(request)


def _back(request):
    back = request.POST.get("next", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(back)
    return redirect("opportunities:tasks")


class TaskActionView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    @staticmethod
    def lacks_a_next_activity(task: Task) -> bool:
        opportunity = task.opportunity
        return (
            opportunity is not None
            and opportunity.is_open
            and not opportunity.tasks.filter(closed=False).exists()
        )

    def post(self, request, number, action):
        task = get_object_or_404(Task.objects.for_user(request.user), number=number)
        service, done = {
            "complete": (services.task_complete, _("Task %(number)s is done.")),
            "cancel": (services.task_cancel, _("Task %(number)s is cancelled.")),
        }[action]
        try:
            service(user=request.user, task=task)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done % {"number": task.number})
            if action == "complete" and self.lacks_a_next_activity(task):
                # Done, and nothing is planned: offer to schedule the next one.
                messages.info(
                    request,
                    _("%(number)s has no next activity: schedule one.")
                    % {"number": task.opportunity.number},
                )
                return redirect(
                    number_url("opportunities:task", task.opportunity.number)
                )
        return _back(request)
