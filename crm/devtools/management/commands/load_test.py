"""Load test: reps move and close their opportunities while managers read,
concurrently, over HTTP.

``make load-test`` starts the production server (gunicorn) on
``LOAD_HOST:LOAD_PORT`` and runs this against it. Each writer signs in as its
own rep and, until the time is up, posts the update form (next, previous or
update estimates) or the close form for one of its opportunities, as the pages
do. Each reader signs in as a sales manager and opens the list, the board and
the statistics in turn. ``--flood`` adds clients that post random usernames
and passwords to the sign-in page, as a password sprayer does. Afterwards the
history is checked against what the server accepted: every accepted request
wrote exactly one entry, nothing else did, and every opportunity still has one
active entry whose figures it carries. Prints throughput, latency against the
targets and the most database connections the server held; exits 1 on any 5xx,
failed request or change lost or duplicated.

Interrupted (Ctrl-C, SIGTERM), the clients finish the requests they have sent
and stop; the history is checked and the data removed as after a full run.
The clients make their own data (codes starting LT) through the services and
remove it afterwards.
"""

import asyncio
import os
import signal
import statistics
import time
from decimal import Decimal

from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from contacts.models import Contact, Salesperson
from crm.devtools.load_clients import (
    FLOOD_PREFIX,
    PASSWORD,
    READ_P99,
    WRITE_P99,
    ConnectionSampler,
    Deal,
    Tally,
    flooder,
    reader,
    rep,
    session,
    sign_in,
)
from opportunities import services
from opportunities.models import (
    CloseReason,
    CloseReasonType,
    Opportunity,
    OpportunityEntry,
    Task,
)
from opportunities.moves import Move
from salescycles.models import Activity, ActivityStep, SalesCycle, Stage


