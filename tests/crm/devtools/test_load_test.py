"""The shipped load test, run briefly against a live server.

It must sign its reps and managers in, get its posts accepted (302, not a
refused form), and find the history accounting for every accepted change.
The runs against a server need PostgreSQL: the server's threads and the
clients write at once, which SQLite serialises into "database is locked".
"""

import io
import os
import re
import signal
import socket
import threading
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from opportunities.models import Opportunity

postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent writers"
)
# Restores the database as the browser tests after it expect: a flush that
# re-creates the content types would clash with their snapshot.
live = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run(url, **options) -> str:
    out = io.StringIO()
    options = {"seconds": 2, "deals": 5} | options
    call_command("load_test", url=url, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def assert_clean(report: str) -> None:
    assert "refused by a form: 0" in report
    assert "server errors and failed requests: 0" in report
    assert "nothing lost or duplicated" in report
    assert not Opportunity.objects.filter(number__startswith="LT").exists()
    assert not get_user_model().objects.filter(username__regex=r"^ltr?\d{3}$").exists()


@postgres
@live
def test_a_short_load_test_passes_and_cleans_up(live_server):
    report = run(live_server.url, writers=2)

    accepted = int(re.search(r"accepted: (\d+) stage updates", report).group(1))
    assert accepted > 0, report
    assert "writes p99" in report
    assert re.search(r"most database connections held at once: [1-9]", report)
    assert_clean(report)


@postgres
@live
def test_the_mixed_run_reads_every_page_while_a_flood_is_paused(live_server, settings):
    settings.SIGNIN_FAILURES_PER_ADDRESS = 5
    report = run(live_server.url, writers=2, readers=2, flood=1)

    for page in ("list", "board", "statistics", "forecast"):
        assert re.search(rf"read {page}: [1-9]", report), report
    assert "reads p99" in report
    flood = re.search(r"flood: \d+ sign-in attempts, statuses (\{.*\})", report)
    assert "429" in flood.group(1), report  # the address was paused
    assert_clean(report)
    # The flood's failures are gone, so the next run can sign in again.
    assert not AccessAttempt.objects.exists()


@pytest.fixture
def silent_server():
    """A server that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def accept():
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()
    for peer in accepted:
        peer.close()


@pytest.mark.django_db
def test_a_sign_in_that_times_out_is_reported_not_raised(silent_server):
    out = io.StringIO()
    with pytest.raises(CommandError, match="found errors"):
        call_command(
            "load_test",
            url=silent_server,
            writers=1,
            readers=1,
            seconds=1,
            deals=2,
            timeout=0.5,
            stdout=out,
        )

    report = out.getvalue()
    assert "server errors and failed requests: 2" in report
    assert "lt000: sign-in failed: TimeoutError" in report
    assert "ltr000: sign-in failed: TimeoutError" in report
    assert not Opportunity.objects.filter(number__startswith="LT").exists()


@postgres
@live
def test_an_interrupted_run_stops_cleanly_with_its_report(live_server):
    def interrupt_once_listening():
        # Wait for the clients' handler to replace Python's own, then signal.
        while signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            time.sleep(0.05)
        time.sleep(1)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_once_listening, daemon=True).start()
    started = time.monotonic()
    report = run(live_server.url, writers=2, readers=1, seconds=60)

    assert time.monotonic() - started < 30
    assert "Interrupted: a partial run." in report
    assert_clean(report)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
