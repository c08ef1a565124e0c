"""Pipeline statistics of sales cycles and stages (NAV's cycle and stage statistics).

Every figure is a correlated subquery: joining a cycle to both its stages and
its opportunities would multiply the sums, and a subquery keeps the outer query
one row per cycle or stage whatever it is joined to.
"""

import datetime

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from salescycles.models import SalesCycle, Stage

# Sums of many values need more digits than one value's 15.
TOTAL = DecimalField(max_digits=20, decimal_places=2)

DateRange = tuple[datetime.date, datetime.date]


def _open_opportunities(closing_between: DateRange | None) -> QuerySet:
    # Imported here: opportunities depend on sales cycles, not the other way round.
    from opportunities.models import Opportunity

    opportunities = Opportunity.objects.open()
    if closing_between:
        opportunities = opportunities.closing_between(*closing_between)
    return opportunities


def _per_row(rows: QuerySet, key: str, aggregate: Func, output_field, empty):
    """``aggregate`` over the ``rows`` whose ``key`` is the outer row, as a column."""
    subquery = (
        rows.filter(**{key: OuterRef("pk")})
        .order_by()
        .values(key)
        .annotate(total=aggregate)
        .values("total")
    )
    if empty is None:
        return Subquery(subquery, output_field=output_field)
    return Coalesce(Subquery(subquery), Value(empty), output_field=output_field)


def _open_pipeline(key: str, closing_between: DateRange | None) -> dict:
    opportunities = _open_opportunities(closing_between)
    return {
        "open_count": _per_row(
            opportunities, key, Count("pk"), IntegerField(), empty=0
        ),
        "open_estimated_value": _per_row(
            opportunities, key, Sum("estimated_value"), TOTAL, empty=0
        ),
        "open_current_value": _per_row(
            opportunities, key, Sum("current_value"), TOTAL, empty=0
        ),
    }


def cycles_with_pipeline(
    *, queryset: QuerySet | None = None, closing_between: DateRange | None = None
) -> QuerySet:
    """Cycles with count, estimated and current value of their open opportunities.

    Open means not started (no value yet) or in progress; ``closing_between``
    limits them to an estimated close date range, as NAV's date filter does.
    ``queryset`` narrows or orders the cycles (default: all).
    """
    cycles = SalesCycle.objects.all() if queryset is None else queryset
    return cycles.annotate(**_open_pipeline("sales_cycle", closing_between))


def stages_with_pipeline(
    cycle: SalesCycle | None = None,
    *,
    queryset: QuerySet | None = None,
    closing_between: DateRange | None = None,
) -> QuerySet:
    """Stages with their open opportunities' figures and average days open.

    The open figures count opportunities in progress on the stage (one not
    started stands on none). ``average_days_open`` is the mean of ``days open``
    of the superseded entries at the stage, None when it has none. ``queryset``
    narrows or orders the stages (default: all).
    """
    from opportunities.models import OpportunityEntry

    stages = Stage.objects.all() if queryset is None else queryset
    if cycle is not None:
        stages = stages.filter(cycle=cycle)
    superseded = OpportunityEntry.objects.filter(active=False)
    return stages.annotate(
        **_open_pipeline("stage", closing_between),
        average_days_open=_per_row(
            superseded, "stage", Avg("days_open"), FloatField(), empty=None
        ),
    )
