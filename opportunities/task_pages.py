"""The task list and the task actions (done, cancel) of the reps' pages.

A rep sees his own tasks, a manager everyone's (``for_user``); every action is
a POST through a service.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from crm.numbers import number_url
from opportunities import services
from opportunities.models import Task


class TaskListView(LoginRequiredMixin, ListView):
    """My open tasks: today, overdue, upcoming (managers: everyone's)."""

    template_name = "opportunities/task_list.html"
    paginate_by = 50

    def get_queryset(self):
        today = timezone.localdate()
        tasks = (
            Task.objects.for_user(self.request.user)
            .open()
            .select_related("opportunity", "contact", "salesperson")
            .order_by("date", "number")
        )
        when = self.request.GET.get("when")
        if when == "today":
            return tasks.filter(date=today)
        if when == "overdue":
            return tasks.filter(date__lt=today)
        if when == "upcoming":
            return tasks.filter(date__gt=today)
        return tasks

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            when=self.request.GET.get("when", ""), today=timezone.localdate(), **kwargs
        )


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
        back = request.POST.get("next", "")
        if back.startswith("/") and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return HttpResponseRedirect(back)
        return redirect("opportunities:tasks")
