"""Which KIND a file holds, told by its header line."""

import csv
from pathlib import Path

from django.utils.translation import gettext as _

from crm.dataio.importer import Importer, Options
from crm.dataio.parsing import (
    EncodingProblem,
    UnusableInput,
    detect_delimiter,
    detect_encoding,
    normalize_header,
)


def read_header(path: Path, options: Options) -> list[str]:
    """The file's header cells, read as an import reads them."""
    try:
        encoding = options.encoding or detect_encoding(path)
    except EncodingProblem as exc:
        raise UnusableInput(
            _("Line %(line)s: %(message)s") % {"line": exc.line, "message": exc}
        ) from exc
    try:
        with open(path, encoding=encoding, newline="") as file:
            first = file.readline()
            delimiter = options.delimiter or detect_delimiter(first)
            header = next(csv.reader([first], delimiter=delimiter), [])
    except (UnicodeDecodeError, csv.Error, LookupError) as exc:
        raise UnusableInput(
            _("The header line is not readable: %(error)s") % {"error": exc}
        ) from exc
    if not any(cell.strip() for cell in header):
        raise UnusableInput(_("The file is empty."))
    return header


def score(importer: type[Importer], header: list[str]) -> tuple[int, int] | None:
    """How well the header fits a KIND: (columns known less columns unknown,
    the KIND's columns left out, negated); None when a required column is
    missing or no more columns are known than unknown."""
    names = {}
    for column in importer.columns:
        names[normalize_header(column.name)] = column.name
        if column.nav:
            names[normalize_header(column.nav)] = column.name
    found = {names[cell] for cell in map(normalize_header, header) if cell in names}
    unknown = sum(normalize_header(cell) not in names for cell in header)
    missing = [c for c in importer.columns if c.required and c.name not in found]
    if missing or len(found) <= unknown:
        return None
    return len(found) - unknown, len(found) - len(importer.columns)


def detect_kinds(header: list[str], kinds: dict[str, type[Importer]]) -> list[str]:
    """The KINDs whose columns the header matches best: one when the header
    tells, several when it fits them equally well, none when it fits none."""
    scores = {kind: score(importer, header) for kind, importer in kinds.items()}
    scores = {kind: value for kind, value in scores.items() if value is not None}
    if not scores:
        return []
    best = max(scores.values())
    return [kind for kind, value in scores.items() if value == best]
