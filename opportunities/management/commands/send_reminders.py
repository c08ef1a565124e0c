"""E-mail each salesperson the day's and the overdue tasks (meant for cron)."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opportunities.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "E-mail each salesperson with an e-mail address the open tasks due today "
        "and the overdue ones; at most once a day (a second run sends nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            help="The day to remind of, YYYY-MM-DD (default: today in the "
            "company's time zone).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say who would get a reminder; send and record nothing.",
        )

    def handle(self, *args, **options):
        translation.activate(settings.LANGUAGE_CODE)
        day = timezone.localdate()
        if options["date"]:
            try:
                day = datetime.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(
                    _("--date %(date)s is not a date: write it YYYY-MM-DD.")
                    % {"date": options["date"]}
                ) from error
        sent = send_reminders(day=day, dry_run=options["dry_run"])
        for reminder in sent:
            count = len(reminder.today) + len(reminder.overdue)
            self.stdout.write(
                f"{reminder.salesperson.code} {reminder.salesperson.email}: {count}"
            )
        done = (
            _("Reminders that would be sent: %(count)d.")
            if options["dry_run"]
            else _("Reminders sent: %(count)d.")
        )
        self.stdout.write(self.style.SUCCESS(done % {"count": len(sent)}))
