"""The invariants every opportunity's history keeps, however it was made."""

from django.utils import timezone

from opportunities.models import Opportunity, Status

FIGURES = [
    "stage_id",
    "estimated_value",
    "chances_pct",
    "completed_pct",
    "probability_pct",
    "current_value",
    "estimated_close_date",
]


def assert_consistent_history(opportunity: Opportunity) -> None:
    """One active entry, the latest; a chain of stages; dates that never go
    back nor pass today; days open that add up; the opportunity's figures its
    active entry's."""
    entries = list(opportunity.entries.select_related("stage").order_by("id"))
    opportunity.refresh_from_db(fields=["furthest_stage"])
    if not entries:
        # Never started (one closed before it started and reopened has two).
        assert opportunity.status == Status.NOT_STARTED
        assert opportunity.furthest_stage_id is None
        return
    assert [e.active for e in entries] == [False] * (len(entries) - 1) + [True]
    assert entries[0].previous_stage_id is None
    assert entries[0].date_of_change >= opportunity.creation_date
    # Issue 16: no date of change after today (company time zone).
    assert entries[-1].date_of_change <= timezone.localdate()
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.previous_stage_id == before.stage_id
        assert after.date_of_change >= before.date_of_change
        assert before.days_open == (after.date_of_change - before.date_of_change).days
    active = entries[-1]
    assert active.days_open == 0
    for name in FIGURES[1:]:
        assert getattr(opportunity, name) == getattr(active, name), name
    if opportunity.is_closed:
        assert active.action_taken == opportunity.status
        assert active.stage_id is None
        assert opportunity.stage_id == active.previous_stage_id
        assert opportunity.date_closed == active.date_of_change
        assert opportunity.close_reason_id == active.close_reason_id
    else:
        assert active.stage_id == opportunity.stage_id
        assert opportunity.date_closed is None
    assert opportunity.version >= 1
    stages = [entry.stage for entry in entries if entry.stage_id is not None]
    highest = max(stages, key=lambda stage: stage.number, default=None)
    assert opportunity.furthest_stage_id == (highest.pk if highest else None)
    for entry in entries:
        for name in ("chances_pct", "completed_pct", "probability_pct"):
            assert 0 <= getattr(entry, name) <= 100, name
        assert entry.estimated_value >= 0 and entry.current_value >= 0
