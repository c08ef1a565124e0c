"""Admin for salespeople and contacts; writes go through contacts.services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contacts import services
from contacts.models import Contact, Salesperson
from crm.admin import ServiceAdmin


@admin.register(Salesperson)
class SalespersonAdmin(ServiceAdmin):
    list_display = ["code", "name", "email", "job_title", "user", "blocked"]
    list_filter = ["blocked"]
    search_fields = ["code", "name", "email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]

    def save_service(self, request, obj, form, change):
        services.salesperson_update(user=request.user, salesperson=obj)

    def delete_service(self, request, obj):
        services.salesperson_delete(user=request.user, salesperson=obj)


class ContactAdminForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "number",
            "type",
            "name",
            "company",
            "salesperson",
            "email",
            "phone",
            "mobile",
            "street",
            "postcode",
            "city",
            "country",
        ]

    def _post_clean(self):
        super()._post_clean()
        try:
            services.validate_contact(self.instance)
        except ValidationError as error:
            self._update_errors(error)


class CompanyFilter(admin.SimpleListFilter):
    """A company typed as its number or part of its name: the company and its persons.

    A text box, not a list of links: there may be tens of thousands of companies,
    and every one would be a query result and a link on each changelist page.
    """

    title = _("company")
    parameter_name = "company"
    template = "admin/contacts/input_filter.html"

    def lookups(self, request, model_admin):
        return ()

    def has_output(self):
        return True

    def choices(self, changelist):
        yield {
            "parameter_name": self.parameter_name,
            "value": self.value() or "",
            "placeholder": _("No. or name"),
            # Submitting the box must keep the other filters, search and ordering.
            "hidden": [
                (name, value)
                for name, value in changelist.params.items()
                if name != self.parameter_name
            ],
            "clear_query_string": changelist.get_query_string(
                remove=[self.parameter_name]
            ),
        }

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        companies = Contact.objects.companies().filter(
            Q(number__iexact=value) | Q(name__icontains=value)
        )
        return queryset.filter(Q(pk__in=companies) | Q(company__in=companies))


@admin.register(Contact)
class ContactAdmin(ServiceAdmin):
    form = ContactAdminForm
    list_display = ["number", "name", "type", "company", "salesperson", "city", "email"]
    # Salespeople are few enough to list; companies are not (see CompanyFilter).
    list_filter = ["type", CompanyFilter, "salesperson"]
    search_fields = ["number", "name", "email"]
    list_select_related = ["company", "salesperson"]
    autocomplete_fields = ["company", "salesperson"]

    def save_service(self, request, obj, form, change):
        services.contact_update(user=request.user, contact=obj)

    def delete_service(self, request, obj):
        services.contact_delete(user=request.user, contact=obj)
