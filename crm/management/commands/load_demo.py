"""Load the demo company and its logins (``make run`` calls this).

Loads only into a database without sales data of its own; a second run
changes nothing and prints the logins again.
"""

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from crm import demo


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Load a small Finnish demo company (salespeople, contacts, sales cycles, "
            "about 60 opportunities with their history) and the demo logins. Does "
            "nothing when the demo is already loaded or the database holds other data."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default=demo.URL,
            help=_("The address the app is served at, printed with the logins."),
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        result = demo.load()
        seconds = time.monotonic() - started
        if result.outcome == "skipped":
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "The demo was not loaded: the database already holds "
                        "%(reason)s. The demo loads only into an empty database "
                        "(for example DATABASE_URL=sqlite:////tmp/demo.sqlite3)."
                    )
                    % {"reason": result.reason}
                )
            )
            return
        if result.outcome == "already_loaded":
            self.stdout.write(_("The demo data is already loaded; nothing changed."))
        else:
            counts = result.counts
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Loaded the demo company in %(seconds).1f s: "
                        "%(salespeople)d salespeople, %(contacts)d contacts, "
                        "%(cycles)d sales cycles, %(opportunities)d opportunities "
                        "(%(not_started)d not started, %(in_progress)d in progress, "
                        "%(won)d won, %(lost)d lost), %(tasks)d tasks."
                    )
                    % {"seconds": seconds, **counts}
                )
            )
        self._print_logins(options["url"])

    def _print_logins(self, url: str) -> None:
        rows = [(_("Username"), _("Password"), _("Role"), _("Salesperson"))] + [
            (login.username, login.password, login.role, str(salesperson))
            for login, salesperson in demo.logins()
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        self.stdout.write("")
        self.stdout.write(_("Demo logins:"))
        for number, row in enumerate(rows):
            line = "  ".join(
                cell.ljust(width) for cell, width in zip(row, widths, strict=True)
            ).rstrip()
            self.stdout.write(
                "  " + (self.style.MIGRATE_HEADING(line) if number == 0 else line)
            )
        self.stdout.write("")
        self.stdout.write(_("Sign in at %(url)s") % {"url": self.style.SUCCESS(url)})
