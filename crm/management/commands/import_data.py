"""Import a CSV file of one KIND: all rows or none (see docs/import-export.md)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from crm.dataio import (
    DELIMITERS,
    Options,
    UnusableInput,
    bulk,
    progress_bar,
    registry,
    run_import,
)

SHOWN_ERRORS = 50


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Import KIND from a CSV file (our column names or NAV's captions). "
            "Every row is checked first; nothing is written unless all are valid. "
            "Exit status 0 on success, 1 when rows were rejected, 2 for unusable "
            "arguments or files."
        )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(registry()), help=_("What to import."))
        parser.add_argument("file", help=_("The CSV file."))
        parser.add_argument(
            "--delimiter",
            choices=list(DELIMITERS),
            help=_("Column delimiter (default: detected from the header line)."),
        )
        parser.add_argument(
            "--encoding",
            help=_("File encoding, e.g. utf-8 or cp1252 (default: detected)."),
        )
        parser.add_argument(
            "--date-format",
            help=_(
                "strptime format of dates, e.g. %%m/%%d/%%Y "
                "(default: 2026-11-25 or 25.11.2026)."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Check everything, write nothing."),
        )
        parser.add_argument(
            "--ignore-unknown-columns",
            action="store_true",
            help=_("Skip columns this KIND does not know, with a warning."),
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help=_(
                "Who imports: a written file is logged as this user's change in "
                "the admin log."
            ),
        )
        parser.add_argument(
            "--errors-csv",
            metavar="PATH",
            help=_(
                "Write every problem to this CSV file (the console shows the "
                "first %(count)d)."
            )
            % {"count": SHOWN_ERRORS},
        )

    def handle(self, *args, **options):
        importer = registry()[options["kind"]]
        settings = Options(
            encoding=options["encoding"],
            delimiter=DELIMITERS[options["delimiter"]]
            if options["delimiter"]
            else None,
            date_format=options["date_format"],
            dry_run=options["dry_run"],
            ignore_unknown_columns=options["ignore_unknown_columns"],
        )
        user = self.importing_user(options["user"])
        verbosity = options["verbosity"]
        progress = (
            progress_bar(self.stderr._out, total=self.data_lines(options["file"]))
            if verbosity
            else (lambda n: None)
        )
        try:
            result = run_import(
                importer, options["file"], settings, progress, user=user
            )
        except UnusableInput as exc:
            raise CommandError(str(exc), returncode=2) from exc
        problems = result.problems
        if verbosity and progress is not None and self.stderr._out.isatty():
            self.stderr.write("")
        for warning in problems.warnings if verbosity else []:
            self.stderr.write(self.style.WARNING(problems.format(warning)))
        for error in sorted(problems.errors)[:SHOWN_ERRORS]:
            self.stderr.write(problems.format(error))
        if len(problems.errors) > SHOWN_ERRORS:
            self.stderr.write(
                _("… and %(count)s more problems.")
                % {"count": len(problems.errors) - SHOWN_ERRORS}
            )
        if options["errors_csv"]:
            problems.write_csv(options["errors_csv"])
        if verbosity:
            rate = result.rows / result.seconds if result.seconds else 0
            summary = _(
                "%(kind)s: %(created)s created, %(updated)s updated, "
                "%(unchanged)s unchanged, %(rejected)s rejected "
                "(%(rows)s rows in %(seconds).1f s, %(rate)d rows/s)."
            ) % {
                "kind": importer.kind,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "rejected": result.rejected,
                "rows": result.rows,
                "seconds": result.seconds,
                "rate": rate,
            }
            if options["dry_run"]:
                summary += " " + _("Dry run: nothing written.")
            style = self.style.ERROR if problems.errors else self.style.SUCCESS
            self.stdout.write(style(summary))
        if problems.errors:
            raise CommandError(
                _("%(file)s rejected: nothing was written.")
                % {"file": options["file"]},
                returncode=1,
            )

    @staticmethod
    def data_lines(path: str) -> int | None:
        """The file's lines but the header (for the progress bar), if readable."""
        try:
            return max(bulk.count_lines(path) - 1, 0)
        except OSError:
            return None  # the import reports it

    def importing_user(self, username: str | None):
        if username is None:
            return None
        try:
            return get_user_model().objects.get_by_natural_key(username)
        except ObjectDoesNotExist:
            raise CommandError(
                _(
                    "There is no user “%(username)s”; --user takes the username "
                    "of an existing user."
                )
                % {"username": username},
                returncode=2,
            ) from None
