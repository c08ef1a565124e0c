"""Admin for salespeople and contacts; writes go through contacts.services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

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


@admin.register(Contact)
class ContactAdmin(ServiceAdmin):
    form = ContactAdminForm
    list_display = ["number", "name", "type", "company", "salesperson", "city", "email"]
    list_filter = ["type", "salesperson"]
    search_fields = ["number", "name", "email"]
    list_select_related = ["company", "salesperson"]
    autocomplete_fields = ["company", "salesperson"]

    def save_service(self, request, obj, form, change):
        services.contact_update(user=request.user, contact=obj)

    def delete_service(self, request, obj):
        services.contact_delete(user=request.user, contact=obj)
