"""The generic importer: columns, rows, problems and the steps of a KIND."""

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from crm.dataio.keys import SeenKeys
from crm.dataio.parsing import choice_parser, format_value
from crm.spreadsheets import spreadsheet_cell

BATCH = 1000
IN_CHUNK = 10000  # keys per IN (...) query: SQLite takes at most 32766 variables
FOUND_KEPT = 50_000  # objects refs() keeps per reference column across chunks


def fetch(queryset, field_name: str, keys) -> Iterator:
    """The queryset's rows whose field is in keys, in chunks SQLite accepts."""
    keys = list(keys)
    for start in range(0, len(keys), IN_CHUNK):
        chunk = keys[start : start + IN_CHUNK]
        yield from queryset.filter(**{f"{field_name}__in": chunk})


# -- errors ----------------------------------------------------------------


class Problem(NamedTuple):
    """One problem: where in the file, what, and the rule's code if it has one."""

    line: int
    column: str
    message: str
    code: str = ""  # the ValidationError code of the rule broken ("" for none)


@dataclass
class Problems:
    """Problems of one file, as ``FILE:LINE: COLUMN: message``."""

    filename: str
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    bad_lines: set[int] = field(default_factory=set)

    def error(
        self, line: int, column: str, message: str, code: str | None = None
    ) -> None:
        self.errors.append(Problem(line, column, message, code or ""))
        self.bad_lines.add(line)

    def warn(self, line: int, column: str, message: str) -> None:
        self.warnings.append(Problem(line, column, message))

    def format(self, problem: Problem) -> str:
        return f"{self.filename}:{problem.line}: {problem.column}: {problem.message}"

    def write_csv(self, path: str) -> None:
        with open(path, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(["file", "line", "column", "message"])
            for problem in sorted(self.errors):
                cells = (self.filename, problem.line, problem.column, problem.message)
                writer.writerow([spreadsheet_cell(cell) for cell in cells])


def rule_message(error: ValidationError, **params) -> str:
    """The message of a rule's error, with its params filled in; ``params``
    replace some (a date written as the files write dates, say)."""
    if not params:
        return next(iter(error))
    return str(error.message % {**(error.params or {}), **params})


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
    preview: int = 0  # planned rows to keep in Result.preview (the import page)


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rows: int = 0
    seconds: float = 0.0
    problems: Problems | None = None
    # The first valid rows as planned: (line, "create", "update" or
    # "unchanged", {column: text}).
    preview: list[tuple[int, str, dict[str, str]]] = field(default_factory=list)


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
    # the end instead of row by row (crm.dataio.bulk.foreign_keys_checked_at_end).
    bulk_models: tuple = ()

    def __init__(self, problems: Problems):
        self.problems = problems
        self.by_name = {c.name: c for c in self.columns}
        self.captions: dict[str, str] = {}  # column name -> header in the file
        self.seen = SeenKeys()  # natural key -> line, across chunks
        # refs() found so far, per query, so that chunks do not fetch again.
        self.found: dict[tuple, dict[str, models.Model]] = {}

    @classmethod
    def export_queryset(cls):
        return cls.model.objects.order_by(*cls.key_paths())

    @classmethod
    def key_paths(cls) -> list[str]:
        by_name = {c.name: c for c in cls.columns}
        return [by_name[name].export_path for name in cls.key]

    # hooks
    def prefetch(self, rows: list[Row]) -> None:
        """Read what ``plan`` needs from the database, before it plans (a large
        file's previous chunk is written meanwhile: see bulk._Copier)."""

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

    def preview(self, row: Row, read: dict[str, Any]) -> dict[str, str]:
        """The row's values as planned, by column of the file, as text: parsed
        and checked, a reference by the code it names. ``read`` holds the
        values as read, for those planning took aside (a contact's company)."""
        shown = {}
        for column in self.columns:
            if column.name not in self.captions:
                continue
            value = row.values.get(column.name, read.get(column.name))
            if isinstance(value, models.Model):
                value = getattr(value, column.export_path.split("__")[-1], value)
            shown[column.name] = format_value(value)
        return shown

    # machinery
    def caption(self, name: str) -> str:
        return self.captions.get(name, name)

    def row_key(self, row: Row) -> tuple:
        return tuple(row.values.get(name) for name in self.key)

    def error(
        self, row: Row, column: str, message: str, code: str | None = None
    ) -> None:
        self.problems.error(row.line, self.caption(column), message, code)

    def reject(self, row: Row, column: str, error: ValidationError, **params) -> None:
        """Report a rule's error (``opportunities.rules``, say) on the row's
        column, with the rule's message and code; see ``rule_message``."""
        self.error(row, column, rule_message(error, **params), error.code)

    def refs(
        self, rows: list[Row], column: str, model, field_name: str = "code", **filters
    ) -> dict[str, models.Model]:
        """The objects a reference column names, by code; unknown ones are errors.

        ``model`` is a model or a queryset (to select related rows with it).
        """
        queryset = model if isinstance(model, models.QuerySet) else model.objects.all()
        model = queryset.model
        query = (str(queryset.query), field_name, tuple(sorted(filters.items())))
        found = self.found.setdefault(query, {})
        if len(found) > FOUND_KEPT:
            found.clear()  # a file naming very many: memory stays bounded
        codes = {r.values[column] for r in rows if r.values.get(column)}
        found.update(
            (getattr(o, field_name), o)
            for o in fetch(queryset.filter(**filters), field_name, codes - found.keys())
        )
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

    def clean(self, row: Row, exclude: tuple[str, ...] = ()) -> None:
        """The model's field checks on the row, but those in ``exclude`` (which
        an importer has checked its own way)."""
        by_target = {c.target: c.name for c in self.columns}
        try:
            row.obj.clean_fields(exclude=(*self.exclude_clean, *exclude))
        except ValidationError as exc:
            for field_name, errors in exc.error_dict.items():
                column = by_target.get(field_name, field_name)
                for error in errors:
                    self.reject(row, column, error)

    def plan(self, rows: list[Row]) -> None:
        self.resolve(rows)
        existing = self.existing(rows)
        seen = self.seen
        for row in rows:
            key = self.row_key(row)
            earlier = seen.first(key, row.line)
            if earlier is not None:
                self.error(
                    row,
                    self.key[-1],
                    _("Duplicate of line %(line)s.") % {"line": earlier},
                )
                continue
            if row.line in self.problems.bad_lines:
                continue
            row.obj = existing.get(key)
            row.created = row.obj is None
            if row.created:
                row.obj = self.new(row)
            self.assign(row)
            self.clean(row)
        self.check([r for r in rows if r.obj is not None])


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
