"""Benchmark the pages at growing data sizes: median server time and queries.

For each size it generates the data set (crm/devtools/generate.py), analyses the
tables, then requests every page through Django's handler in this process (the
server's time, without a network) as the generated manager, and prints a
Markdown table: median milliseconds of ``--repeat`` requests and the number of
queries one request makes. Posts (update, close, a board drop) go to a
different opportunity each time. Last, stage updates per second through the services.
The generated data is removed at the end (``--keep`` keeps the last size).
"""

import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.devtools import generate
from opportunities import moves, services
from opportunities.models import CloseReason, CloseReasonType, Opportunity, Status
from opportunities.moves import Move
from salescycles.models import Stage


class Command(BaseCommand):
    help = (
        "Time every page at each --sizes number of opportunities (generated) "
        "and print median milliseconds and queries per page as a table."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes",
            default="1000,10000,100000",
            help="Opportunity counts, comma-separated (1000,10000,100000).",
        )
        parser.add_argument(
            "--repeat", type=int, default=9, help="Requests per page (9)."
        )
        parser.add_argument(
            "--keep", action="store_true", help="Keep the last size's data."
        )
        parser.add_argument(
            "--only",
            default="",
            help="Measure only the pages whose name contains this (e.g. search).",
        )

    def handle(self, *args, **options):
        sizes = [int(size) for size in options["sizes"].split(",")]
        results: dict[str, dict[int, tuple[float, int]]] = {}
        rates = {}
        try:
            for size in sizes:
                started = time.monotonic()
                generate.remove()
                # The new rows take the removed rows' space, as in a table
                # autovacuum looks after, rather than doubling the table.
                self.vacuum("VACUUM")
                generate.generate(
                    opportunities=size, contacts=max(200, size // 5), salespeople=50
                )
                # What autovacuum would have done by the time anyone reads the
                # pages: statistics for the planner, the visibility map for
                # index-only scans.
                self.vacuum("VACUUM ANALYZE")
                self.stderr.write(
                    f"{size:,} opportunities generated in "
                    f"{time.monotonic() - started:.1f} s; measuring"
                )
                measured = self.measure(options["repeat"], options["only"])
                for page, figures in measured.items():
                    results.setdefault(page, {})[size] = figures
                rates[size] = 0 if options["only"] else self.updates_per_second()
        finally:
            if not options["keep"]:
                generate.remove()
        self.table(sizes, results, rates)

    @staticmethod
    def vacuum(statement: str) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(statement)
            elif "ANALYZE" in statement:
                cursor.execute("ANALYZE")

    def measure(self, repeat: int, only: str = "") -> dict[str, tuple[float, int]]:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username="gmanager"))
        running = Opportunity.objects.filter(status=Status.IN_PROGRESS)
        busiest = running.order_by("-version", "number").first()
        salesperson = busiest.salesperson_id
        today = timezone.localdate().isoformat()
        search = reverse("search")
        pages = {
            "home": reverse("home"),
            "list": reverse("opportunities:list"),
            "list, filtered and sorted by value": reverse("opportunities:list")
            + f"?status=open&salesperson={salesperson}&o=-estimated_value",
            "board": reverse("opportunities:board_cycle", args=["GNEW"]),
            "board, one salesperson": reverse(
                "opportunities:board_cycle", args=["GNEW"]
            )
            + f"?salesperson={busiest.salesperson.code}",
            "opportunity page": reverse("opportunities:detail", args=[busiest.number]),
            "statistics: this quarter": reverse("statistics:overview"),
            "statistics: forecast": reverse("statistics:forecast"),
            "statistics: win rate and velocity": reverse("statistics:win_rate"),
            "statistics: sales cycles": reverse("statistics:cycles"),
            "statistics: salespeople": reverse("statistics:salespeople"),
            "statistics: contacts": reverse("statistics:contacts"),
            "statistics: close reasons": reverse("statistics:close_reasons"),
            "matrix": reverse("statistics:matrix"),
            "matrix by contact": reverse("statistics:matrix") + "?rows=contact",
            # The generated contacts are "Company 1234 Oy" and their persons.
            "search: a number": f"{search}?q={busiest.number}",
            "search: a name": f"{search}?q=company+1234",
            "search: two letters (numbers only)": f"{search}?q=oy",
            "search: a word in every company name": f"{search}?q=company",
            "list, searched": reverse("opportunities:list") + "?q=company+1234",
            # The API's list, a page of 50 (signed in by the session here; a
            # token adds one indexed query).
            "api: opportunities": "/api/v1/opportunities/",
            "api: open opportunities": "/api/v1/opportunities/?status=open",
        }
        results = {}
        for name, path in pages.items():
            if only not in name:
                continue
            results[name] = self.time(
                repeat, lambda path=path: client.get(path, secure=True)
            )
        # Posts: each to an opportunity of its own, in progress.
        targets = iter(running.order_by("number")[: 2 * repeat + 4])
        reason = CloseReason.objects.filter(type=CloseReasonType.WON).first()

        def update():
            opportunity = next(targets)
            return client.post(
                reverse("opportunities:advance", args=[opportunity.number]),
                {
                    "move": Move.UPDATE,
                    "target_stage": opportunity.stage_id,
                    "date_of_change": today,
                    "estimated_value": "1234.00",
                    "chances_pct": "33",
                    "estimated_close_date": today,
                    "version": opportunity.version,
                },
                secure=True,
            )

        def close():
            opportunity = next(targets)
            return client.post(
                reverse("opportunities:close", args=[opportunity.number]),
                {
                    "outcome": "won",
                    "close_reason": reason.pk,
                    "date_closed": today,
                    "sale_value": "1500.00",
                    "version": opportunity.version,
                },
                secure=True,
            )

        # A card dropped on the previous stage (never one needing a quote),
        # answered with the board: the cards from the other end of the list.
        stages = list(Stage.objects.filter(cycle__code="GNEW").order_by("number"))
        by_pk = {stage.pk: stage for stage in stages}
        cards = iter(
            running.filter(sales_cycle__code="GNEW")
            .exclude(stage=stages[0])
            .order_by("-number")[: repeat + 1]
        )

        def drop():
            card = next(cards)
            [target] = moves.targets(Move.PREVIOUS, stages, by_pk[card.stage_id])
            response = client.post(
                reverse("opportunities:board_move", args=[card.number, target.pk]),
                {"version": card.version},
                secure=True,
                headers={"HX-Request": "true"},
            )
            if b"board-dialog" in response.content:
                raise SystemExit(f"the drop of {card.number} opened a dialog")
            return response

        posts = {
            "update (POST)": (update, 302),
            "close (POST)": (close, 302),
            "board drop (POST, answered with the board)": (drop, 200),
        }
        for name, (request, expect) in posts.items():
            if only in name:
                results[name] = self.time(repeat, request, expect=expect)
        return results

    @staticmethod
    def time(repeat: int, request, expect: int = 200) -> tuple[float, int]:
        """Median milliseconds of ``repeat`` requests after one to warm up, and
        the queries of the warm-up one."""
        # Each request starts by emptying the query log; so must the count.
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            response = request()
        count = len(queries)  # now: the log is the next request's after this
        if response.status_code != expect:
            raise SystemExit(f"{response.status_code} for {response.request}")
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = request()
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != expect:
                raise SystemExit(f"{response.status_code} for {response.request}")
        return statistics.median(times), count

    @staticmethod
    def updates_per_second(count: int = 200) -> float:
        """Stage updates through the services, one after another."""
        running = list(
            Opportunity.objects.filter(status=Status.IN_PROGRESS).order_by("-number")[
                :count
            ]
        )
        started = time.perf_counter()
        for opportunity in running:
            services.opportunity_advance(
                user=None, opportunity=opportunity, move=Move.UPDATE
            )
        return len(running) / (time.perf_counter() - started)

    def table(self, sizes, results, rates) -> None:
        vendor = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}[connection.vendor]
        heading = " | ".join(f"{size:,}" for size in sizes)
        self.stdout.write(f"{vendor}: median ms (queries) per page, by opportunities\n")
        self.stdout.write(f"| page | {heading} |")
        self.stdout.write("|---|" + "---:|" * len(sizes))
        for page, by_size in results.items():
            cells = " | ".join(
                f"{by_size[size][0]:.1f} ({by_size[size][1]})" for size in sizes
            )
            self.stdout.write(f"| {page} | {cells} |")
        cells = " | ".join(f"{rates[size]:.0f}" for size in sizes)
        self.stdout.write(f"| stage updates per second (services) | {cells} |")
