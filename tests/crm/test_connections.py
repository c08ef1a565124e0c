"""The application server holds no more database connections than its share."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from crm.connections import HEADROOM, Limits, PoolTooLarge, budget, fit, read_limits

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def test_the_budget_is_the_database_limit_less_reserved_and_headroom_shared():
    limits = Limits(max_connections=100, reserved=3)
    assert budget(limits) == 100 - 3 - HEADROOM
    assert budget(limits, servers=2) == (100 - 3 - HEADROOM) // 2
    assert budget(Limits(5, 3)) == 0
    with pytest.raises(ValueError):
        budget(limits, servers=0)


def test_two_sixteen_core_servers_fit_a_database_of_100_connections():
    # gunicorn's default on 16 cores, 33 workers × 4 threads = 132 each, took
    # two servers past PostgreSQL's 100: the default is now lowered to fit.
    share = budget(Limits(100, 3), servers=2)
    workers = fit(33, 4, allowed=share, workers_set=False)
    assert workers == share // 4
    assert 2 * workers * 4 <= 100 - 3


def test_a_worker_count_that_was_set_is_kept_or_refused():
    assert fit(5, 4, allowed=20, workers_set=True) == 5
    with pytest.raises(PoolTooLarge, match="33 workers × 4 threads .* 132 .* is 43"):
        fit(33, 4, allowed=43, workers_set=True)
    # Too few connections for even one worker's threads: refused either way.
    with pytest.raises(PoolTooLarge):
        fit(5, 4, allowed=3, workers_set=False)


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no connection limit"
)


@postgres_only
def test_the_limit_is_read_from_the_database(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        expected = int(cursor.fetchone()[0])
    assert read_limits(connection).max_connections == expected


def check_config(**env) -> subprocess.CompletedProcess:
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}"
        f"/{settings['NAME']}"
    )
    environment = (
        {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("GUNICORN_")
        }
        | {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "crm.settings"}
        | env
    )
    return subprocess.run(
        [GUNICORN, "--check-config", "--config", "crm/gunicorn.conf.py"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@postgres_only
def test_the_server_refuses_to_start_with_more_threads_than_connections(db):
    limit = read_limits(connection).max_connections
    refused = check_config(GUNICORN_WORKERS=str(limit), GUNICORN_THREADS="4")
    assert refused.returncode != 0
    assert "Refusing to start" in refused.stderr
    assert f"would hold up to {limit * 4} database connections" in refused.stderr


@postgres_only
def test_the_default_worker_count_is_lowered_to_the_share(db):
    lowered = check_config(GUNICORN_SERVERS="8")
    assert lowered.returncode == 0, lowered.stderr
    share = budget(read_limits(connection), servers=8)
    workers = share // 4
    assert f"{workers} workers (not " in lowered.stderr


@postgres_only
def test_a_share_set_by_hand_is_used_without_asking_the_database(db):
    started = check_config(
        GUNICORN_DB_CONNECTIONS="8",
        GUNICORN_WORKERS="2",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
    )
    assert started.returncode == 0, started.stderr
