"""A contact's and a salesperson's pages, with the opportunities they have.

Contacts are shared by everyone; the opportunities and figures shown with them
are only those the user may see (``Opportunity.objects.for_user``). A rep sees
another salesperson's details, but not their figures or opportunities.

These pages belong to the contacts' URLs (``contacts:detail``,
``contacts:salespeople``, ``contacts:salesperson``; crm/urls.py adds them to
that namespace) but live here: contacts sit below opportunities and do not
import them, and what these pages show is mostly opportunities.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import F
from django.urls import path
from django.views.generic import DetailView, ListView

from contacts.models import Contact, ContactType, Salesperson
from opportunities import selectors, statistics
from opportunities.models import Opportunity

# Pages show this many opportunities or persons and link to the full list.
SHOWN = 50


class ContactDetailView(LoginRequiredMixin, DetailView):
    """A company (its persons, its and their opportunities) or a person."""

    template_name = "contacts/contact_detail.html"
    slug_field = slug_url_kwarg = "number"
    context_object_name = "contact"

    def get_queryset(self):
        return Contact.objects.select_related("company", "salesperson")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contact = self.object
        opportunities = Opportunity.objects.for_user(self.request.user)
        if contact.type == ContactType.COMPANY:
            # The company's own and its persons' (contact company is derived).
            opportunities = opportunities.filter(contact_company=contact)
            context["persons"] = list(contact.persons.order_by("name")[: SHOWN + 1])
        else:
            opportunities = opportunities.filter(contact=contact)
        context["figures"] = statistics.figures(opportunities)
        context["opportunities"] = list(
            opportunities.for_list().order_by("-number")[:SHOWN]
        )
        context["shown"] = SHOWN
        return context


class SalespersonListView(LoginRequiredMixin, ListView):
    """Everyone's details; open figures only where the user may see them."""

    template_name = "contacts/salesperson_list.html"
    context_object_name = "salespeople"

    def get_queryset(self):
        return Salesperson.objects.order_by("code")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        figures = selectors.open_figures_by_salesperson(
            Opportunity.objects.for_user(user)
        )
        empty = {"count": 0, "estimated_value": 0, "current_value": 0}
        for salesperson in context["salespeople"]:
            salesperson.figures_visible = selectors.figures_visible(user, salesperson)
            salesperson.open_figures = figures.get(salesperson.pk, empty)
        return context


class SalespersonDetailView(LoginRequiredMixin, DetailView):
    template_name = "contacts/salesperson_detail.html"
    slug_field = slug_url_kwarg = "code"
    context_object_name = "salesperson"

    def get_queryset(self):
        return Salesperson.objects.select_related("user")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, salesperson = self.request.user, self.object
        context["figures_visible"] = selectors.figures_visible(user, salesperson)
        if context["figures_visible"]:
            opportunities = Opportunity.objects.for_user(user).filter(
                salesperson=salesperson
            )
            context["figures"] = statistics.figures(opportunities)
            context["opportunities"] = list(
                opportunities.open()
                .for_list()
                .order_by(F("estimated_close_date").asc(nulls_last=True), "number")[
                    :SHOWN
                ]
            )
        context["shown"] = SHOWN
        return context


urlpatterns = [
    path("salespeople/", SalespersonListView.as_view(), name="salespeople"),
    path(
        "salespeople/<number:code>/",
        SalespersonDetailView.as_view(),
        name="salesperson",
    ),
    path("<number:number>/", ContactDetailView.as_view(), name="detail"),
]
