"""Admin for sales cycles, stages and activities; writes go through the services.

The open pipeline beside each cycle and stage is the opportunities' figure:
``opportunities.admin.pipeline`` extends these admins with it.
"""

from django.contrib import admin

from crm.admin import ServiceAdmin
from salescycles import services
from salescycles.models import Activity, ActivityStep, SalesCycle, Stage


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    ordering = ["number"]
    fields = [
        "number",
        "description",
        "completed_pct",
        "chances_pct",
        "activity",
        "quote_required",
        "allow_skip",
        "date_formula",
    ]
    autocomplete_fields = ["activity"]
    # Narrower inputs, so the row and its statistics fit a laptop screen.
    input_widths = {
        "number": "4em",
        "description": "10em",
        "completed_pct": "4.5em",
        "chances_pct": "4.5em",
        "activity": "10em",
        "date_formula": "6em",
    }

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in self.input_widths:
            formfield.widget.attrs["style"] = (
                f"width: {self.input_widths[db_field.name]}"
            )
        return formfield


class ServiceInlineMixin:
    """Inline rows saved and deleted through ``save_row`` / ``delete_row``."""

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            self.delete_row(request, obj)
        for obj in instances:
            self.save_row(request, obj)
        formset.save_m2m()


@admin.register(SalesCycle)
class SalesCycleAdmin(ServiceInlineMixin, ServiceAdmin):
    list_display = [
        "code",
        "description",
        "probability_method",
        "blocked",
        "is_default",
    ]
    list_filter = ["blocked", "probability_method"]
    search_fields = ["code", "description"]
    inlines = [StageInline]

    def save_service(self, request, obj, form, change):
        services.sales_cycle_save(user=request.user, cycle=obj)

    def delete_service(self, request, obj):
        services.sales_cycle_delete(user=request.user, cycle=obj)

    def save_row(self, request, obj):
        services.stage_save(user=request.user, stage=obj)

    def delete_row(self, request, obj):
        services.stage_delete(user=request.user, stage=obj)


@admin.register(Stage)
class StageAdmin(ServiceAdmin):
    list_display = [
        "cycle",
        "number",
        "description",
        "completed_pct",
        "chances_pct",
        # The flags and date formula are set in the cycle's stage rows.
        "activity",
    ]
    list_filter = ["cycle"]
    list_select_related = ["cycle", "activity"]
    search_fields = ["description", "cycle__code"]
    autocomplete_fields = ["activity"]

    def get_readonly_fields(self, request, obj=None):
        # A stage moved to another cycle would take its history with it.
        return ["cycle"] if obj else []

    def save_service(self, request, obj, form, change):
        services.stage_save(user=request.user, stage=obj)

    def delete_service(self, request, obj):
        services.stage_delete(user=request.user, stage=obj)


class ActivityStepInline(admin.TabularInline):
    model = ActivityStep
    extra = 0
    ordering = ["step_no"]


@admin.register(Activity)
class ActivityAdmin(ServiceInlineMixin, ServiceAdmin):
    list_display = ["code", "description"]
    search_fields = ["code", "description"]
    inlines = [ActivityStepInline]

    def save_service(self, request, obj, form, change):
        services.activity_save(user=request.user, activity=obj)

    def delete_service(self, request, obj):
        services.activity_delete(user=request.user, activity=obj)

    def save_row(self, request, obj):
        services.activity_step_save(user=request.user, step=obj)

    def delete_row(self, request, obj):
        services.activity_step_delete(user=request.user, step=obj)


@admin.register(ActivityStep)
class ActivityStepAdmin(ServiceAdmin):
    list_display = ["activity", "step_no", "type", "description", "priority"]
    list_filter = ["activity", "type"]
    list_select_related = ["activity"]
    search_fields = ["description", "activity__code"]

    def get_readonly_fields(self, request, obj=None):
        return ["activity"] if obj else []

    def save_service(self, request, obj, form, change):
        services.activity_step_save(user=request.user, step=obj)

    def delete_service(self, request, obj):
        services.activity_step_delete(user=request.user, step=obj)
