"""Benchmark import_data on generated files.

Generates setup files and an opportunities file of ``--rows`` rows (mixed
states, so with their history entries) in a temporary folder, imports them
(committed, so that the database checks its foreign keys as in real use) and
prints rows per second and peak memory. On PostgreSQL it first vacuums and
analyses the tables (dead rows of earlier runs slow an import by half), and
afterwards times the honest floor: a plain COPY of the same opportunity and
entry rows into the same tables, indexes maintained, with the foreign keys
handled as the import handles them (dropped and re-added once when the load
is large against the table, else checked row by row), and prints the ratio.
Afterwards the benchmark's rows are removed (they all carry its codes: B...,
BENCH).
"""

import contextlib
import csv
import datetime
import random
import resource
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from contacts.models import Contact, Salesperson
from crm.dataio import Options, bulk, registry, run_import
from opportunities.models import CloseReason, Opportunity, OpportunityEntry
from salescycles.models import SalesCycle, Stage

SETUP = {
    "salespeople": "code,name\n" + "".join(f"B{i},Bench {i}\n" for i in range(20)),
    "sales-cycles": "code,description,probability_method\nBENCH,Bench,multiply\n",
    "stages": "cycle,number,description,completed_pct,chances_pct,date_formula\n"
    + "".join(
        f"BENCH,{n * 10},Stage {n},{n * 20},{n * 15},CM+{n}M\n" for n in range(1, 5)
    ),
    "close-reasons": "code,type\nBWON,won\nBLOST,lost\n",
}


