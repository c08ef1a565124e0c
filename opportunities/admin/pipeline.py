"""The sales cycle and stage admins with the open pipeline beside each row.

Sales cycles sit below opportunities and know nothing of them: their admins
(``salescycles.admin``) list the cycle's own fields. The open count, estimated
and calculated current value per cycle and stage, and the stages' average
days open, are opportunity statistics; this module registers the cycle and
stage admins again with those columns, computed by ``opportunities.statistics``
as the statistics pages compute them.
"""

from django.contrib import admin
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from opportunities import statistics
from salescycles import admin as cycles_admin
from salescycles.models import SalesCycle, Stage

PIPELINE_COLUMNS = ["open_opportunities", "estimated_value", "current_value"]
STAGE_PIPELINE_COLUMNS = [*PIPELINE_COLUMNS, "average_days_open"]


class OpenPipelineColumns:
    """Columns over the ``*_with_pipeline`` statistics' open figures."""

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
        days = statistics.tenths(getattr(obj, "average_days_open", None))
        if days is None:
            return self.get_empty_value_display()
        return number_format(days, decimal_pos=1, force_grouping=True)


class StageInline(StagePipelineColumns, cycles_admin.StageInline):
    fields = [*cycles_admin.StageInline.fields, *STAGE_PIPELINE_COLUMNS]
    readonly_fields = STAGE_PIPELINE_COLUMNS

    def get_queryset(self, request):
        return statistics.stages_with_pipeline(queryset=super().get_queryset(request))


class SalesCycleAdmin(OpenPipelineColumns, cycles_admin.SalesCycleAdmin):
    list_display = [*cycles_admin.SalesCycleAdmin.list_display, *PIPELINE_COLUMNS]
    inlines = [StageInline]

    def get_queryset(self, request):
        return statistics.cycles_with_pipeline(queryset=super().get_queryset(request))


class StageAdmin(StagePipelineColumns, cycles_admin.StageAdmin):
    # The statistics take the width the stage's flags and formula would.
    list_display = [*cycles_admin.StageAdmin.list_display, *STAGE_PIPELINE_COLUMNS]

    def get_queryset(self, request):
        return statistics.stages_with_pipeline(queryset=super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        own = super().get_readonly_fields(request, obj)
        return [*own, *STAGE_PIPELINE_COLUMNS] if obj else own


for model, model_admin in ((SalesCycle, SalesCycleAdmin), (Stage, StageAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
