"""The generated data set: consistent histories, reproducible, removable."""

import pytest
from django.db.models import Count

from crm.devtools import generate
from opportunities.models import Opportunity, OpportunityEntry, Status, Task
from tests.invariants import assert_consistent_history

pytestmark = pytest.mark.django_db


def fingerprint() -> list[tuple]:
    return list(
        Opportunity.objects.order_by("number").values_list(
            "number", "status", "stage__number", "estimated_value", "current_value"
        )
    )


def test_every_generated_history_is_consistent_with_2_to_8_entries():
    counts = generate.generate(opportunities=400, contacts=200, salespeople=5, seed=3)

    assert counts.opportunities == Opportunity.objects.count() == 400
    for opportunity in Opportunity.objects.all():
        assert_consistent_history(opportunity)
    sizes = (
        Opportunity.objects.exclude(status=Status.NOT_STARTED)
        .annotate(n=Count("entries"))
        .values_list("n", flat=True)
    )
    assert min(sizes) == 2 and max(sizes) == 8
    assert set(Opportunity.objects.values_list("status", flat=True)) == set(
        Status.values
    )
    assert counts.entries == OpportunityEntry.objects.count()
    assert counts.tasks == Task.objects.count() > 0


def test_the_same_seed_gives_the_same_data_and_remove_takes_it_away():
    generate.generate(opportunities=100, contacts=50, salespeople=3, seed=7)
    first = fingerprint()
    generate.remove()
    assert not Opportunity.objects.exists()

    generate.generate(opportunities=100, contacts=50, salespeople=3, seed=7)

    assert fingerprint() == first
