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
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import connection, models, transaction


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` ids for new rows of ``model``, taken from its id sequence.

    On SQLite, the ids after the highest ever given (the import holds the
    database's only write transaction): insert them before asking again.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
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
            cursor.copy_expert(
                f'COPY "{table}" ({columns}) FROM STDIN WITH (FORMAT csv{force})',
                buffer,
            )
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(
                f'INSERT INTO "{table}" ({columns}) VALUES ({marks})',
                [tuple(map(_sqlite_value, row)) for row in rows],
            )


def _sqlite_value(value):
    # As Django's SQLite backend stores them: ISO dates, naive UTC datetimes,
    # decimals as text.
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


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
    yield
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
