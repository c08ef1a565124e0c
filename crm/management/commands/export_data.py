"""Export one KIND as CSV, in the columns import_data reads back."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from crm.dataio import DELIMITERS, export_rows, registry, write_csv


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Export KIND as CSV to FILE or to standard output; the file imports back "
            "unchanged with import_data."
        )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(registry()), help=_("What to export."))
        parser.add_argument(
            "file",
            nargs="?",
            help=_("The CSV file (default: standard output)."),
        )
        parser.add_argument(
            "--headers",
            choices=["ours", "nav"],
            default="ours",
            help=_("Column names: ours (default) or NAV's English captions."),
        )
        parser.add_argument(
            "--delimiter",
            choices=list(DELIMITERS),
            default=",",
            help=_("Column delimiter (default: comma)."),
        )
        parser.add_argument(
            "--encoding",
            default="utf-8",
            help=_(
                "File encoding (default: utf-8; utf-8-sig adds the BOM Excel likes)."
            ),
        )

    def handle(self, *args, **options):
        importer = registry()[options["kind"]]
        rows = export_rows(importer, nav=options["headers"] == "nav")
        delimiter = DELIMITERS[options["delimiter"]]
        if not options["file"]:
            count = write_csv(rows, self.stdout._out or sys.stdout, delimiter)
        else:
            try:
                with open(
                    options["file"], "w", newline="", encoding=options["encoding"]
                ) as file:
                    count = write_csv(rows, file, delimiter)
            except (OSError, LookupError, UnicodeError) as exc:
                raise CommandError(str(exc), returncode=2) from exc
            if options["verbosity"]:
                self.stderr.write(
                    _("%(kind)s: %(count)s rows written to %(file)s.")
                    % {"kind": importer.kind, "count": count, "file": options["file"]}
                )
