"""The shipped load test, run briefly against a live server.

It must sign its reps in, get its posts accepted (302, not a refused form),
and find the history accounting for every accepted change. PostgreSQL only:
the server's threads and the clients write at once, which SQLite serialises
into "database is locked".
"""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection

from opportunities.models import Opportunity

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: concurrent writers",
    ),
    # Restores the database as the browser tests after it expect: a flush
    # that re-creates the content types would clash with their snapshot.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_short_load_test_passes_and_cleans_up(live_server):
    out = io.StringIO()
    call_command(
        "load_test",
        url=live_server.url,
        clients=2,
        seconds=2,
        deals=5,
        stdout=out,
    )
    report = out.getvalue()
    accepted = int(re.search(r"accepted: (\d+) stage updates", report).group(1))
    assert accepted > 0, report
    assert "refused by a form: 0" in report
    assert "server errors and failed requests: 0" in report
    assert "nothing lost or duplicated" in report
    assert not Opportunity.objects.filter(number__startswith="LT").exists()
