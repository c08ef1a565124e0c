"""The contact pages: the list, the forms and the contact picker's search.

Contacts are shared by everyone. The pages that show a contact or a
salesperson with their opportunities are the opportunities app's
(``opportunities.contact_pages``): contacts sit below opportunities and do not
import them.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import CreateView, UpdateView
from django_filters.views import FilterView

from contacts import selectors
from contacts.filters import ContactFilter
from contacts.forms import ContactForm
from contacts.models import Contact


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

    def form_invalid(self, form):
        if any(e.code == "stale" for e in form.non_field_errors().as_data()):
            # Someone saved it meanwhile: show what is saved now beside what
            # the user typed, which stays; saving again applies the typed values.
            saved = (
                self.get_queryset().select_related("salesperson").get(pk=self.object.pk)
            )
            form.data = form.data.copy()
            form.data["version"] = saved.version
            return self.render_to_response(
                self.get_context_data(form=form, saved=saved)
            )
        return super().form_invalid(form)


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
