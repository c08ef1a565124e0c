"""How many database connections one application server may hold.

Every gunicorn thread keeps its own connection open between requests
(``CONN_MAX_AGE``), so a server holds up to workers × threads connections.
PostgreSQL refuses connections beyond ``max_connections`` (less the few it
keeps for superusers), and then refuses every other client of the database
too. So before it starts, the server reads the database's limit and takes at
most its share of it:

    budget = (max_connections - superuser_reserved_connections - HEADROOM)
             // GUNICORN_SERVERS

``GUNICORN_SERVERS`` says how many application servers share the database
(default 1); ``HEADROOM`` is left for migrations, management commands, the
reminder job, backups and a person at ``psql``. ``GUNICORN_DB_CONNECTIONS``
sets the budget directly instead, as it must behind PgBouncer (whose limit the
server cannot read). When the worker count is the default, it is lowered to
fit the budget; when it was set and does not fit, the server refuses to start
and says why. SQLite has no such limit.
"""

from dataclasses import dataclass

HEADROOM = 10


class PoolTooLarge(Exception):
    """The configured workers × threads exceed the connection budget."""


@dataclass(frozen=True)
class Limits:
    max_connections: int
    reserved: int


def budget(limits: Limits, servers: int = 1, headroom: int = HEADROOM) -> int:
    """The connections one of ``servers`` application servers may hold."""
    if servers < 1:
        raise ValueError("GUNICORN_SERVERS must be 1 or more")
    return max(0, (limits.max_connections - limits.reserved - headroom) // servers)


def read_limits(connection) -> Limits | None:
    """The database's connection limit, or None where it has none (SQLite)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int, "
            "current_setting('superuser_reserved_connections')::int"
        )
        max_connections, reserved = cursor.fetchone()
    return Limits(max_connections, reserved)


def fit(workers: int, threads: int, *, allowed: int, workers_set: bool) -> int:
    """The number of workers to start so that workers × threads ≤ allowed.

    A default worker count is lowered to fit (at least one worker); one the
    operator set is kept, or refused with the figures when it does not fit.
    """
    if workers * threads <= allowed:
        return workers
    if not workers_set and threads <= allowed:
        return allowed // threads
    raise PoolTooLarge(
        f"{workers} workers × {threads} threads would hold up to "
        f"{workers * threads} database connections, but this server's share "
        f"of the database's connections is {allowed}. Lower GUNICORN_WORKERS "
        "or GUNICORN_THREADS, or raise the share (GUNICORN_SERVERS, "
        "GUNICORN_DB_CONNECTIONS, or PostgreSQL's max_connections); see the "
        "README, 'Several servers, one database'."
    )
