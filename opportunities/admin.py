"""Admin for opportunities and their records; every write goes through the services.

The current figures, status and history are read-only here: stages and statuses
change only through the services' moves.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from crm.admin import ServiceAdmin
from opportunities import services
from opportunities.models import (
    CloseReason,
    Interaction,
    Opportunity,
    OpportunityEntry,
    SalesQuote,
    Task,
)


def adopt(obj, saved) -> None:
    """Make the admin's instance the one a service saved (pk, number, state)."""
    obj.__dict__.update(saved.__dict__)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the services: visible, never edited here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CloseReason)
class CloseReasonAdmin(ServiceAdmin):
    list_display = ["code", "description", "type"]
    list_filter = ["type"]
    search_fields = ["code", "description"]

    def save_service(self, request, obj, form, change):
        services.close_reason_save(user=request.user, close_reason=obj)

    def delete_service(self, request, obj):
        services.close_reason_delete(user=request.user, close_reason=obj)


class OpportunityAdminForm(forms.ModelForm):
    class Meta:
        model = Opportunity
        fields = [
            "number",
            "description",
            "contact",
            "salesperson",
            "sales_cycle",
            "priority",
            "creation_date",
        ]

    def _post_clean(self):
        original = (
            Opportunity.objects.get(pk=self.instance.pk) if self.instance.pk else None
        )
        super()._post_clean()
        data = self.cleaned_data
        try:
            services.validate_changes(
                original or self.instance,
                contact=data.get("contact"),
                salesperson=data.get("salesperson"),
                sales_cycle=data.get("sales_cycle"),
            )
        except ValidationError as error:
            self._update_errors(error)


class EntryInline(admin.TabularInline):
    model = OpportunityEntry
    extra = 0
    can_delete = False
    ordering = ["id"]
    fields = [
        "date_of_change",
        "action_taken",
        "stage",
        "previous_stage",
        "estimated_value",
        "chances_pct",
        "completed_pct",
        "probability_pct",
        "current_value",
        "estimated_close_date",
        "days_open",
        "active",
        "close_reason",
        "created_by",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("stage", "previous_stage", "close_reason", "created_by")
        )


@admin.register(Opportunity)
class OpportunityAdmin(ServiceAdmin):
    form = OpportunityAdminForm
    list_display = [
        "number",
        "description",
        "contact",
        "salesperson",
        "sales_cycle",
        "status",
        "stage",
        "estimated_value",
        "probability_pct",
        "current_value",
        "estimated_close_date",
    ]
    list_filter = ["status", "sales_cycle", "salesperson", "priority"]
    search_fields = ["number", "description", "contact__name"]
    list_select_related = ["contact", "salesperson", "sales_cycle", "stage"]
    autocomplete_fields = ["contact", "salesperson"]
    date_hierarchy = "creation_date"
    inlines = [EntryInline]
    readonly_fields = [
        "status",
        "stage",
        "estimated_value",
        "chances_pct",
        "completed_pct",
        "probability_pct",
        "current_value",
        "estimated_close_date",
        "date_closed",
        "close_reason",
        "contact_company",
    ]

    def save_service(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = services.opportunity_edit(
                user=request.user,
                opportunity=obj,
                description=data["description"],
                priority=data["priority"],
                contact=data["contact"],
                salesperson=data["salesperson"],
                sales_cycle=data["sales_cycle"],
            )
        else:
            saved = services.opportunity_create(
                user=request.user,
                number=data["number"],
                description=data["description"],
                contact=data["contact"],
                salesperson=data["salesperson"],
                sales_cycle=data["sales_cycle"],
                priority=data["priority"],
                creation_date=data["creation_date"],
            )
        adopt(obj, saved)

    def get_readonly_fields(self, request, obj=None):
        # opportunity_edit changes neither: an editable field would be dropped.
        if obj is not None:
            return [*self.readonly_fields, "number", "creation_date"]
        return self.readonly_fields

    def delete_service(self, request, obj):
        services.opportunity_delete(user=request.user, opportunity=obj)

    def get_deleted_objects(self, objs, request):
        # The service deletes these with the opportunity, though none of them may
        # be deleted on its own here.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        owned = (OpportunityEntry, SalesQuote, Interaction, Task)
        perms_needed -= {model._meta.verbose_name for model in owned}
        return deleted, counts, perms_needed, protected


@admin.register(OpportunityEntry)
class OpportunityEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "opportunity",
        "date_of_change",
        "action_taken",
        "stage",
        "estimated_value",
        "probability_pct",
        "current_value",
        "active",
        "salesperson",
    ]
    list_filter = ["action_taken", "active", "sales_cycle"]
    list_select_related = ["opportunity", "stage", "salesperson"]
    search_fields = ["opportunity__number"]


@admin.register(SalesQuote)
class SalesQuoteAdmin(ReadOnlyAdmin):
    list_display = ["number", "opportunity", "date", "valid_until", "amount"]
    list_select_related = ["opportunity"]
    search_fields = ["number", "opportunity__number"]


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    list_display = ["date", "kind", "opportunity", "salesperson"]
    list_filter = ["kind"]
    list_select_related = ["opportunity", "salesperson"]


class TaskAdminForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = [
            "type",
            "description",
            "date",
            "priority",
            "status",
            "salesperson",
            "contact",
            "opportunity",
        ]


@admin.register(Task)
class TaskAdmin(ServiceAdmin):
    form = TaskAdminForm
    list_display = [
        "number",
        "description",
        "date",
        "priority",
        "status",
        "salesperson",
        "opportunity",
        "closed",
        "cancelled",
    ]
    list_filter = ["status", "closed", "cancelled", "priority", "salesperson"]
    list_select_related = ["salesperson", "opportunity"]
    search_fields = ["number", "description"]
    autocomplete_fields = ["salesperson", "contact", "opportunity"]
    readonly_fields = ["number", "closed", "cancelled", "date_closed"]

    def save_service(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in TaskAdminForm.Meta.fields}
        if change:
            saved = services.task_update(user=request.user, task=obj, **fields)
        else:
            saved = services.task_create(user=request.user, **fields)
        adopt(obj, saved)

    def has_delete_permission(self, request, obj=None):
        # Tasks are cancelled, not deleted; they go with their opportunity.
        return False
