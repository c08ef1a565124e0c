"""CSV import and export: reading files, parsing values, the generic importer.

Files come from people and from NAV / Business Central, so the reader detects
the encoding (UTF-8, UTF-8 with BOM, Windows-1252) and the delimiter (comma,
semicolon, tab), matches headers by our field names or NAV's English captions
(case and surrounding spaces ignored), and parses decimals, dates, booleans and
option texts in the forms those files use. Every problem is collected as
``FILE:LINE: COLUMN: message``; a file is written all or nothing.

An importer describes one KIND: its columns, natural key, references and rules.
``run_import`` validates every row first and writes only when all are valid, in
one transaction, with bulk queries (one per referenced table, never one per row).
"""

import codecs
import csv
import datetime
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.utils.translation import gettext as _

from crm import bulk

BATCH = 1000
IN_CHUNK = 10000  # keys per IN (...) query: SQLite takes at most 32766 variables
DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\t": "\t"}
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252")
TRUE = {"yes", "true", "1", "kyllä", "y", "k"}
FALSE = {"no", "false", "0", "ei", "n", ""}
# What an empty cell of a column kind means (refs, dates and integers: none).
EMPTY = {"text": "", "boolean": False, "decimal": Decimal(0)}


class UnusableInput(Exception):
    """Arguments or a file that cannot be used at all (exit status 2)."""


# -- reading ---------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """UTF-8 with BOM, else UTF-8 when the whole file decodes, else Windows-1252."""
    with open(path, "rb") as file:
        if file.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
        file.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := file.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def detect_delimiter(header_line: str) -> str:
    """The most frequent of comma, semicolon and tab in the header line."""
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def normalize_header(text: str) -> str:
    return " ".join(text.split()).casefold()


# -- values ----------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_DIGITS = re.compile(r"^[+-]?(\d+)(\.\d+)?$")


def parse_decimal(text: str) -> Decimal:
    """`1234.5`, `1234,5`, `1 234,50`, `1,234.50`, `1.234,50`, `1.234.567`.

    The last of point or comma is the decimal mark when both appear; a single
    comma or point alone is a decimal mark; repeated ones separate thousands.
    """
    value = _SPACES.sub("", text)
    if "," in value and "." in value:
        if value.rfind(",") > value.rfind("."):
            value = value.replace(".", "").replace(",", ".")
        else:
            value = value.replace(",", "")
    elif value.count(",") > 1 or value.count(".") > 1:
        value = value.replace(",", "").replace(".", "")
    else:
        value = value.replace(",", ".")
    if not _DIGITS.match(value):
        raise ValueError(_("“%(value)s” is not a number.") % {"value": text})
    try:
        return Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the regex guards this
        raise ValueError(_("“%(value)s” is not a number.") % {"value": text}) from exc


def parse_integer(text: str) -> int:
    value = parse_decimal(text)
    if value != value.to_integral_value():
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text})
    return int(value)


def parse_boolean(text: str) -> bool:
    value = text.strip().casefold()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValueError(
        _("“%(value)s” is not a yes/no value (Yes, No, true, false, 1, 0, Kyllä, Ei).")
        % {"value": text}
    )


def date_parser(date_format: str | None) -> Callable[[str], datetime.date]:
    """A parser of ISO (2026-11-25) and Finnish (25.11.2026) dates, or the format."""

    def parse(text: str) -> datetime.date:
        value = text.strip()
        if not date_format and len(value) == 10 and value[4] == "-":
            try:
                return datetime.date.fromisoformat(value)  # the fast, usual case
            except ValueError:
                pass
        formats = [date_format] if date_format else ["%Y-%m-%d", "%d.%m.%Y"]
        for fmt in formats:
            try:
                return datetime.datetime.strptime(value, fmt).date()
            except ValueError:
                continue
        raise ValueError(_("“%(value)s” is not a date.") % {"value": text})

    return parse


def choice_parser(choices: type[models.TextChoices], **aliases: str):
    """A parser accepting a choice's value, its label or NAV's text (aliases)."""
    table = {}
    for value, label in choices.choices:
        table[normalize_header(value)] = value
        table[normalize_header(str(label))] = value
        table[normalize_header(value.replace("_", " "))] = value
    for text, value in aliases.items():
        table[normalize_header(text)] = value

    def parse(text: str) -> str:
        try:
            return table[normalize_header(text)]
        except KeyError:
            allowed = ", ".join(str(label) for _v, label in choices.choices)
            raise ValueError(
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": text, "allowed": allowed}
            ) from None

    return parse


