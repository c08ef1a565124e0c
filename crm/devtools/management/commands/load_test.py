"""Load test: reps move and close their opportunities concurrently, over HTTP.

``make load-test`` starts the production server (gunicorn) on 127.0.0.1 and
runs this against it. Each client signs in as its own rep and, until the time
is up, posts the update form (next, previous or update estimates) or the close
form for one of its opportunities, as the pages do. Afterwards the history is
checked against what the server accepted: every accepted request wrote exactly
one entry, nothing else did, and every opportunity still has one active entry
whose figures it carries. Prints throughput and latency; exits 1 on any 5xx or
any change lost or duplicated.

The clients make their own data (codes starting LT) through the services and
remove it afterwards.
"""

import asyncio
import datetime
import random
import re
import statistics
import time
from dataclasses import dataclass, field
from decimal import Decimal

import aiohttp
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from contacts.models import Contact, Salesperson
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

PASSWORD = "load-test-password-7391"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Deal:
    """What a client knows of one of its opportunities."""

    number: str
    stage: int  # index into the cycle's stages
    version: int
    accepted: int = 0
    closed: bool = False


@dataclass
class Tally:
    latencies: dict = field(default_factory=lambda: {"update": [], "close": []})
    accepted: dict = field(default_factory=lambda: {"update": 0, "close": 0})
    refused: int = 0
    client_cpu: float = 0.0
    statuses: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)


