"""The daily e-mail of each salesperson's tasks: today's and the overdue ones.

Meant for cron (``manage.py send_reminders``). A salesperson gets at most one
reminder a day (``crm.SentNotice``), so running it again sends nothing; only
salespeople with an e-mail address and open tasks due by the day get one.
"""

import datetime
from dataclasses import dataclass, field

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contacts.models import Salesperson
from crm.models import SentNotice
from opportunities.models import Task

KIND = "task_reminder"


@dataclass
class Reminder:
    salesperson: Salesperson
    today: list[Task] = field(default_factory=list)
    overdue: list[Task] = field(default_factory=list)


def reminders_due(day: datetime.date) -> list[Reminder]:
    """Who is to be reminded of what on ``day``, not reminded yet (two queries)."""
    done = set(
        SentNotice.objects.filter(kind=KIND, day=day).values_list(
            "recipient", flat=True
        )
    )
    tasks = (
        Task.objects.filter(closed=False, date__lte=day)
        .exclude(salesperson__email="")
        .select_related("salesperson", "opportunity")
        .order_by("salesperson__code", "date", "number")
    )
    reminders: dict[int, Reminder] = {}
    for task in tasks:
        if task.salesperson.email in done:
            continue
        reminder = reminders.setdefault(task.salesperson_id, Reminder(task.salesperson))
        (reminder.today if task.date == day else reminder.overdue).append(task)
    return list(reminders.values())


def _line(task: Task) -> str:
    about = (
        f" ({task.opportunity.number} {task.opportunity.description})"
        if (task.opportunity_id)
        else ""
    )
    return f"- {date_format(task.date, 'SHORT_DATE_FORMAT')} {task.description}{about}"


def reminder_message(reminder: Reminder, day: datetime.date) -> tuple[str, str]:
    """The subject and body of one salesperson's reminder."""
    count = len(reminder.today) + len(reminder.overdue)
    subject = ngettext(
        "%(count)d task for %(day)s", "%(count)d tasks for %(day)s", count
    ) % {"count": count, "day": date_format(day, "SHORT_DATE_FORMAT")}
    parts = []
    if reminder.today:
        parts.append(_("Today:") + "\n" + "\n".join(map(_line, reminder.today)))
    if reminder.overdue:
        parts.append(_("Overdue:") + "\n" + "\n".join(map(_line, reminder.overdue)))
    return subject, "\n\n".join(parts) + "\n"


def send_reminders(*, day: datetime.date, dry_run: bool = False) -> list[Reminder]:
    """E-mail each salesperson due a reminder on ``day``; the ones sent.

    The notice is recorded before the mail goes, in its own transaction: two
    runs at once send one mail, and a mail that fails is not recorded.
    """
    sent = []
    for reminder in reminders_due(day):
        if dry_run:
            sent.append(reminder)
            continue
        email = reminder.salesperson.email
        try:
            with transaction.atomic():
                SentNotice.objects.create(kind=KIND, recipient=email, day=day)
                subject, body = reminder_message(reminder, day)
                send_mail(subject, body, None, [email])
        except IntegrityError:
            continue  # another run sent it meanwhile
        sent.append(reminder)
    return sent
