"""Running an import: read the file, check every row, write all or nothing."""

import codecs
import csv
import functools
import gc
import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from crm import audit
from crm.dataio import bulk
from crm.dataio.importer import Importer, Options, Problems, Result, Row
from crm.dataio.keys import SeenKeys
from crm.dataio.parsing import (
    EncodingProblem,
    UnusableInput,
    date_parser,
    detect_delimiter,
    detect_encoding,
    normalize_header,
    parse_boolean,
    parse_decimal,
    parse_integer,
    parse_text,
)

# Imports are audited here, written or not (with the user when one is named).
audit_log = logging.getLogger("crm.audit")
# What an empty cell of a column kind means (refs, dates and integers: none).
EMPTY = {"text": "", "boolean": False, "decimal": Decimal(0)}


def read_rows(
    importer: Importer, path: Path, options: Options, progress
) -> Iterator[Row]:
    """Parse the file's rows; header and value problems go to the importer."""
    problems = importer.problems
    try:
        encoding = options.encoding or detect_encoding(path)
    except EncodingProblem as exc:
        problems.error(exc.line, "-", str(exc))
        return
    with open(path, encoding=encoding, newline="") as file:
        first = file.readline()
        delimiter = options.delimiter or detect_delimiter(first)
        file.seek(0)
        # Strict: a quote left open is an error, not the rest of the file
        # read as one value.
        reader = csv.reader(file, delimiter=delimiter, strict=True)
        header = next(reader, None)
        if not header:
            raise UnusableInput(_("%(file)s is empty.") % {"file": problems.filename})
        columns = _match_header(importer, header, options)
        parse_date = date_parser(options.date_format)
        parsers = {
            "text": parse_text,
            "ref": parse_text,
            "decimal": parse_decimal,
            "integer": parse_integer,
            "boolean": parse_boolean,
            "date": parse_date,
        }
        # Per column: where, our name, its caption, required, its parser. A
        # parser of few distinct values (dates, numbers of stages, choices,
        # yes/no) remembers them: a file repeats them on every line.
        plan = [
            (
                index,
                column.name,
                header[index].strip(),
                column.required,
                EMPTY.get(column.kind),
                functools.lru_cache(maxsize=10_000)(
                    column.choices or parsers[column.kind]
                )
                if column.choices or column.kind in REPEATED
                else parsers[column.kind],
            )
            for index, column in columns
        ]
        width = len(header)
        for number, (line, cells) in enumerate(_records(reader, problems), start=2):
            if not "".join(cells).strip():
                continue
            if len(cells) > width:
                problems.error(
                    line,
                    "-",
                    _("%(count)s values for %(columns)s columns.")
                    % {"count": len(cells), "columns": width},
                )
            elif len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            values, empty = {}, set()
            for index, name, caption, required, blank, parse in plan:
                text = cells[index]
                if "\x00" in text:
                    problems.error(
                        line,
                        caption,
                        _("Holds a NUL character, which no text may hold."),
                    )
                    text = ""  # the line is refused; read on for more problems
                if not text or text.isspace():
                    if required:
                        problems.error(line, caption, _("Required."))
                    values[name] = blank
                    empty.add(name)
                    continue
                try:
                    values[name] = parse(text)
                except ValueError as exc:
                    problems.error(line, caption, str(exc))
            progress(number)
            yield Row(line, values, empty)


# Column kinds whose values repeat from line to line.
REPEATED = {"date", "integer", "boolean"}


