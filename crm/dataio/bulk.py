"""Bulk inserts for imports: COPY on PostgreSQL, executemany on SQLite.

Django's ``bulk_create`` runs every value of every row through the field
machinery, which costs an import most of its time. An importer that has
already checked its rows writes them here as plain tuples of column values
(Python dates, decimals, booleans, strings, None), with ids it allocated
first so that rows referring to each other can be written together.
"""

import contextlib
import csv
import datetime
import io
import queue
import threading
from collections.abc import Iterable, Sequence

from django.db import connection, models, transaction

# Tables the running load holds locked (see foreign_keys_checked_at_end).
# Per thread, as Django's connections are: a threaded server may run two
# imports at once, each in its own transaction.
_load = threading.local()


def _locked() -> set[str]:
    if not hasattr(_load, "locked"):
        _load.locked = set()
    return _load.locked


def _active() -> "_Copier | None":
    return getattr(_load, "copier", None)


def holds_locked(model: type[models.Model]) -> bool:
    """Whether the running load holds the model's table locked against every
    other session (see ``foreign_keys_checked_at_end``)."""
    return model._meta.db_table in _locked()


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` ids for new rows of ``model``, taken from its id sequence.

    On SQLite, the ids after the highest ever given (the import holds the
    database's only write transaction): insert them before asking again.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and table in _locked():
            # The table is this transaction's alone (foreign_keys_checked_at_end
            # locked it), so nobody else draws from its sequence meanwhile:
            # take the whole block at once.
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                [table, table, count],
            )
            last = cursor.fetchone()[0]
            return list(range(last - count + 1, last + 1))
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                "FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0),"
            f' COALESCE((SELECT MAX(id) FROM "{table}"), 0))',
            [table],
        )
        first = cursor.fetchone()[0] + 1
        return list(range(first, first + count))


def insert(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]
) -> None:
    """Insert ``rows``, each the values of the model's ``fields`` (attnames)."""
    rows = list(rows)
    if not rows:
        return
    table = model._meta.db_table
    columns = ", ".join(
        connection.ops.quote_name(model._meta.get_field(name).column) for name in fields
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # CSV, written by the csv module in C: an empty unquoted value is
            # NULL, so a text column (never null here) is FORCE_NOT_NULL.
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(rows)
            buffer.seek(0)
            texts = [
                connection.ops.quote_name(field.column)
                for field in map(model._meta.get_field, fields)
                if isinstance(field, models.CharField | models.TextField)
                and not field.null
            ]
            force = f", FORCE_NOT_NULL ({', '.join(texts)})" if texts else ""
            sql = f'COPY "{table}" ({columns}) FROM STDIN WITH (FORMAT csv{force})'
            if _active() is not None:
                _active().held.append((sql, buffer))
            else:
                cursor.copy_expert(sql, buffer)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(
                f'INSERT INTO "{table}" ({columns}) VALUES ({marks})',
                _sqlite_rows(model, fields, rows),
            )


def _sqlite_rows(model, fields, rows: list) -> list:
    """The rows as Django's SQLite backend stores them. Dates and decimals the
    sqlite3 module adapts itself (Django registers ISO dates and decimals as
    text); a datetime column is stored naive, in UTC: converted here, once
    per distinct value (an import stamps every row with the same time)."""
    stamps = [
        index
        for index, name in enumerate(fields)
        if isinstance(model._meta.get_field(name), models.DateTimeField)
    ]
    if not stamps:
        return rows
    adapted: dict[datetime.datetime, str] = {}

    def naive(row):
        row = list(row)
        for index in stamps:
            value = row[index]
            if value is not None:
                if value not in adapted:
                    adapted[value] = connection.ops.adapt_datetimefield_value(value)
                row[index] = adapted[value]
        return row

    return [naive(row) for row in rows]


class _Copier:
    """Runs the COPYs ``insert`` hands it, in order, on a thread of its own,
    over the same database connection (so in the same transaction), while the
    importer reads and checks the next rows: psycopg2 lets go of the GIL while
    PostgreSQL takes the rows.

    One connection serves one statement at a time, so the importer's own
    queries wait until the thread is idle. That is why ``insert`` only holds
    its COPYs and ``release`` hands them over: the run releases a chunk's after
    the next chunk's queries (``Importer.prefetch``), so that they overlap the
    next chunk's checks rather than wait for them.
    """

    def __init__(self, raw_connection):
        self.raw = raw_connection
        self.held: list[tuple[str, io.StringIO]] = []
        self.queue: queue.Queue = queue.Queue()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self.run, name="copier", daemon=True)
        self.thread.start()

    def run(self) -> None:
        while True:
            item = self.queue.get()
            try:
                if item is None:
                    return
                if self.error is None:
                    sql, buffer = item
                    with self.raw.cursor() as cursor:
                        # One read of the whole buffer: the thread takes the GIL
                        # once, not once per 8 KB (each a wait for the importer).
                        cursor.copy_expert(sql, buffer, size=1 << 30)
            except BaseException as error:  # raised in the importer's thread
                self.error = error
            finally:
                self.queue.task_done()

    def release(self) -> None:
        for item in self.held:
            self.queue.put(item)
        self.held = []

    def wait(self, execute, sql, params, many, context):
        """Django's execute wrapper: a query waits for the COPYs under way."""
        self.queue.join()
        self.raise_error()
        return execute(sql, params, many, context)

    def finish(self) -> None:
        self.release()
        self.queue.put(None)
        self.thread.join()

    def raise_error(self) -> None:
        if self.error is not None:
            with connection.wrap_database_errors:  # as Django's own errors
                raise self.error


def release() -> None:
    """Hand the COPYs ``insert`` has held so far to the background thread."""
    if _active() is not None:
        _active().release()


@contextlib.contextmanager
def copies_in_background():
    """Within a transaction on PostgreSQL: ``insert`` COPYs on a thread of its
    own (see ``_Copier``); all are done, or their error raised, when the block
    ends. Does nothing elsewhere."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    copier = _load.copier = _Copier(connection.connection)
    try:
        with connection.execute_wrapper(copier.wait):
            yield
    except BaseException:
        _load.copier = None
        copier.held = []  # rolled back anyway: not worth sending
        copier.finish()
        copier.raise_error()  # a failed COPY is the cause of what followed
        raise
    _load.copier = None
    copier.finish()
    copier.raise_error()


# A load this large checks foreign keys once per key at the end (see below).
BULK_LOAD_ROWS = 20_000


def worth_checking_keys_at_end(
    models_: Sequence[type[models.Model]], rows: int
) -> bool:
    """Whether loading ``rows`` rows into these tables should check foreign keys
    at the end: on PostgreSQL, for a large load that adds at least a quarter of
    the rows there are (checking the whole table then costs little more)."""
    if connection.vendor != "postgresql" or not models_ or rows < BULK_LOAD_ROWS:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(MAX(reltuples), 0) FROM pg_class WHERE oid = %s::regclass",
            [models_[0]._meta.db_table],
        )
        present = cursor.fetchone()[0]
    return rows * 4 >= present


@contextlib.contextmanager
def foreign_keys_checked_at_end(models_: Sequence[type[models.Model]]):
    """Within a transaction: drop the tables' foreign keys, re-create them at the end.

    PostgreSQL checks a foreign key row by row, which takes a large load most
    of its time; re-creating the key checks every row in one pass. This is the
    PostgreSQL manual's advice for bulk loads (Populating a Database). The keys
    are dropped and added in the load's transaction, so a failed or refused
    load rolls them back with everything else; meanwhile the tables (and those
    they refer to) are locked for other sessions. Does nothing elsewhere.
    """
    if connection.vendor != "postgresql" or not models_:
        yield
        return
    tables = [model._meta.db_table for model in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid = ANY(%s::regclass[]) ORDER BY conrelid, conname",
            [tables],
        )
        keys = cursor.fetchall()
        # Checks the transaction has deferred so far must run first: a table
        # with pending checks cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _definition in keys:
            cursor.execute(
                f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}"
            )
    # Dropping a constraint locked each table (ACCESS EXCLUSIVE) until the
    # transaction ends.
    _locked().update(table.strip('"') for table, _name, _definition in keys)
    try:
        yield
    finally:
        _locked().clear()
    if transaction.get_rollback():
        return  # the rollback restores the keys
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT "
                f"{connection.ops.quote_name(name)} {definition}"
            )


def count_lines(path) -> int:
    """The number of lines in a file, counted in bytes (fast for large files)."""
    with open(path, "rb") as file:
        return sum(
            block.count(b"\n") for block in iter(lambda: file.read(1 << 20), b"")
        )
