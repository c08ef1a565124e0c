"""What the delete confirmation says leaves the statistics."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opportunities import deleting, services
from tests.factories import (
    CloseReasonFactory,
    InteractionFactory,
    OpportunityFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def won_on(day, value="12000"):
    opportunity = OpportunityFactory(in_progress=True, creation_date=D(2026, 1, 2))
    return services.opportunity_close(
        user=None,
        opportunity=opportunity,
        outcome="won",
        close_reason=CloseReasonFactory(won=True, code="FIT"),
        date_closed=day,
        sale_value=Decimal(value),
    )


def test_a_won_one_closed_this_quarter_leaves_won_this_quarter():
    won = won_on(D(2026, 3, 1))

    said = deleting.statistics_left(won, today=D(2026, 3, 20))

    assert said[0].startswith(
        "Won, €12,000.00 sale value, closed 1 Mar 2026: it leaves the won value, "
        "the win rate and the days to close of salesperson "
    )
    assert "close reason FIT" in said[0]
    assert said[1] == (
        "It closed this quarter: “Won this quarter” falls by €12,000.00 and the "
        "win rate this quarter changes."
    )


def test_one_closed_in_an_earlier_quarter_names_no_quarter():
    won = won_on(D(2026, 3, 1))

    assert len(deleting.statistics_left(won, today=D(2026, 4, 1))) == 1


def test_a_lost_one_closed_this_quarter():
    lost = OpportunityFactory(lost=True)

    said = deleting.statistics_left(lost, today=lost.date_closed)

    assert said[0].startswith("Lost, ")
    assert said[1].startswith("It closed this quarter: the win rate this quarter")


def test_the_records_that_go_with_it_are_counted_in_one_query():
    lost = OpportunityFactory(lost=True)
    TaskFactory(opportunity=lost)
    InteractionFactory(opportunity=lost)
    InteractionFactory(opportunity=lost)

    with CaptureQueriesContext(connection) as queries:
        records = deleting.records_of(lost)

    assert len(queries) == 1
    assert records == {"entries_count": 2, "tasks_count": 1, "interactions_count": 2}
