"""Pages that span the apps."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import ListView

from opportunities.models import Opportunity


class HomeView(LoginRequiredMixin, ListView):
    """The opportunities the user may see, latest first (the reps' pages come later)."""

    template_name = "crm/home.html"
    context_object_name = "opportunities"
    paginate_by = 50

    def get_queryset(self):
        return (
            Opportunity.objects.for_user(self.request.user)
            .for_list()
            .order_by("-number")
        )
