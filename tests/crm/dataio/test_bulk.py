"""Bulk writes: COPY on a thread of its own, in the import's transaction."""

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from contacts.models import Salesperson
from crm.dataio import bulk

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="COPY is PostgreSQL's"
    ),
    # Committed, as a load is; restored as the browser tests after it expect
    # (a plain flush would re-create the content types under new ids).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FIELDS = (
    "id",
    "code",
    "name",
    "email",
    "phone",
    "job_title",
    "commission_pct",
    "blocked",
)


def salespeople(codes):
    ids = bulk.allocate_ids(Salesperson, len(codes))
    return [
        (pk, code, code, "", "", "", Decimal(0), False)
        for pk, code in zip(ids, codes, strict=True)
    ]


def test_held_copies_are_written_in_order_when_released_and_at_the_end():
    with transaction.atomic(), bulk.copies_in_background():
        bulk.insert(Salesperson, FIELDS, salespeople(["B1", "B2"]))
        # Held until released: a query of the importer's does not see them.
        assert not Salesperson.objects.filter(code__in=["B1", "B2"]).exists()
        bulk.release()
        # A query waits for the released COPY, in the same transaction.
        assert Salesperson.objects.filter(code__in=["B1", "B2"]).count() == 2
        bulk.insert(Salesperson, FIELDS, salespeople(["B3"]))
    assert set(Salesperson.objects.values_list("code", flat=True)) >= {"B1", "B2", "B3"}


def test_a_failed_copy_is_raised_as_django_error_and_nothing_is_written():
    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
        bulk.copies_in_background(),
    ):
        bulk.insert(Salesperson, FIELDS, salespeople(["C1"]))
        bulk.insert(Salesperson, FIELDS, salespeople(["C1"]))  # same code
        bulk.release()
        # The next query raises the COPY's error, not "transaction aborted".
        Salesperson.objects.count()
    assert not Salesperson.objects.filter(code="C1").exists()


def test_a_failed_copy_at_the_end_is_raised_when_the_block_ends():
    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
        bulk.copies_in_background(),
    ):
        bulk.insert(Salesperson, FIELDS, salespeople(["D1", "D1"]))
    assert not Salesperson.objects.filter(code="D1").exists()


def test_outside_the_block_insert_writes_at_once():
    with transaction.atomic():
        bulk.insert(Salesperson, FIELDS, salespeople(["E1"]))
        assert Salesperson.objects.filter(code="E1").exists()
    assert bulk._active() is None


def test_another_threads_writes_stay_out_of_a_running_load():
    # A threaded server may run two imports at once: each its own transaction.
    seen = []
    with transaction.atomic(), bulk.copies_in_background():
        other = threading.Thread(target=lambda: seen.append(bulk._active()))
        other.start()
        other.join()
        assert bulk._active() is not None
    assert seen == [None]


def test_a_locked_table_takes_its_ids_as_one_block_and_the_sequence_moves_on():
    with transaction.atomic(), bulk.foreign_keys_checked_at_end([Salesperson]):
        ids = bulk.allocate_ids(Salesperson, 1000)
        assert ids == list(range(ids[0], ids[0] + 1000))
        bulk.insert(
            Salesperson,
            FIELDS,
            [(pk, f"F{pk}", "x", "", "", "", Decimal(0), False) for pk in ids[:2]],
        )
    later = Salesperson.objects.create(code="F-LATER", name="Later")
    assert later.pk > ids[-1]
    assert bulk.allocate_ids(Salesperson, 3)[0] > later.pk