def _records(reader, problems: Problems) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on (a quoted value may span lines);
    a record the CSV reader cannot parse is an error on that line."""
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):  # the csv module's words
                message = _("A quote opened on this line is never closed.")
            else:
                message = _("Not readable as CSV: %(error)s.") % {"error": exc}
            problems.error(line, "-", message)
            continue
        yield line, cells


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
    *,
    user=None,
) -> Result:
    """Validate the whole file, then write it in one transaction (or nothing).

    Every run is logged to the ``crm.audit`` logger, whatever its outcome; a
    written file is also in the admin log as ``user``'s change, when given.
    """
    kind = importer_class.kind
    by = user.get_username() if user is not None else "-"
    try:
        result = _import(importer_class, path, options, progress, user)
    except UnusableInput as exc:
        audit_log.info("import %s from %s by %s: unusable: %s", kind, path, by, exc)
        raise
    if result.problems.errors:
        outcome = "rejected, nothing written"
    elif options.dry_run:
        outcome = "dry run, nothing written"
    else:
        outcome = "written"
    audit_log.info(
        "import %s from %s by %s: %s (%d rows: %d created, %d updated, "
        "%d unchanged, %d rejected)",
        kind,
        path,
        by,
        outcome,
        result.rows,
        result.created,
        result.updated,
        result.unchanged,
        result.rejected,
    )
    return result


def _import(importer_class, path, options, progress, user) -> Result:
    # An import makes millions of objects and no reference cycles: the cycle
    # collector would scan them again and again for nothing (a tenth of the
    # time at 100,000 rows).
    paused = gc.isenabled()
    gc.disable()
    try:
        return _import_rows(importer_class, path, options, progress, user)
    finally:
        if paused:
            gc.enable()


def _import_rows(importer_class, path, options, progress, user) -> Result:
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
    lines = bulk.count_lines(file_path)
    importer.seen = SeenKeys(lines)
    bulk_models = importer.bulk_models if not options.dry_run else ()
    if not bulk.worth_checking_keys_at_end(bulk_models, lines):
        bulk_models = ()
    try:
        # One transaction, rolled back unless every row is valid; importers
        # with a chunk size check and write chunk by chunk so memory stays flat.
        with (
            transaction.atomic(),
            bulk.foreign_keys_checked_at_end(bulk_models),
            bulk.copies_in_background(),
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
                importer.prefetch(chunk)
                # The last chunk's rows go in while this one is checked.
                bulk.release()
                wanted = chunk[: options.preview - len(result.preview)]
                read = [dict(row.values) for row in wanted]
                importer.plan(chunk)
                result.preview += [
                    (row.line, _action(row), importer.preview(row, values))
                    for row, values in zip(wanted, read, strict=True)
                    if row.line not in problems.bad_lines
                ]
                if problems.errors:
                    continue
                result.created += sum(r.created for r in chunk)
                result.updated += sum(bool(r.changed) for r in chunk)
                if not options.dry_run:
                    importer.write(chunk)
            if problems.errors or options.dry_run:
                transaction.set_rollback(True)
            else:
                # In the import's transaction: no row for a file not written.
                _record(importer, path, result, user)
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


def _record(importer: Importer, path: str, result: Result, user) -> None:
    audit.record_bulk(
        user,
        importer.model,
        audit.CHANGE if result.updated or not result.created else audit.ADDITION,
        Path(path).name,
        _(
            "Imported %(rows)s rows from %(file)s (created %(created)s, "
            "updated %(updated)s)."
        )
        % {
            "rows": result.rows,
            "file": Path(path).name,
            "created": result.created,
            "updated": result.updated,
        },
    )


def _action(row: Row) -> str:
    """What writing a planned row does."""
    return "create" if row.created else "update" if row.changed else "unchanged"


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def progress_bar(
    stream=sys.stderr, every: int = 1000, total: int | None = None
) -> Callable[[int], None]:
    """On a terminal, a bar of the rows read out of ``total`` (a counter
    without it), redrawn every ``every`` rows; nothing otherwise."""
    if not stream.isatty():
        return lambda n: None

    def show(n: int) -> None:
        if n % every:
            return
        if total:
            done = min(n, total) / total
            bar = "#" * round(30 * done)
            stream.write(
                f"\r[{bar:<30}] {n:,} / {total:,} {_('rows read')} ({done:.0%})"
            )
        else:
            stream.write(f"\r{_('rows read')}: {n}")
        stream.flush()

    return show
