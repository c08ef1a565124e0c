"""The contact and salesperson pages.

Contacts are shared by everyone; the opportunities and figures shown with them
are only those the user may see (``Opportunity.objects.for_user``). A rep sees
another salesperson's details, but not their figures or opportunities.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import F
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import CreateView, DetailView, ListView, UpdateView
from django_filters.views import FilterView

from contacts import selectors
from contacts.filters import ContactFilter
from contacts.forms import ContactForm
from contacts.models import Contact, ContactType, Salesperson
from opportunities.models import Opportunity

# Pages show this many opportunities or persons and link to the full list.
SHOWN = 50


class ContactListView(LoginRequiredMixin, FilterView):
    filterset_class = ContactFilter
    template_name = "contacts/contact_list.html"
    paginate_by = 50
    strict = False

    def get_queryset(self):
        # Contacts are shared by all users: nothing to scope.
        return Contact.objects.select_related("company", "salesperson").order_by(
            "number"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        query.pop("o", None)
        context["query_without_order"] = query.urlencode()
        context["ordering"] = self.request.GET.get("o", "")
        return context


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
        context["figures"] = selectors.opportunity_figures(opportunities)
        context["opportunities"] = list(
            opportunities.for_list().order_by("-number")[:SHOWN]
        )
        context["shown"] = SHOWN
        return context


class ContactFormMixin(LoginRequiredMixin):
    model = Contact
    form_class = ContactForm
    template_name = "contacts/contact_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        contact = form.save()
        if contact is None:
            return self.form_invalid(form)
        self.object = contact
        message = _("Contact %(contact)s is saved.") % {"contact": contact}
        messages.success(self.request, message)
        # Not super().form_valid(): ModelFormMixin's would save a second time.
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        return reverse("contacts:detail", args=[self.object.number])


class ContactCreateView(ContactFormMixin, CreateView):
    def get_initial(self):
        # "New person" from a company page: ?company=<pk>&type=person
        initial = super().get_initial()
        for name in ("company", "type"):
            if self.request.GET.get(name):
                initial[name] = self.request.GET[name]
        return initial


class ContactUpdateView(ContactFormMixin, UpdateView):
    slug_field = slug_url_kwarg = "number"

    def get_queryset(self):
        return Contact.objects.select_related("company")


class ContactSearchView(LoginRequiredMixin, View):
    """JSON for pickers: ``?q=`` (and ``type=company|person``), up to 20 rows."""

    http_method_names = ["get"]
    type = None

    def get(self, request):
        contacts = selectors.contact_search(
            query=request.GET.get("q", ""),
            type=self.type or request.GET.get("type"),
        )
        return JsonResponse(
            {
                "results": [
                    {
                        "id": contact.pk,
                        "number": contact.number,
                        "name": contact.name,
                        "type": contact.type,
                        "company": contact.company.name if contact.company_id else "",
                        "label": selectors.contact_label(contact),
                    }
                    for contact in contacts
                ]
            }
        )


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
            context["figures"] = selectors.opportunity_figures(opportunities)
            context["opportunities"] = list(
                opportunities.open()
                .for_list()
                .order_by(F("estimated_close_date").asc(nulls_last=True), "number")[
                    :SHOWN
                ]
            )
        context["shown"] = SHOWN
        return context
