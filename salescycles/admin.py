"""Admin for sales cycles, stages and activities; writes go through the services."""

from django.contrib import admin
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from crm.admin import ServiceAdmin
from salescycles import selectors, services
from salescycles.models import Activity, ActivityStep, SalesCycle, Stage


class OpenPipelineColumns:
    """Columns over the ``*_with_pipeline`` selectors' open-opportunity figures."""

    def _figure(self, obj, name: str, decimals: int = 2) -> str:
        # Missing on a new inline row; None for an average of no entries.
        value = getattr(obj, name, None)
        if value is None:
            return self.get_empty_value_display()
        return number_format(value, decimal_pos=decimals, force_grouping=True)

    @admin.display(description=_("open opportunities"), ordering="open_count")
    def open_opportunities(self, obj):
        return self._figure(obj, "open_count", decimals=0)

    @admin.display(description=_("estimated value"), ordering="open_estimated_value")
    def estimated_value(self, obj):
        return self._figure(obj, "open_estimated_value")

    @admin.display(
        description=_("calculated current value"), ordering="open_current_value"
    )
    def current_value(self, obj):
        return self._figure(obj, "open_current_value")


class StagePipelineColumns(OpenPipelineColumns):
    @admin.display(description=_("avg. days open"), ordering="average_days_open")
    def average_days_open(self, obj):
        return self._figure(obj, "average_days_open", decimals=1)


PIPELINE_COLUMNS = ["open_opportunities", "estimated_value", "current_value"]
STAGE_PIPELINE_COLUMNS = [*PIPELINE_COLUMNS, "average_days_open"]


class StageInline(StagePipelineColumns, admin.TabularInline):
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
        *STAGE_PIPELINE_COLUMNS,
    ]
    readonly_fields = STAGE_PIPELINE_COLUMNS
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

    def get_queryset(self, request):
        return selectors.stages_with_pipeline(queryset=super().get_queryset(request))


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
class SalesCycleAdmin(ServiceInlineMixin, OpenPipelineColumns, ServiceAdmin):
    list_display = [
        "code",
        "description",
        "probability_method",
        "blocked",
        *PIPELINE_COLUMNS,
    ]
    list_filter = ["blocked", "probability_method"]
    search_fields = ["code", "description"]
    inlines = [StageInline]

    def get_queryset(self, request):
        return selectors.cycles_with_pipeline(queryset=super().get_queryset(request))

    def save_service(self, request, obj, form, change):
        services.sales_cycle_save(user=request.user, cycle=obj)

    def delete_service(self, request, obj):
        services.sales_cycle_delete(user=request.user, cycle=obj)

    def save_row(self, request, obj):
        services.stage_save(user=request.user, stage=obj)

    def delete_row(self, request, obj):
        services.stage_delete(user=request.user, stage=obj)


@admin.register(Stage)
class StageAdmin(StagePipelineColumns, ServiceAdmin):
    list_display = [
        "cycle",
        "number",
        "description",
        "completed_pct",
        "chances_pct",
        "activity",
        # The flags and date formula are set in the cycle's stage rows; the
        # statistics need the width.
        *STAGE_PIPELINE_COLUMNS,
    ]
    list_filter = ["cycle"]
    list_select_related = ["cycle", "activity"]
    search_fields = ["description", "cycle__code"]
    autocomplete_fields = ["activity"]

    def get_queryset(self, request):
        return selectors.stages_with_pipeline(queryset=super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        # A stage moved to another cycle would take its history with it.
        return ["cycle", *STAGE_PIPELINE_COLUMNS] if obj else []

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
