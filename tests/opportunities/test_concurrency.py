"""Threads racing on one opportunity: the row lock keeps its history consistent.

Each thread has its own database connection and transaction, as concurrent
requests would. Only PostgreSQL is tested: SQLite has no row locks (it locks the
whole database), so a race there proves nothing about ``select_for_update``.
"""

import datetime
import itertools
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from opportunities import services
from opportunities.models import (
    Action,
    CloseReasonType,
    Opportunity,
    SalesQuote,
    Status,
    Task,
)
from opportunities.moves import Move
from tests.conftest import error_codes
from tests.factories import (
    START_DATE,
    ActivityFactory,
    ActivityStepFactory,
    CloseReasonFactory,
    OpportunityFactory,
    cycle_with_stages,
)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite has no row locks, so nothing races",
    ),
    pytest.mark.django_db(transaction=True),
]

THREADS = 14
CALLS_PER_THREAD = 4
TIMEOUT = 30  # seconds; a thread still running after this is a deadlock

# The refusals a racing call may meet: another thread closed the opportunity,
# moved it to the first or last stage, or wrote an entry with a later date.
CLEAN_REFUSALS = {"closed", "move_unavailable", "date_before_last_entry"}


def race(calls_per_thread):
    """Run each thread's calls, all threads released at once.

    Returns one outcome per call: the returned opportunity or the exception.
    """
    barrier = threading.Barrier(len(calls_per_thread))
    outcomes = []

    def run(calls):
        try:
            barrier.wait(timeout=TIMEOUT)
            for call in calls:
                try:
                    outcomes.append(call())
                except Exception as error:  # kept: the test checks every one
                    outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls_per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert len(outcomes) == sum(len(calls) for calls in calls_per_thread)
    return outcomes


def codes(error: ValidationError) -> set[str]:
    found = error_codes(error)
    if isinstance(found, dict):
        return set(itertools.chain.from_iterable(found.values()))
    return set(found)


def split(outcomes):
    successes = [o for o in outcomes if isinstance(o, Opportunity)]
    errors = [o for o in outcomes if isinstance(o, Exception)]
    return successes, errors


@pytest.fixture
def running():
    """An opportunity in progress on stage 10 of a five-stage cycle.

    Stage 20 has an activity, so entering it creates tasks, drawing task
    numbers from the series under a second lock.
    """
    activity = ActivityFactory()
    ActivityStepFactory(activity=activity, date_formula="1W")
    ActivityStepFactory(activity=activity)
    cycle = cycle_with_stages(
        (10, 10, 20, {}),
        (20, 25, 40, {"activity": activity}),
        (30, 50, 60, {"date_formula": "2W"}),
        (40, 80, 80, {}),
        (50, 90, 90, {}),
    )
    return OpportunityFactory(in_progress=True, sales_cycle=cycle)


