"""Who changed what and when, for changes the history does not record.

Stage moves, closing and reopening write history entries with their user and
time. Everything else (an opportunity created, edited or deleted, a quote,
task or interaction added, a task done, a contact, cycle or stage saved, a
file imported) goes to Django's admin log, written by the service that makes
the change inside its transaction: one place to read for every change, in
the admin's Recent actions and its LogEntry records.
"""

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

__all__ = [
    "ADDITION",
    "CHANGE",
    "DELETION",
    "delete_logged",
    "record",
    "record_bulk",
    "save_logged",
]


def record(user, obj, action: int, message: str = "") -> None:
    """Log ``action`` (ADDITION, CHANGE or DELETION) on ``obj`` by ``user``.

    The services call it inside their transaction, so a change and its log
    row commit together. Without a signed-in user (the demo loader, the data
    generator) there is nobody to name and nothing is logged.
    """
    if user is None or not user.is_authenticated:
        return
    LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=[obj],
        action_flag=action,
        change_message=str(message),
        single_object=True,
    )


def save_logged(instance, *, user, message: str = ""):
    """Validate and save ``instance`` with its log row, in one transaction."""
    action = ADDITION if instance._state.adding else CHANGE
    with transaction.atomic():
        instance.full_clean()
        instance.save()
        record(user, instance, action, message)
    return instance


def delete_logged(instance, *, user) -> None:
    """Delete ``instance`` with its log row, in one transaction."""
    with transaction.atomic():
        record(user, instance, DELETION)
        instance.delete()


def record_bulk(user, model, action: int, label: str, message: str) -> None:
    """Log ``action`` on many rows of ``model`` at once (an import) by ``user``.

    There is no one object to name: the row names the model and ``label``
    (the file imported). Called inside the change's transaction, as ``record``.
    """
    if user is None or not user.is_authenticated:
        return
    LogEntry.objects.create(
        user_id=user.pk,
        content_type=ContentType.objects.get_for_model(model),
        object_repr=label[: LogEntry._meta.get_field("object_repr").max_length],
        action_flag=action,
        change_message=str(message),
    )
