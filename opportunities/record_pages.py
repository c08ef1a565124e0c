"""The forms of the records around an opportunity: its quote, interactions
(logged and corrected by their author) and tasks (the next activity)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy

from crm.numbers import number_url
from opportunities.forms import InteractionForm, QuoteForm, TaskForm
from opportunities.views import ServiceFormView


class QuoteCreateView(ServiceFormView):
    template_name = "opportunities/simple_form.html"
    form_class = QuoteForm
    success_message = gettext_lazy("The sales quote is linked to the opportunity.")
    extra_context = {"title": gettext_lazy("New sales quote")}


class InteractionCreateView(ServiceFormView):
    template_name = "opportunities/simple_form.html"
    form_class = InteractionForm
    success_message = gettext_lazy("Interaction logged.")
    extra_context = {"title": gettext_lazy("Log an interaction")}


class InteractionEditView(ServiceFormView):
    """Its author corrects an interaction or a note (anyone else: 404)."""

    template_name = "opportunities/simple_form.html"
    form_class = InteractionForm
    success_message = gettext_lazy("The interaction is corrected.")
    extra_context = {"title": gettext_lazy("Correct an interaction")}

    def get_form_kwargs(self):
        interaction = get_object_or_404(
            self.get_opportunity().interactions,
            pk=self.kwargs["pk"],
            created_by=self.request.user,
        )
        return {**super().get_form_kwargs(), "interaction": interaction}


class TaskCreateView(ServiceFormView):
    template_name = "opportunities/simple_form.html"
    form_class = TaskForm
    success_message = gettext_lazy("Task added.")
    extra_context = {"title": gettext_lazy("Schedule an activity")}

    def get_success_url(self):
        # From a board card, back to the board.
        if self.request.GET.get("next") == "board":
            cycle = self.get_opportunity().sales_cycle.code
            return number_url("opportunities:board_cycle", cycle)
        return super().get_success_url()
