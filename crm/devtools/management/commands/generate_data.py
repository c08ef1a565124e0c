"""Generate a large, realistic data set (crm/devtools/generate.py) for benchmarks."""

import time

from django.core.management.base import BaseCommand

from crm.devtools import generate


class Command(BaseCommand):
    help = (
        "Write a reproducible data set: opportunities with 2 to 8 history "
        "entries each (when started), contacts, salespeople, three sales "
        "cycles, tasks and interactions. Its codes start with G; --remove "
        "takes it away again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--opportunities", type=int, default=100_000, help="How many (100000)."
        )
        parser.add_argument(
            "--contacts", type=int, default=20_000, help="How many (20000)."
        )
        parser.add_argument(
            "--salespeople", type=int, default=50, help="How many (50)."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="The same seed, the same data."
        )
        parser.add_argument(
            "--remove", action="store_true", help="Remove a generated data set instead."
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        generate.remove()
        if options["remove"]:
            self.stdout.write("Removed the generated data.")
            return
        counts = generate.generate(
            opportunities=options["opportunities"],
            contacts=options["contacts"],
            salespeople=options["salespeople"],
            seed=options["seed"],
        )
        seconds = time.monotonic() - started
        self.stdout.write(
            f"Generated in {seconds:.1f} s: {counts.opportunities:,} opportunities "
            f"({counts.entries:,} history entries), {counts.contacts:,} contacts, "
            f"{counts.salespeople} salespeople, {counts.tasks:,} tasks, "
            f"{counts.interactions:,} interactions. Sign in as gmanager or grep "
            f"with the password {generate.PASSWORD}."
        )
