"""A contact's and a salesperson's pages, with the opportunities they have.

Contacts are shared by everyone; the opportunities and figures shown with them
are only those the user may see (``Opportunity.objects.for_user``). A rep sees
another salesperson's details, but not their figures or opportunities.

These pages belong to the contacts' URLs (``contacts:detail``,
``contacts:salespeople``, ``contacts:salesperson``; crm/urls.py adds them to
that namespace) but live here: contacts sit below opportunities and do not
import them, and what these pages show is mostly opportunities.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView

from contacts.duplicates import possible_duplicates
from contacts.models import Contact, ContactType, Salesperson
from opportunities import selectors, services, statistics
from opportunities.forms import ContactChoiceField
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


class ContactMergeForm(forms.Form):
    """The contact to keep when merging a duplicate into it; sent twice, the
    second time confirmed."""

    kept = ContactChoiceField(
        label=gettext_lazy("Merge into"),
        queryset=Contact.objects.all(),
        help_text=gettext_lazy("The contact that stays; this one is deleted."),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Continue")))

    def confirming(self) -> None:
        """Ask for the confirmation: the same choice, sent confirmed."""
        self.data = self.data.copy()
        self.data["confirm"] = "True"
        self.fields["kept"].widget = forms.HiddenInput()
        self.data["kept"] = self.cleaned_data["kept"].pk
        self.helper.inputs = []
        self.helper.add_input(Submit("submit", _("Merge"), css_class="btn-danger"))


class ContactMergeView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """A manager merges this contact into another one (duplicates): first the
    choice, then a confirmation that says what moves, then the merge."""

    permission_required = "contacts.delete_contact"
    form_class = ContactMergeForm
    template_name = "contacts/contact_merge.html"

    @cached_property
    def merged(self) -> Contact:
        # Looked up after the sign-in and permission checks of dispatch.
        return get_object_or_404(
            Contact.objects.select_related("company"), number=self.kwargs["number"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(merged=self.merged, **kwargs)
        if "kept" not in context:
            context["suggested"] = possible_duplicates(
                name=self.merged.name,
                email=self.merged.email,
                phones=(self.merged.phone, self.merged.mobile),
                exclude_pk=self.merged.pk,
            )
        return context

    def form_valid(self, form):
        kept = form.cleaned_data["kept"]
        if not form.cleaned_data["confirm"]:
            form.confirming()
            return self.render_to_response(
                self.get_context_data(
                    form=form,
                    kept=kept,
                    counts=services.contact_merge_counts(self.merged),
                )
            )
        try:
            kept = services.contact_merge(
                user=self.request.user, kept=kept, merged=self.merged
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(merged)s is merged into %(kept)s.")
            % {"merged": self.merged.number, "kept": kept},
        )
        return HttpResponseRedirect(reverse("contacts:detail", args=[kept.number]))


urlpatterns = [
    path("salespeople/", SalespersonListView.as_view(), name="salespeople"),
    path(
        "salespeople/<number:code>/",
        SalespersonDetailView.as_view(),
        name="salesperson",
    ),
    path("<number:number>/merge/", ContactMergeView.as_view(), name="merge"),
    path("<number:number>/", ContactDetailView.as_view(), name="detail"),
]