@pytest.mark.parametrize(
    "closers", [(), (4, 9)], ids=["moves only", "two threads close"]
)
def test_racing_moves_keep_one_consistent_history(running, closers):
    reason = CloseReasonFactory()
    before = Opportunity.objects.get(pk=running.pk)
    entries_before = running.entries.count()
    last_day = START_DATE + datetime.timedelta(days=CALLS_PER_THREAD + 2)

    def thread_calls(n):
        # Each thread acts on its own copy, loaded before the race, like a form.
        opportunity = Opportunity.objects.get(pk=running.pk)
        calls = []
        for step in range(CALLS_PER_THREAD):
            if n in closers and step == CALLS_PER_THREAD - 1:
                # The latest date: only the other closer can refuse it.
                calls.append(
                    lambda: services.opportunity_close(
                        user=None,
                        opportunity=opportunity,
                        outcome=CloseReasonType.LOST,
                        close_reason=reason,
                        date_closed=last_day,
                    )
                )
                continue
            # Dates never go backwards within a thread; across threads they may.
            date = START_DATE + datetime.timedelta(days=step + n % 2)
            move = (Move.NEXT, Move.PREVIOUS, Move.UPDATE)[(n + step) % 3]
            calls.append(
                lambda move=move, date=date, value=1000 + 10 * n + step: (
                    services.opportunity_advance(
                        user=None,
                        opportunity=opportunity,
                        move=move,
                        date_of_change=date,
                        estimated_value=Decimal(value),
                    )
                )
            )
        return calls

    outcomes = race([thread_calls(n) for n in range(THREADS)])

    successes, errors = split(outcomes)
    unexpected = [
        e
        for e in errors
        if not isinstance(e, ValidationError) or not codes(e) <= CLEAN_REFUSALS
    ]
    assert not unexpected, unexpected
    assert len(successes) > 1, errors

    opportunity = Opportunity.objects.get(pk=running.pk)
    entries = list(opportunity.entries.order_by("id"))
    assert len(entries) - entries_before == len(successes)
    assert opportunity.version - before.version == len(successes)
    assert [e.active for e in entries] == [False] * (len(entries) - 1) + [True]
    for earlier, later in itertools.pairwise(entries):
        assert later.previous_stage_id == earlier.stage_id
        assert later.date_of_change >= earlier.date_of_change
        assert earlier.days_open == (later.date_of_change - earlier.date_of_change).days

    active = entries[-1]
    if closers:
        assert [e.action_taken for e in entries].count(Action.LOST) == 1
        assert active.action_taken == Action.LOST
        assert (opportunity.status, opportunity.date_closed) == (Status.LOST, last_day)
        assert opportunity.close_reason == reason
        assert opportunity.stage_id == active.previous_stage_id  # last stage reached
    else:
        assert opportunity.status == Status.IN_PROGRESS
        assert opportunity.stage_id == active.stage_id
    figures = (
        "estimated_value",
        "chances_pct",
        "completed_pct",
        "probability_pct",
        "current_value",
        "estimated_close_date",
    )
    assert {f: getattr(opportunity, f) for f in figures} == {
        f: getattr(active, f) for f in figures
    }

    # Entering stage 20 (its activity has two steps) made two tasks, numbered
    # from the series under its own lock; closing cancelled them.
    for entry in entries:
        entering = entry.stage_id is not None and entry.stage.number == 20
        entering &= entry.action_taken != Action.UPDATED
        assert entry.tasks.count() == (2 if entering else 0)
    tasks = Task.objects.filter(opportunity=opportunity)
    assert tasks.values("number").distinct().count() == tasks.count()
    if closers:
        assert not tasks.filter(closed=False).exists()


def test_only_one_of_racing_closes_wins(running):
    lost = CloseReasonFactory()
    won = CloseReasonFactory(won=True)
    date = START_DATE + datetime.timedelta(days=3)

    def close(n):
        opportunity = Opportunity.objects.get(pk=running.pk)
        outcome = CloseReasonType.WON if n % 2 else CloseReasonType.LOST
        return [
            lambda: services.opportunity_close(
                user=None,
                opportunity=opportunity,
                outcome=outcome,
                close_reason=won if outcome == CloseReasonType.WON else lost,
                date_closed=date,
            )
        ]

    outcomes = race([close(n) for n in range(THREADS)])

    successes, errors = split(outcomes)
    assert len(successes) == 1
    assert len(errors) == THREADS - 1
    assert all(isinstance(e, ValidationError) for e in errors), errors
    assert [codes(e) for e in errors] == [{"closed"}] * (THREADS - 1)
    (winner,) = successes
    opportunity = Opportunity.objects.get(pk=running.pk)
    assert opportunity.status == winner.status
    assert opportunity.status in (Status.WON, Status.LOST)
    closing = opportunity.entries.get(active=True)
    assert closing.action_taken == opportunity.status  # won/lost name both
    assert opportunity.entries.filter(date_closed__isnull=False).count() == 1


def test_of_racing_quotes_with_one_typed_number_one_wins_the_rest_are_refused():
    cycle = cycle_with_stages()
    opportunities = [
        OpportunityFactory(in_progress=True, sales_cycle=cycle) for _ in range(THREADS)
    ]

    def quote(opportunity):
        return [
            lambda: services.sales_quote_create(
                user=None, opportunity=opportunity, amount=Decimal(100), number="Q-1"
            )
        ]

    outcomes = race([quote(opportunity) for opportunity in opportunities])

    quotes = [o for o in outcomes if isinstance(o, SalesQuote)]
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(quotes) == 1
    assert all(isinstance(e, ValidationError) for e in errors), errors
    assert [error_codes(e) for e in errors] == [{"number": ["number_taken"]}] * (
        THREADS - 1
    )
    assert SalesQuote.objects.get().opportunity == quotes[0].opportunity
