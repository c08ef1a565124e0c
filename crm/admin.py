"""Admin for the shared setup, and the base class routing admin writes to services."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from crm.models import NumberSeries


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves and deletes go through the app's services.

    Subclasses implement ``save_service`` and ``delete_service``. A rule the
    service refuses is shown as an error message instead of a server error.
    The services write the admin log row of each change themselves, in their
    own transaction, so the admin's own logging is switched off: one row per
    change, whichever page or command made it.
    """

    def log_addition(self, request, obj, message):
        return None

    def log_change(self, request, obj, message):
        return None

    def log_deletions(self, request, queryset):
        return []

    def save_service(self, request, obj, form, change):
        raise NotImplementedError

    def delete_service(self, request, obj):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        self.save_service(request, obj, form, change)

    def delete_model(self, request, obj):
        self.delete_service(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_service(request, obj)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        if protected:
            # Nothing is deleted: list what blocks it, not the permissions that
            # deleting the blocking rows would take.
            perms_needed = set()
        return deleted, counts, perms_needed, protected

    def get_actions(self, request):
        # Bulk delete would report success for rows a rule refused to delete.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            # A rule checked under the row lock, after the form validated.
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return redirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            opts = self.opts
            return redirect(
                f"admin:{opts.app_label}_{opts.model_name}_change", object_id
            )


@admin.register(NumberSeries)
class NumberSeriesAdmin(admin.ModelAdmin):
    list_display = ["code", "description", "prefix", "width", "last_number"]
