"""The load test's clients (``manage.py load_test``): reps who post the
update and close forms, managers who read the list, board and statistics,
password sprayers, and a sampler of the database connections held."""

import datetime
import random
import re
import threading
import time
from dataclasses import dataclass, field

import aiohttp
from django.db import connection
from django.utils import timezone

from opportunities.models import CloseReasonType
from opportunities.moves import Move

PASSWORD = "load-test-password-7391"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# What a manager opens on a Monday, in turn.
READ_PAGES = {
    "list": "/opportunities/",
    "board": "/opportunities/board/",
    "statistics": "/statistics/",
    "forecast": "/statistics/forecast/",
}
WRITE_P99, READ_P99 = 0.5, 1.0  # seconds: the targets (issue 17)
FLOOD_PREFIX = "flood-"


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
    reads: dict = field(default_factory=lambda: {page: [] for page in READ_PAGES})
    accepted: dict = field(default_factory=lambda: {"update": 0, "close": 0})
    refused: int = 0
    client_cpu: float = 0.0
    statuses: dict = field(default_factory=dict)
    flood: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    connections: int | None = None
    interrupted: bool = False


class ConnectionSampler:
    """The most client connections to this database at once while the test
    runs, this process's own and autovacuum's left out (PostgreSQL; None on
    SQLite)."""

    def __init__(self, every: float = 0.2):
        self.every, self.peak = every, None
        self.done = threading.Event()

    def __enter__(self):
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            self.own = connection.connection.info.backend_pid
            self.thread = threading.Thread(target=self.sample, daemon=True)
            self.thread.start()
        return self

    def sample(self):
        from django.db import connection as mine  # this thread's own

        try:
            with mine.cursor() as cursor:
                while not self.done.wait(self.every):
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                        "current_database() AND backend_type = 'client backend' "
                        "AND pid NOT IN (pg_backend_pid(), %s)",
                        [self.own],
                    )
                    self.peak = max(self.peak or 0, cursor.fetchone()[0])
        finally:
            mine.close()

    def __exit__(self, *exc):
        self.done.set()
        if connection.vendor == "postgresql":
            self.thread.join()


def session(url: str, timeout: float = 30) -> aiohttp.ClientSession:
    # An address as host: cookies must still be kept (unsafe=True).
    return aiohttp.ClientSession(
        base_url=url,
        timeout=aiohttp.ClientTimeout(total=timeout),
        headers={"Accept-Language": "en"},
        cookie_jar=aiohttp.CookieJar(unsafe=True),
    )


async def sign_in(http, username: str, tally: Tally) -> bool:
    """Sign in as the pages do; a failure is reported, not raised."""
    try:
        async with http.get("/accounts/login/") as page:
            found = CSRF.search(await page.text())
        if not found:
            tally.errors.append(f"{username}: no sign-in form ({page.status})")
            return False
        async with http.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": found.group(1),
            },
            allow_redirects=False,
        ) as signed_in:
            if signed_in.status != 302:
                tally.errors.append(f"{username}: sign-in gave {signed_in.status}")
                return False
    except (aiohttp.ClientError, TimeoutError) as error:
        tally.errors.append(f"{username}: sign-in failed: {error!r}")
        return False
    return True


async def rep(http, username, deals, stages, reasons, stop, tally):
    """One rep: update or close opportunities until the end."""
    rng = random.Random(username)
    today = timezone.localdate().isoformat()
    later = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    while not stop.is_set():
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
            move, target = next_move(rng, deal, len(stages))
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


async def reader(http, username, stop, tally):
    """One manager: the list, the board and the statistics in turn."""
    pages = list(READ_PAGES.items())
    turn = int(username[-3:])  # the readers start on different pages
    while not stop.is_set():
        name, path = pages[turn % len(pages)]
        turn += 1
        started = time.monotonic()
        try:
            async with http.get(path, allow_redirects=False) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            tally.errors.append(f"{username} {path}: {error!r}")
            continue
        tally.reads[name].append(time.monotonic() - started)
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
        if status != 200:
            tally.errors.append(f"{username} {path}: {status}")


async def flooder(url, timeout, number, stop, tally):
    """A password sprayer: a new username at every attempt, never waiting."""
    rng = random.Random(number)
    async with session(url, timeout) as http:
        try:
            async with http.get("/accounts/login/") as page:
                token = CSRF.search(await page.text()).group(1)
        except (aiohttp.ClientError, TimeoutError, AttributeError) as error:
            tally.errors.append(f"flood {number}: no sign-in form: {error!r}")
            return
        while not stop.is_set():
            guess = f"{FLOOD_PREFIX}{rng.randrange(10**9)}"
            try:
                async with http.post(
                    "/accounts/login/",
                    data={
                        "username": guess,
                        "password": "Winter2026!",
                        "csrfmiddlewaretoken": token,
                    },
                    allow_redirects=False,
                ) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as error:
                tally.errors.append(f"flood {number}: {error!r}")
                continue
            tally.flood[status] = tally.flood.get(status, 0) + 1
            if status >= 500:
                tally.errors.append(f"flood {number}: {status}")


def next_move(rng, deal: Deal, count: int) -> tuple[str, int]:
    """Mostly forward, sometimes back, sometimes new estimates."""
    roll = rng.random()
    if roll < 0.5 and deal.stage < count - 1:
        return Move.NEXT, deal.stage + 1
    if roll < 0.7 and deal.stage > 0:
        return Move.PREVIOUS, deal.stage - 1
    return Move.UPDATE, deal.stage
