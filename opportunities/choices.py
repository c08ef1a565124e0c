"""The opportunities' enumerations, and what "open" and "closed" mean."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CloseReasonType(models.TextChoices):
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


# What "open" and "closed" mean, everywhere: the list's filters, the
# statistics, the home page, the indexes. An open opportunity may still move.
OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)
CLOSED_STATUSES = (Status.WON, Status.LOST)
IS_OPEN = Q(status__in=OPEN_STATUSES)
STATUS_LABELS = dict(Status.choices)


class Action(models.TextChoices):
    FIRST = "first", _("First")
    NEXT = "next", _("Next")
    PREVIOUS = "previous", _("Previous")
    UPDATED = "updated", _("Updated")
    JUMPED = "jumped", _("Jumped")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    REOPENED = "reopened", _("Reopened")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    WAITING = "waiting", _("Waiting")
    POSTPONED = "postponed", _("Postponed")


class InteractionKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    MEETING = "meeting", _("Meeting")
    NOTE = "note", _("Note")