class Command(BaseCommand):
    help = (
        "Time import_data on generated files (committed, so foreign keys are "
        "checked, then removed) and print rows per second, peak memory and, on "
        "PostgreSQL, the ratio to a plain COPY of the same rows."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rows", type=int, default=100_000, help="Opportunity rows (100000)."
        )
        parser.add_argument(
            "--keep",
            action="store_true",
            help="Keep the imported data instead of removing it afterwards.",
        )

    def handle(self, *args, **options):
        rows = options["rows"]
        self.clean_up()  # what a run cut short left behind
        with tempfile.TemporaryDirectory() as folder:
            files = self.generate(Path(folder), rows)
            try:
                self.run(files, rows)
            finally:
                if not options["keep"]:
                    self.clean_up()
                    self.stdout.write("Removed the benchmark's data again.")

    def generate(self, folder: Path, rows: int) -> dict[str, Path]:
        files = {}
        for kind, text in SETUP.items():
            files[kind] = folder / f"{kind}.csv"
            files[kind].write_text(text)
        companies = max(rows // 20, 10)
        files["contacts"] = folder / "contacts.csv"
        with open(files["contacts"], "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["number", "type", "name", "salesperson"])
            for i in range(companies):
                writer.writerow([f"BC{i:07d}", "company", f"Company {i}", f"B{i % 20}"])
        files["opportunities"] = folder / "opportunities.csv"
        random.seed(5)
        start = datetime.date(2026, 1, 5)
        with open(files["opportunities"], "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(
                [
                    "number",
                    "description",
                    "contact",
                    "salesperson",
                    "sales_cycle",
                    "creation_date",
                    "status",
                    "stage",
                    "estimated_value",
                    "chances_pct",
                    "estimated_close_date",
                    "date_closed",
                    "close_reason",
                ]
            )
            for i in range(rows):
                state = random.random()
                created = start + datetime.timedelta(days=i % 200)
                row = [
                    f"BO{i:08d}",
                    f"Bench deal {i}",
                    f"BC{i % companies:07d}",
                    f"B{i % 20}",
                    "BENCH",
                    created.isoformat(),
                ]
                value = f"{random.randint(1, 100_000)}.{random.randint(0, 99):02d}"
                stage = random.choice([10, 20, 30, 40])
                closed = (created + datetime.timedelta(days=30)).isoformat()
                if state < 0.1:
                    row += ["not_started", "", "", "", "", "", ""]
                elif state < 0.7:
                    row += ["in_progress", stage, value, "", "", "", ""]
                elif state < 0.9:
                    row += ["won", stage, value, "", "", closed, "BWON"]
                else:
                    row += ["lost", stage, value, "", "", closed, "BLOST"]
                writer.writerow(row)
        return files

    def run(self, files, rows):
        if connection.vendor == "postgresql":
            self.vacuum()
        kinds = registry()
        for kind in ["salespeople", "contacts", "sales-cycles", "stages"]:
            self.load(kinds[kind], files[kind])
        self.load(kinds["close-reasons"], files["close-reasons"])
        before = OpportunityEntry.objects.count()
        result = self.load(kinds["opportunities"], files["opportunities"])
        entries = OpportunityEntry.objects.count() - before
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"opportunities: {result.rows} rows (+ {entries} entries) in "
            f"{result.seconds:.2f} s = {result.rows / result.seconds:,.0f} rows/s; "
            f"peak memory {peak:,.0f} MB"
        )
        if connection.vendor == "postgresql":
            self.copy_floor(result.rows, result.seconds)

    @staticmethod
    def vacuum():
        """VACUUM ANALYZE the tables an import writes (outside a transaction)."""
        tables = [
            model._meta.db_table
            for model in (Opportunity, OpportunityEntry, Contact, Salesperson)
        ]
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}")

    def load(self, importer, path):
        result = run_import(importer, str(path), Options())
        if result.problems.errors:
            raise SystemExit(
                "\n".join(result.problems.format(e) for e in result.problems.errors[:5])
            )
        return result

    def copy_floor(self, rows, seconds):
        """COPY the imported rows out, delete them, and time COPY back in.

        Committed, so the foreign keys are checked as they would be: the
        floor of loading these rows into these tables, validation aside.
        """
        tables = [Opportunity._meta.db_table, OpportunityEntry._meta.db_table]
        ids = f"SELECT id FROM {tables[0]} WHERE number LIKE 'BO%%'"
        # The rows go through files on disk: a million of them are large.
        with contextlib.ExitStack() as stack:
            cursor = stack.enter_context(connection.cursor())
            buffers = []
            for table, where in (
                (tables[0], f"id IN ({ids})"),
                (tables[1], f"opportunity_id IN ({ids})"),
            ):
                buffer = stack.enter_context(tempfile.TemporaryFile("w+"))
                cursor.copy_expert(
                    f"COPY (SELECT * FROM {table} WHERE {where}) TO STDOUT", buffer
                )
                buffers.append(buffer)
            with transaction.atomic():
                cursor.execute(
                    f"DELETE FROM {tables[1]} WHERE opportunity_id IN ({ids})"
                )
                cursor.execute(f"DELETE FROM {tables[0]} WHERE number LIKE 'BO%%'")
            models_ = (Opportunity, OpportunityEntry)
            if not bulk.worth_checking_keys_at_end(models_, rows):
                models_ = ()
            started = time.monotonic()
            with transaction.atomic(), bulk.foreign_keys_checked_at_end(models_):
                for table, buffer in zip(tables, buffers, strict=True):
                    buffer.seek(0)
                    cursor.copy_expert(f"COPY {table} FROM STDIN", buffer)
            floor = time.monotonic() - started
        keys = "re-added once" if models_ else "checked row by row"
        self.stdout.write(
            f"COPY floor (indexes maintained, foreign keys {keys}, as the "
            f"import): the same rows in {floor:.2f} s = {rows / floor:,.0f} "
            f"rows/s; the import takes {seconds / floor:.2f} times as long"
        )

    def clean_up(self):
        """Remove every row the benchmark makes (they all have its codes)."""
        tables = [Opportunity._meta.db_table, OpportunityEntry._meta.db_table]
        ids = f"SELECT id FROM {tables[0]} WHERE number LIKE 'BO%%'"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {tables[1]} WHERE opportunity_id IN ({ids})")
            cursor.execute(f"DELETE FROM {tables[0]} WHERE number LIKE 'BO%%'")
            Contact.objects.filter(number__startswith="BC").delete()
            Stage.objects.filter(cycle__code="BENCH").delete()
            SalesCycle.objects.filter(code="BENCH").delete()
            CloseReason.objects.filter(code__in=["BWON", "BLOST"]).delete()
            Salesperson.objects.filter(code__in=[f"B{i}" for i in range(20)]).delete()