class Command(BaseCommand):
    help = (
        "Drive the server at --url with concurrent reps updating and closing "
        "opportunities; check that the history accounts for every accepted "
        "change and print throughput and latency."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", required=True, help="The server, e.g. http://127.0.0.1:8001"
        )
        parser.add_argument(
            "--clients", type=int, default=8, help="Concurrent reps (8)."
        )
        parser.add_argument("--seconds", type=float, default=60, help="How long (60).")
        parser.add_argument(
            "--deals",
            type=int,
            default=200,
            help="Opportunities per rep (200; one request in 20 closes one).",
        )
        parser.add_argument(
            "--keep", action="store_true", help="Keep the test's data afterwards."
        )

    def handle(self, *args, **options):
        self.clean_up()
        try:
            stages, reasons, deals = self.prepare(options["clients"], options["deals"])
            tally = Tally()
            started, cpu = time.monotonic(), time.process_time()
            asyncio.run(self.drive(options, stages, reasons, deals, tally))
            elapsed = time.monotonic() - started
            tally.client_cpu = time.process_time() - cpu
            problems = self.verify(deals)
            self.report(tally, elapsed, problems)
            if elapsed < options["seconds"] - 1:
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

    def clean_up(self):
        """Remove everything the load test makes (codes starting LT)."""
        with transaction.atomic():
            opportunities = Opportunity.objects.filter(number__startswith="LT")
            Task.objects.filter(opportunity__in=opportunities).delete()
            OpportunityEntry.objects.filter(opportunity__in=opportunities).delete()
            opportunities.delete()
            Salesperson.objects.filter(code__startswith="LT").delete()
            get_user_model().objects.filter(username__startswith="lt").filter(
                username__regex=r"^lt\d{3}$"
            ).delete()
            Contact.objects.filter(number__startswith="LTC").delete()
            Stage.objects.filter(cycle__code="LTCYCLE").delete()
            SalesCycle.objects.filter(code="LTCYCLE").delete()
            CloseReason.objects.filter(code__startswith="LT").delete()
            ActivityStep.objects.filter(activity__code="LTCALL").delete()
            Activity.objects.filter(code="LTCALL").delete()

    # -- the clients ------------------------------------------------------------

    async def drive(self, options, stages, reasons, deals, tally):
        deadline = time.monotonic() + options["seconds"]
        await asyncio.gather(
            *[
                self.rep(
                    options["url"], username, mine, stages, reasons, deadline, tally
                )
                for username, mine in deals.items()
            ]
        )

    async def rep(self, url, username, deals, stages, reasons, deadline, tally):
        """One rep: sign in, then update or close opportunities until the end."""
        rng = random.Random(username)
        # An address as host: cookies must still be kept (unsafe=True).
        async with aiohttp.ClientSession(
            base_url=url,
            timeout=aiohttp.ClientTimeout(total=30),
            headers={"Accept-Language": "en"},
            cookie_jar=aiohttp.CookieJar(unsafe=True),
        ) as http:
            async with http.get("/accounts/login/") as page:
                token = CSRF.search(await page.text()).group(1)
            async with http.post(
                "/accounts/login/",
                data={
                    "username": username,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": token,
                },
                allow_redirects=False,
            ) as signed_in:
                if signed_in.status != 302:
                    tally.errors.append(f"{username}: sign-in gave {signed_in.status}")
                    return
            today = timezone.localdate().isoformat()
            later = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
            while time.monotonic() < deadline:
                open_deals = [deal for deal in deals if not deal.closed]
                if not open_deals:
                    return
                deal = rng.choice(open_deals)
                token = next(c.value for c in http.cookie_jar if c.key == "csrftoken")
                if rng.random() < 0.05:
                    kind, outcome = "close", rng.choice(CloseReasonType.values)
                    path = f"/opportunities/{deal.number}/close/"
                    data = {
                        "outcome": outcome,
                        "close_reason": reasons[outcome].pk,
                        "date_closed": today,
                        "sale_value": "1500.00",
                        "cancel_open_tasks": "on",
                    }
                else:
                    kind = "update"
                    move, target = self.next_move(rng, deal, len(stages))
                    path = f"/opportunities/{deal.number}/update/"
                    data = {
                        "move": move,
                        "target_stage": stages[target].pk,
                        "date_of_change": today,
                        "estimated_value": str(1000 + rng.randrange(5000)),
                        "chances_pct": str(rng.randrange(10, 90)),
                        "estimated_close_date": later,
                    }
                data |= {"version": deal.version, "csrfmiddlewaretoken": token}
                started = time.monotonic()
                try:
                    async with http.post(path, data=data, allow_redirects=False) as r:
                        await r.read()
                        status = r.status
                except (aiohttp.ClientError, TimeoutError) as error:
                    tally.errors.append(f"{username} {path}: {error!r}")
                    continue
                tally.latencies[kind].append(time.monotonic() - started)
                # The page it redirects to would show the confirmation and
                # drop it; this test does not fetch that page, so it drops it.
                http.cookie_jar.clear(lambda cookie: cookie.key == "messages")
                tally.statuses[status] = tally.statuses.get(status, 0) + 1
                if status >= 500:
                    tally.errors.append(f"{username} {path}: {status}")
                elif status == 302:
                    tally.accepted[kind] += 1
                    deal.accepted += 1
                    deal.version += 1
                    if kind == "close":
                        deal.closed = True
                    else:
                        deal.stage = target
                else:
                    tally.refused += 1

    @staticmethod
    def next_move(rng, deal: Deal, count: int) -> tuple[str, int]:
        """Mostly forward, sometimes back, sometimes new estimates."""
        roll = rng.random()
        if roll < 0.5 and deal.stage < count - 1:
            return Move.NEXT, deal.stage + 1
        if roll < 0.7 and deal.stage > 0:
            return Move.PREVIOUS, deal.stage - 1
        return Move.UPDATE, deal.stage

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

        updates = tally.accepted["update"]
        everything = tally.latencies["update"] + tally.latencies["close"]
        statuses = dict(sorted(tally.statuses.items()))
        self.stdout.write(
            f"{len(everything)} requests in {elapsed:.1f} s "
            f"({len(everything) / elapsed:.0f}/s); statuses {statuses}"
        )
        self.stdout.write(
            f"accepted: {updates} stage updates ({updates / elapsed:.1f}/s), "
            f"{tally.accepted['close']} closes; refused by a form: {tally.refused}"
        )
        for kind, values in tally.latencies.items():
            if values:
                mean = statistics.fmean(values) * 1000
                self.stdout.write(
                    f"{kind}: p50 {ms(values, 0.5)}, p99 {ms(values, 0.99)}, "
                    f"mean {mean:.0f} ms, max {ms(values, 1)}"
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
