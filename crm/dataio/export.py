"""Exporting a KIND in the columns its importer reads back."""

import csv
from collections.abc import Iterable

from crm.dataio.importer import Importer
from crm.dataio.parsing import format_value
from crm.spreadsheets import escape_text


def export_rows(
    importer_class: type[Importer], nav: bool, queryset=None
) -> Iterable[list[str]]:
    """The header and rows of a KIND, streamed from one query."""
    columns = [c for c in importer_class.columns if c.export_path]
    yield [(c.nav or c.name) if nav else c.name for c in columns]
    if queryset is None:
        queryset = importer_class.export_queryset()
    paths = [c.export_path for c in columns]
    for values in queryset.values_list(*paths).iterator(chunk_size=2000):
        yield [
            c.nav_out(v) if nav and c.nav_out and v is not None else _cell(v)
            for c, v in zip(columns, values, strict=True)
        ]


def _cell(value) -> str:
    """A value as import_data reads it back; a text that a spreadsheet would
    take for a formula is marked (crm/spreadsheets.py), the mark taken off again
    on import."""
    return escape_text(value) if isinstance(value, str) else format_value(value)


def write_csv(rows: Iterable[list[str]], file, delimiter: str = ",") -> int:
    writer = csv.writer(file, delimiter=delimiter, lineterminator="\n")
    count = -1
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
