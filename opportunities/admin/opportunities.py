"""Admin for opportunities and their records; every write goes through the services.

The current figures, status and history are read-only here: stages and statuses
change only through the services' moves.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.admin import ServiceAdmin
from opportunities import bulk, deleting, services
from opportunities.admin.forms import CloseLostForm, ReassignForm, ReopenActionForm
from opportunities.exports import opportunities_download
from opportunities.filters import posted_pk
from opportunities.models import (
    CloseReason,
    CloseReasonType,
    Interaction,
    Opportunity,
    OpportunityEntry,
    SalesQuote,
    Task,
)
from salescycles.models import Stage


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
    list_display = ["code", "description", "type", "times_used"]
    list_filter = ["type"]
    search_fields = ["code", "description"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(times_used=Count("entries__opportunity", distinct=True))
        )

    @admin.display(description=_("opportunities closed with it"), ordering="times_used")
    def times_used(self, obj):
        return obj.times_used

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
        "note",
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


class TaskInline(admin.TabularInline):
    """The opportunity's tasks; each opens its own page, where changes are made."""

    model = Task
    fk_name = "opportunity"
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["date", "number"]
    fields = [
        "number",
        "date",
        "type",
        "description",
        "priority",
        "status",
        "salesperson",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("salesperson")


class StageListFilter(admin.SimpleListFilter):
    """Stages named with their cycle; only the chosen cycle's once one is chosen."""

    title = _("stage")
    parameter_name = "stage__id__exact"

    def lookups(self, request, model_admin):
        stages = Stage.objects.select_related("cycle").order_by("cycle__code", "number")
        cycle = posted_pk(request.GET.get("sales_cycle__id__exact", ""))
        if cycle:
            stages = stages.filter(cycle_id=cycle)
        return [(stage.pk, f"{stage.cycle.code} {stage}") for stage in stages]

    def queryset(self, request, queryset):
        return queryset.filter(stage_id=self.value()) if self.value() else queryset


def _apply_to_each(modeladmin, request, queryset, service, done_message) -> None:
    """Run a service on each chosen opportunity; report successes and refusals."""
    outcome = bulk.apply_to_each(queryset.order_by("number"), service)
    for opportunity, reason in outcome.refused:
        modeladmin.message_user(
            request, f"{opportunity.number}: {reason}", messages.ERROR
        )
    if outcome.done:
        modeladmin.message_user(
            request, done_message(len(outcome.done)), messages.SUCCESS
        )


def _action_form(modeladmin, request, queryset, form_class, title, submit_label):
    """The second step of an action: the form, or None once it is valid."""
    selected = queryset.values_list("pk", flat=True)
    if "apply" in request.POST:
        form = form_class(request.POST, selected=selected)
        if form.is_valid():
            return form, None
    else:
        form = form_class(
            initial={"action": request.POST.get("action"), "select_across": False},
            selected=selected,
        )
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": title,
        "form": form,
        "submit_label": submit_label,
        "opportunities": queryset.select_related("salesperson").order_by("number"),
    }
    response = TemplateResponse(
        request, "admin/opportunities/action_form.html", context
    )
    return form, response


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
    list_filter = [
        "status",
        "sales_cycle",
        StageListFilter,
        "salesperson",
        "priority",
        "estimated_close_date",
    ]
    search_fields = ["number", "description", "contact__name", "contact__number"]
    list_select_related = ["contact", "salesperson", "sales_cycle", "stage"]
    autocomplete_fields = ["contact", "salesperson"]
    date_hierarchy = "creation_date"
    inlines = [EntryInline, TaskInline]
    actions = ["reassign", "close_as_lost", "reopen", "export_csv"]
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

    def delete_view(self, request, object_id, extra_context=None):
        # The confirmation names what leaves the statistics with it.
        obj = self.get_object(request, object_id)
        if obj is not None and request.method != "POST":
            extra_context = {**(extra_context or {}), **deleting.what_goes(obj)}
        return super().delete_view(request, object_id, extra_context)

    @admin.action(description=_("Reassign to a salesperson"))
    def reassign(self, request, queryset):
        form, response = _action_form(
            self,
            request,
            queryset,
            ReassignForm,
            _("Reassign opportunities"),
            _("Reassign"),
        )
        if response:
            return response
        data = form.cleaned_data
        _apply_to_each(
            self,
            request,
            queryset,
            lambda opportunity: services.opportunity_change_salesperson(
                user=request.user,
                opportunity=opportunity,
                salesperson=data["salesperson"],
            ),
            lambda n: (
                ngettext(
                    "%(count)d opportunity given to %(salesperson)s.",
                    "%(count)d opportunities given to %(salesperson)s.",
                    n,
                )
                % {"count": n, "salesperson": data["salesperson"]}
            ),
        )
        return None

    @admin.action(description=_("Close as lost"))
    def close_as_lost(self, request, queryset):
        if not CloseReason.objects.filter(type=CloseReasonType.LOST).exists():
            self.message_user(
                request,
                _("There is no close reason of type lost; add one first."),
                messages.ERROR,
            )
            return None
        form, response = _action_form(
            self,
            request,
            queryset,
            CloseLostForm,
            _("Close opportunities as lost"),
            _("Close as lost"),
        )
        if response:
            return response
        data = form.cleaned_data
        _apply_to_each(
            self,
            request,
            queryset,
            lambda opportunity: services.opportunity_close(
                user=request.user,
                opportunity=opportunity,
                outcome=CloseReasonType.LOST,
                close_reason=data["close_reason"],
                date_closed=data["date_closed"],
            ),
            lambda n: (
                ngettext(
                    "%(count)d opportunity closed as lost.",
                    "%(count)d opportunities closed as lost.",
                    n,
                )
                % {"count": n}
            ),
        )
        return None

    @admin.action(description=_("Reopen"), permissions=["reopen"])
    def reopen(self, request, queryset):
        form, response = _action_form(
            self,
            request,
            queryset,
            ReopenActionForm,
            _("Reopen opportunities"),
            _("Reopen"),
        )
        if response:
            return response
        _apply_to_each(
            self,
            request,
            queryset,
            lambda opportunity: services.opportunity_reopen(
                user=request.user,
                opportunity=opportunity,
                reason=form.cleaned_data["reason"],
            ),
            lambda n: (
                ngettext(
                    "%(count)d opportunity reopened.",
                    "%(count)d opportunities reopened.",
                    n,
                )
                % {"count": n}
            ),
        )
        return None

    def has_reopen_permission(self, request):
        return request.user.has_perm("opportunities.reopen_opportunity")

    @admin.action(description=_("Export as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        return opportunities_download(queryset.order_by("number"))

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
