"""gunicorn's settings for ``make serve`` (read from the environment).

GUNICORN_BIND      address to listen on (default 127.0.0.1:8000; a proxy in
                   front terminates TLS)
GUNICORN_WORKERS   worker processes (default: 2 per CPU core, and one, lowered
                   to fit the database's connections)
GUNICORN_THREADS   threads per worker (default 4): requests wait on PostgreSQL
                   more than they compute, and a kept-alive connection stays
                   with its worker, so each worker needs room for several
GUNICORN_SERVERS   application servers sharing the database (default 1)
GUNICORN_DB_CONNECTIONS  this server's share of the database's connections
                   (default: read from PostgreSQL; see crm/connections.py)
"""

import multiprocessing
import os
import sys

# The app logs to standard output too (crm/settings.py), beside the access log.
os.environ.setdefault("DJANGO_LOG_STREAM", "stdout")

wsgi_app = "crm.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))


def _connections_allowed() -> int | None:
    """This server's share of the database's connections (None: no limit)."""
    if "GUNICORN_DB_CONNECTIONS" in os.environ:
        return int(os.environ["GUNICORN_DB_CONNECTIONS"])
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    django.setup()
    from django.db import DatabaseError, connection

    from crm import connections

    try:
        limits = connections.read_limits(connection)
    except DatabaseError as error:
        sys.exit(
            f"Cannot read the database's connection limit ({error}). Set "
            "GUNICORN_DB_CONNECTIONS to this server's share to start without it."
        )
    finally:
        connection.close()  # not to be shared with the forked workers
    if limits is None:
        return None
    return connections.budget(limits, int(os.environ.get("GUNICORN_SERVERS", 1)))


def _fit_workers() -> int:
    from crm.connections import PoolTooLarge, fit

    allowed = _connections_allowed()
    if allowed is None:
        return workers
    try:
        fitted = fit(
            workers,
            threads,
            allowed=allowed,
            workers_set="GUNICORN_WORKERS" in os.environ,
        )
    except PoolTooLarge as error:
        sys.exit(f"Refusing to start: {error}")
    if fitted != workers:
        print(
            f"{fitted} workers (not {workers}): {fitted} × {threads} threads fit "
            f"this server's {allowed} database connections.",
            file=sys.stderr,
        )
    return fitted


workers = _fit_workers()
worker_class = "gthread"
# Load the app before forking: workers share its memory and start at once.
preload_app = True
# Restart a worker now and then, so no slow leak can grow for ever.
max_requests = 10_000
max_requests_jitter = 1_000
timeout = 30
# Keep-alive, as gunicorn's default: a client (or a proxy that keeps its
# upstream connections) saves a connection per request. Behind a proxy that
# opens one per request, such as nginx without ``keepalive``, it is unused.
keepalive = 2
graceful_timeout = 30
# Logs go to standard output, for the service manager to keep.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