class Command(BaseCommand):
    help = (
        "Drive the server at --url with concurrent reps updating and closing "
        "opportunities and managers reading the list, board and statistics; "
        "check that the history accounts for every accepted change and print "
        "throughput, latency and the database connections held."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default=os.environ.get("LOAD_TEST_URL", "http://127.0.0.1:8001"),
            help="The server (default: LOAD_TEST_URL, else http://127.0.0.1:8001).",
        )
        parser.add_argument(
            "--writers",
            "--clients",
            type=int,
            default=8,
            help="Concurrent reps moving and closing (8).",
        )
        parser.add_argument(
            "--readers",
            type=int,
            default=0,
            help="Concurrent managers reading the list, board and statistics (0).",
        )
        parser.add_argument(
            "--flood",
            type=int,
            default=0,
            help="Clients posting random usernames to the sign-in page (0).",
        )
        parser.add_argument("--seconds", type=float, default=60, help="How long (60).")
        parser.add_argument(
            "--deals",
            type=int,
            default=200,
            help="Opportunities per rep (200; one request in 20 closes one).",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=30,
            help="Seconds a request may take before it counts as failed (30).",
        )
        parser.add_argument(
            "--keep", action="store_true", help="Keep the test's data afterwards."
        )

    def handle(self, *args, **options):
        self.clean_up()
        problems, tally = [], Tally()
        try:
            stages, reasons, deals = self.prepare(options["writers"], options["deals"])
            readers = self.prepare_readers(options["readers"])
            started, cpu = time.monotonic(), time.process_time()
            with ConnectionSampler() as sampler:
                asyncio.run(self.drive(options, stages, reasons, deals, readers, tally))
            tally.connections = sampler.peak
            elapsed = time.monotonic() - started
            tally.client_cpu = time.process_time() - cpu
            problems = self.verify(deals)
            self.report(tally, elapsed, problems)
            if not tally.interrupted and elapsed < options["seconds"] - 1:
                self.stdout.write(
                    self.style.WARNING(
                        "The reps closed all their opportunities before the time "
                        "was up; give them more with --deals."
                    )
                )
        finally:
            if not options["keep"]:
                self.clean_up()
        if problems or tally.errors:
            raise CommandError("The load test found errors (see above).")

    # -- data ---------------------------------------------------------------------

    def prepare(self, clients: int, per_client: int):
        """Reps with users, a cycle whose third stage creates a task, contacts,
        and opportunities in progress at the first stage."""
        today = timezone.localdate()
        with transaction.atomic():
            activity = Activity.objects.create(code="LTCALL", description="Call")
            ActivityStep.objects.create(
                activity=activity, step_no=1, description="Call back", date_formula="2D"
            )
            cycle = SalesCycle.objects.create(code="LTCYCLE", description="Load test")
            stages = [
                Stage.objects.create(
                    cycle=cycle,
                    number=number * 10,
                    description=f"Stage {number}",
                    completed_pct=number * 15,
                    chances_pct=number * 15,
                    activity=activity if number == 3 else None,
                )
                for number in range(1, 6)
            ]
            reasons = {
                outcome: CloseReason.objects.create(
                    code=f"LT{outcome.upper()}", description=outcome, type=outcome
                )
                for outcome in CloseReasonType.values
            }
            group = Group.objects.get(name="Sales reps")
            users = get_user_model()
            deals = {}
            for index in range(clients):
                code = f"LT{index:03d}"
                user = users.objects.create_user(f"lt{index:03d}", password=PASSWORD)
                user.groups.add(group)
                salesperson = Salesperson.objects.create(
                    code=code, name=code, user=user
                )
                contact = Contact.objects.create(
                    number=f"LTC{index:05d}", type="company", name=f"Load {index}"
                )
                mine = []
                for n in range(per_client):
                    opportunity = services.opportunity_create(
                        user=None,
                        contact=contact,
                        salesperson=salesperson,
                        sales_cycle=cycle,
                        description=f"Load deal {n}",
                        number=f"LT{index:03d}-{n:03d}",
                        creation_date=today,
                    )
                    opportunity = services.opportunity_advance(
                        user=None,
                        opportunity=opportunity,
                        move=Move.START,
                        date_of_change=today,
                        estimated_value=Decimal(1000 + n),
                    )
                    mine.append(Deal(opportunity.number, 0, opportunity.version))
                deals[user.username] = mine
        return stages, reasons, deals

    def prepare_readers(self, count: int) -> list[str]:
        """Sales managers, who see every opportunity and the statistics."""
        group = Group.objects.get(name="Sales managers")
        names = []
        for index in range(count):
            user = get_user_model().objects.create_user(
                f"ltr{index:03d}", password=PASSWORD
            )
            user.groups.add(group)
            names.append(user.username)
        return names

    def clean_up(self):
        """Remove everything the load test makes (codes starting LT), and the
        flood's failed sign-ins, which would pause this address."""
        with transaction.atomic():
            opportunities = Opportunity.objects.filter(number__startswith="LT")
            Task.objects.filter(opportunity__in=opportunities).delete()
            OpportunityEntry.objects.filter(opportunity__in=opportunities).delete()
            opportunities.delete()
            Salesperson.objects.filter(code__startswith="LT").delete()
            get_user_model().objects.filter(username__startswith="lt").filter(
                username__regex=r"^ltr?\d{3}$"
            ).delete()
            Contact.objects.filter(number__startswith="LTC").delete()
            Stage.objects.filter(cycle__code="LTCYCLE").delete()
            SalesCycle.objects.filter(code="LTCYCLE").delete()
            CloseReason.objects.filter(code__startswith="LT").delete()
            ActivityStep.objects.filter(activity__code="LTCALL").delete()
            Activity.objects.filter(code="LTCALL").delete()
            AccessAttempt.objects.filter(username__startswith=FLOOD_PREFIX).delete()

    # -- the clients ------------------------------------------------------------

    async def drive(self, options, stages, reasons, deals, readers, tally):
        """Sign everyone in, then run writers, readers and flood until the time
        is up or a signal asks to stop."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, self.interrupt, stop, tally)
        url = options["url"]
        try:
            sessions = {
                username: session(url, options["timeout"])
                for username in [*deals, *readers]
            }
            try:
                signed_in = await asyncio.gather(
                    *[sign_in(http, name, tally) for name, http in sessions.items()]
                )
                loop.call_later(options["seconds"], stop.set)
                clients = [
                    rep(sessions[name], name, mine, stages, reasons, stop, tally)
                    for (name, mine), ok in zip(deals.items(), signed_in, strict=False)
                    if ok
                ]
                clients += [
                    reader(sessions[name], name, stop, tally)
                    for name, ok in zip(readers, signed_in[len(deals) :], strict=True)
                    if ok
                ]
                clients += [
                    flooder(url, options["timeout"], n, stop, tally)
                    for n in range(options["flood"])
                ]
                await asyncio.gather(*clients)
            finally:
                await asyncio.gather(*[http.close() for http in sessions.values()])
        finally:
            for number in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(number)

    def interrupt(self, stop: asyncio.Event, tally: Tally) -> None:
        self.stderr.write("Stopping: the requests under way finish first.")
        tally.interrupted = True
        stop.set()

    # -- afterwards ---------------------------------------------------------------

    def verify(self, deals) -> list[str]:
        """Every accepted change wrote one entry; every history is consistent."""
        problems = []
        known = {deal.number: deal for mine in deals.values() for deal in mine}
        rows = Opportunity.objects.filter(number__in=known).annotate(
            entry_count=Count("entries"),
            active_count=Count("entries", filter=Q(entries__active=True)),
        )
        actives = {
            entry.opportunity_id: entry
            for entry in OpportunityEntry.objects.filter(
                opportunity__number__in=known, active=True
            )
        }
        for opportunity in rows:
            deal = known[opportunity.number]
            # The start wrote one entry; each accepted change one more.
            if opportunity.entry_count != 1 + deal.accepted:
                problems.append(
                    f"{opportunity.number}: {opportunity.entry_count} entries for "
                    f"{deal.accepted} accepted changes"
                )
            if opportunity.active_count != 1:
                problems.append(
                    f"{opportunity.number}: {opportunity.active_count} active entries"
                )
            active = actives.get(opportunity.pk)
            if active and active.estimated_value != opportunity.estimated_value:
                problems.append(f"{opportunity.number}: figures differ from its entry")
            if opportunity.version != deal.version:
                problems.append(
                    f"{opportunity.number}: version {opportunity.version}, "
                    f"expected {deal.version}"
                )
        return problems

    def report(self, tally: Tally, elapsed: float, problems: list[str]) -> None:
        def ms(values, q):
            if not values:
                return "-"
            ordered = sorted(values)
            index = min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))
            return f"{ordered[index] * 1000:.0f} ms"

        def line(kind, values):
            mean = statistics.fmean(values) * 1000
            self.stdout.write(
                f"{kind}: {len(values)}, p50 {ms(values, 0.5)}, p99 "
                f"{ms(values, 0.99)}, mean {mean:.0f} ms, max {ms(values, 1)}"
            )

        if tally.interrupted:
            self.stdout.write(self.style.WARNING("Interrupted: a partial run."))
        updates = tally.accepted["update"]
        writes = tally.latencies["update"] + tally.latencies["close"]
        reads = [value for values in tally.reads.values() for value in values]
        statuses = dict(sorted(tally.statuses.items()))
        requests = len(writes) + len(reads)
        self.stdout.write(
            f"{requests} requests in {elapsed:.1f} s "
            f"({requests / elapsed:.0f}/s); statuses {statuses}"
        )
        self.stdout.write(
            f"accepted: {updates} stage updates ({updates / elapsed:.1f}/s), "
            f"{tally.accepted['close']} closes; refused by a form: {tally.refused}"
        )
        for kind, values in tally.latencies.items():
            if values:
                line(kind, values)
        for page, values in tally.reads.items():
            if values:
                line(f"read {page}", values)
        for kind, values, target in (
            ("writes", writes, WRITE_P99),
            ("reads", reads, READ_P99),
        ):
            if values:
                p99 = sorted(values)[min(len(values) - 1, round(0.99 * len(values)))]
                verdict = "met" if p99 <= target else "MISSED"
                self.stdout.write(
                    f"{kind} p99 {p99 * 1000:.0f} ms, target "
                    f"{target * 1000:.0f} ms: {verdict}"
                )
        if tally.flood:
            self.stdout.write(
                f"flood: {sum(tally.flood.values())} sign-in attempts, statuses "
                f"{dict(sorted(tally.flood.items()))}"
            )
        if tally.connections is not None:
            self.stdout.write(
                f"most database connections held at once: {tally.connections}"
            )
        self.stdout.write(
            f"the clients' own CPU time: {tally.client_cpu:.1f} s "
            f"({tally.client_cpu / elapsed:.0%} of one core)"
        )
        self.stdout.write(f"server errors and failed requests: {len(tally.errors)}")
        for error in tally.errors[:20]:
            self.stdout.write(f"  {error}")
        if problems:
            self.stdout.write(self.style.ERROR(f"history problems: {len(problems)}"))
            for problem in problems[:20]:
                self.stdout.write(f"  {problem}")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    "history: every accepted change is one entry, nothing lost or "
                    "duplicated; one active entry per opportunity"
                )
            )