def format_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def fetch(queryset, field_name: str, keys) -> Iterator:
    """The queryset's rows whose field is in keys, in chunks SQLite accepts."""
    keys = list(keys)
    for start in range(0, len(keys), IN_CHUNK):
        chunk = keys[start : start + IN_CHUNK]
        yield from queryset.filter(**{f"{field_name}__in": chunk})


# -- errors ----------------------------------------------------------------


@dataclass
class Problems:
    """Problems of one file, as ``FILE:LINE: COLUMN: message``."""

    filename: str
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    warnings: list[tuple[int, str, str]] = field(default_factory=list)
    bad_lines: set[int] = field(default_factory=set)

    def error(self, line: int, column: str, message: str) -> None:
        self.errors.append((line, column, message))
        self.bad_lines.add(line)

    def warn(self, line: int, column: str, message: str) -> None:
        self.warnings.append((line, column, message))

    def format(self, problem: tuple[int, str, str]) -> str:
        line, column, message = problem
        return f"{self.filename}:{line}: {column}: {message}"

    def write_csv(self, path: str) -> None:
        with open(path, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(["file", "line", "column", "message"])
            for line, column, message in sorted(self.errors):
                writer.writerow([self.filename, line, column, message])


# -- the importer ----------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a KIND: our name, NAV's caption, how to read and write it.

    ``kind`` is text, decimal, integer, boolean, date, choice or ref; ``attr``
    the model attribute set (``salesperson_id`` for a ref); ``path`` what an
    export reads (``salesperson__code``); ``nav_out`` turns a value into NAV's
    text for exports with NAV captions.
    """

    name: str
    nav: str | None = None
    kind: str = "text"
    required: bool = False
    attr: str | None = None
    path: str | None = None
    choices: Callable[[str], str] | None = None
    nav_out: Callable[[Any], str] | None = None

    @property
    def target(self) -> str:
        return self.attr or self.name

    @property
    def export_path(self) -> str:
        return self.path or self.target


@dataclass
class Row:
    line: int
    values: dict[str, Any]  # column name -> parsed value, only columns in the file
    empty: set[str] = field(default_factory=set)  # columns whose cell is empty
    obj: models.Model | None = None
    created: bool = False
    changed: list[str] = field(default_factory=list)


@dataclass
class Options:
    encoding: str | None = None
    delimiter: str | None = None
    date_format: str | None = None
    dry_run: bool = False
    ignore_unknown_columns: bool = False


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rows: int = 0
    seconds: float = 0.0
    problems: Problems | None = None


class Importer:
    """One KIND. Subclasses set the class attributes and refine the hooks."""

    kind: str = ""
    model: type[models.Model]
    columns: list[Column] = []
    key: tuple[str, ...] = ()
    # Model fields clean_fields() skips (references are checked in bulk).
    exclude_clean: tuple[str, ...] = ()
    # Rows checked and written at a time; None: the whole file at once (needed
    # when rows refer to rows anywhere in the file, like contacts' companies).
    chunk_size: int | None = None
    # Tables a large file loads in bulk: their foreign keys are checked once at
    # the end instead of row by row (crm.bulk.foreign_keys_checked_at_end).
    bulk_models: tuple = ()

    def __init__(self, problems: Problems):
        self.problems = problems
        self.by_name = {c.name: c for c in self.columns}
        self.captions: dict[str, str] = {}  # column name -> header in the file
        self.seen: dict[tuple, int] = {}  # natural key -> line, across chunks

    @classmethod
    def export_queryset(cls):
        return cls.model.objects.order_by(*cls.key_paths())

    @classmethod
    def key_paths(cls) -> list[str]:
        by_name = {c.name: c for c in cls.columns}
        return [by_name[name].export_path for name in cls.key]

    # hooks
    def resolve(self, rows: list[Row]) -> None:
        """Check references in bulk, replacing codes by ids in row.values."""

    def existing(self, rows: list[Row]) -> dict[tuple, models.Model]:
        """The rows' objects already in the database, by natural key."""
        raise NotImplementedError

    def new(self, row: Row) -> models.Model:
        return self.model()

    def check(self, rows: list[Row]) -> None:
        """Rules across rows and the database, after objects are built."""

    def write(self, rows: list[Row]) -> None:
        creates = [r.obj for r in rows if r.created]
        self.model.objects.bulk_create(creates, batch_size=BATCH)
        self.update([r for r in rows if r.changed])

    def update(self, rows: list[Row]) -> None:
        # Dotted names mark changes of a related row the importer writes itself.
        fields = sorted({f for r in rows for f in r.changed if "." not in f})
        if fields:
            self.model.objects.bulk_update(
                [r.obj for r in rows], fields, batch_size=BATCH
            )

    # machinery
    def caption(self, name: str) -> str:
        return self.captions.get(name, name)

    def row_key(self, row: Row) -> tuple:
        return tuple(row.values.get(name) for name in self.key)

    def error(self, row: Row, column: str, message: str) -> None:
        self.problems.error(row.line, self.caption(column), message)

    def refs(
        self, rows: list[Row], column: str, model, field_name: str = "code", **filters
    ) -> dict[str, models.Model]:
        """The objects a reference column names, by code; unknown ones are errors.

        ``model`` is a model or a queryset (to select related rows with it).
        """
        queryset = model if isinstance(model, models.QuerySet) else model.objects
        model = queryset.model
        codes = {r.values[column] for r in rows if r.values.get(column)}
        found = {
            getattr(o, field_name): o
            for o in fetch(queryset.filter(**filters), field_name, codes)
        }
        for row in rows:
            code = row.values.get(column)
            if code and code not in found:
                self.error(
                    row,
                    column,
                    _("%(model)s “%(code)s” does not exist.")
                    % {"model": model._meta.verbose_name.capitalize(), "code": code},
                )
        return found

    def assign(self, row: Row) -> None:
        obj = row.obj
        for name, value in row.values.items():
            column = self.by_name[name]
            if column.kind == "choice" and value is None:
                continue  # an empty option keeps the value (or the default)
            if column.kind == "ref":
                value = value.pk if value is not None else None
            if row.created or getattr(obj, column.target) != value:
                setattr(obj, column.target, value)
                if not row.created:
                    row.changed.append(column.target)

    def clean(self, row: Row) -> None:
        by_target = {c.target: c.name for c in self.columns}
        try:
            row.obj.clean_fields(exclude=self.exclude_clean)
        except ValidationError as exc:
            for field_name, errors in exc.message_dict.items():
                column = by_target.get(field_name, field_name)
                for message in errors:
                    self.error(row, column, message)

    def plan(self, rows: list[Row]) -> None:
        self.resolve(rows)
        existing = self.existing(rows)
        seen = self.seen
        for row in rows:
            key = self.row_key(row)
            if key in seen:
                self.error(
                    row,
                    self.key[-1],
                    _("Duplicate of line %(line)s.") % {"line": seen[key]},
                )
                continue
            seen[key] = row.line
            if row.line in self.problems.bad_lines:
                continue
            row.obj = existing.get(key)
            row.created = row.obj is None
            if row.created:
                row.obj = self.new(row)
            self.assign(row)
            self.clean(row)
        self.check([r for r in rows if r.obj is not None])


def read_rows(
    importer: Importer, path: Path, options: Options, progress
) -> Iterator[Row]:
    """Parse the file's rows; header and value problems go to the importer."""
    problems = importer.problems
    encoding = options.encoding or detect_encoding(path)
    with open(path, encoding=encoding, newline="") as file:
        first = file.readline()
        delimiter = options.delimiter or detect_delimiter(first)
        file.seek(0)
        reader = csv.reader(file, delimiter=delimiter)
        header = next(reader, None)
        if not header:
            raise UnusableInput(_("%(file)s is empty.") % {"file": problems.filename})
        columns = _match_header(importer, header, options)
        parse_date = date_parser(options.date_format)
        parsers = {
            "text": str.strip,
            "ref": str.strip,
            "decimal": parse_decimal,
            "integer": parse_integer,
            "boolean": parse_boolean,
            "date": parse_date,
        }
        for number, cells in enumerate(reader, start=2):
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                problems.error(
                    line,
                    "-",
                    _("%(count)s values for %(columns)s columns.")
                    % {"count": len(cells), "columns": len(header)},
                )
            values, empty = {}, set()
            for index, column in columns:
                text = cells[index] if index < len(cells) else ""
                if "\x00" in text:
                    problems.error(
                        line,
                        header[index].strip(),
                        _("Holds a NUL character, which no text may hold."),
                    )
                    text = ""  # the line is refused; read on for more problems
                if not text.strip():
                    if column.required:
                        problems.error(line, header[index].strip(), _("Required."))
                    values[column.name] = EMPTY.get(column.kind)
                    empty.add(column.name)
                    continue
                parse = column.choices or parsers[column.kind]
                try:
                    values[column.name] = parse(text)
                except ValueError as exc:
                    problems.error(line, header[index].strip(), str(exc))
            progress(number)
            yield Row(line, values, empty)


def _match_header(importer: Importer, header: list[str], options: Options):
    problems = importer.problems
    lookup = {}
    for column in importer.columns:
        lookup[normalize_header(column.name)] = column
        if column.nav:
            lookup[normalize_header(column.nav)] = column
    columns, seen = [], set()
    for index, text in enumerate(header):
        column = lookup.get(normalize_header(text))
        if column is None:
            message = _("Unknown column.")
            if options.ignore_unknown_columns:
                problems.warn(1, text.strip(), message + " " + _("Ignored."))
            else:
                problems.error(1, text.strip(), message)
            continue
        if column.name in seen:
            problems.error(1, text.strip(), _("Column given twice."))
            continue
        seen.add(column.name)
        importer.captions[column.name] = text.strip()
        columns.append((index, column))
    for column in importer.columns:
        if column.required and column.name not in seen:
            problems.error(1, column.name, _("Required column missing."))
    return columns


def run_import(
    importer_class: type[Importer],
    path: str,
    options: Options,
    progress: Callable[[int], None] = lambda n: None,
) -> Result:
    """Validate the whole file, then write it in one transaction (or nothing)."""
    started = time.monotonic()
    file_path = Path(path)
    problems = Problems(path)
    importer = importer_class(problems)
    result = Result(problems=problems)
    if not file_path.is_file():
        raise UnusableInput(_("%(file)s: no such file.") % {"file": path})
    if options.encoding:
        try:
            codecs.lookup(options.encoding)
        except LookupError as exc:
            raise UnusableInput(
                _("Unknown encoding “%(name)s”.") % {"name": options.encoding}
            ) from exc
    header_bad = False
    bulk_models = importer.bulk_models if not options.dry_run else ()
    if not bulk.worth_checking_keys_at_end(bulk_models, bulk.count_lines(file_path)):
        bulk_models = ()
    try:
        # One transaction, rolled back unless every row is valid; importers
        # with a chunk size check and write chunk by chunk so memory stays flat.
        with (
            transaction.atomic(),
            bulk.foreign_keys_checked_at_end(bulk_models),
        ):
            size = importer.chunk_size or sys.maxsize
            for chunk in _chunks(
                read_rows(importer, file_path, options, progress), size
            ):
                result.rows += len(chunk)
                header_bad = header_bad or any(
                    line == 1 for line, *_ in problems.errors
                )
                if header_bad:
                    continue
                importer.plan(chunk)
                if problems.errors:
                    continue
                result.created += sum(r.created for r in chunk)
                result.updated += sum(bool(r.changed) for r in chunk)
                if not options.dry_run:
                    importer.write(chunk)
            if problems.errors or options.dry_run:
                transaction.set_rollback(True)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UnusableInput(f"{path}: {exc}") from exc
    except DatabaseError as exc:
        # A rule the checks above missed but the database guards: nothing is
        # written (the transaction rolled back); report it rather than crash.
        problems.error(
            0, "-", _("The database refused the file: %(error)s") % {"error": exc}
        )
    if problems.errors:
        result.created = result.updated = 0
        result.rejected = len(problems.bad_lines - {1}) or result.rows
    else:
        result.unchanged = result.rows - result.created - result.updated
    result.seconds = time.monotonic() - started
    return result


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


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


def progress_bar(stream=sys.stderr, every: int = 1000) -> Callable[[int], None]:
    """A line counter on a terminal; nothing otherwise."""
    if not stream.isatty():
        return lambda n: None

    def show(n: int) -> None:
        if n % every == 0:
            stream.write(f"\r{_('rows read')}: {n}")
            stream.flush()

    return show


def registry() -> dict[str, type[Importer]]:
    """The KINDs import_data and export_data know, in dependency order."""
    from contacts.importers import IMPORTERS as contacts
    from opportunities.importers import IMPORTERS as opportunities
    from salescycles.importers import IMPORTERS as salescycles

    return {i.kind: i for i in [*contacts, *salescycles, *opportunities]}


def label_of(choices: type[models.TextChoices]) -> Callable[[str], str]:
    """A choice's English label, which is NAV's option text, for NAV exports."""
    labels = dict(choices.choices)
    return lambda value: str(labels.get(value, value))


def choice_column(name: str, nav: str | None, choices, **kwargs) -> Column:
    aliases = kwargs.pop("aliases", {})
    return Column(
        name,
        nav,
        kind="choice",
        choices=choice_parser(choices, **aliases),
        nav_out=label_of(choices),
        **kwargs,
    )
