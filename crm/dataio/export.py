"""Exporting a KIND in the columns its importer reads back."""

import csv
from collections.abc import Iterable

from crm.dataio.importer import Importer
from crm.dataio.parsing import format_value


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
            c.nav_out(v) if nav and c.nav_out and v is not None else format_value(v)
            for c, v in zip(columns, values, strict=True)
        ]


def write_csv(rows: Iterable[list[str]], file, delimiter: str = ",") -> int:
    writer = csv.writer(file, delimiter=delimiter, lineterminator="\n")
    count = -1
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
