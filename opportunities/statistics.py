"""Statistics of opportunities, computed by the database.

Every function takes the opportunities to count (already scoped to what the user
may see and narrowed by the page's filters) and runs a fixed number of grouped
queries whatever their number. Python only puts the grouped rows in order,
fills in the empty cells and divides sums by counts.

Definitions (the spec's section 9, made explicit):
- open = not started or in progress; won and lost are the closed statuses, by
  the opportunity's status now (a reopened opportunity is open again);
- won value = the sale value (a won opportunity's current value; its estimated
  value is the last estimate, as in Business Central); lost value = the
  estimated value when it was lost (``closed_value``);
- win rate = won / (won + lost), by count and by value;
- days to close = date closed − creation date;
- time in a stage = the days open of an opportunity's superseded entries at the
  stage, added up per opportunity (updates split a stay into several entries),
  averaged over the opportunities that left the stage;
- furthest stage reached = the highest stage number among an opportunity's
  entries.
"""

import collections
import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import (
    Coalesce,
    TruncDay,
    TruncMonth,
    TruncQuarter,
    TruncWeek,
    TruncYear,
)

from opportunities.models import IS_OPEN, Opportunity, OpportunityEntry, Status
from salescycles.models import SalesCycle, Stage

# Sums of many values need more digits than one value's 15.
TOTAL = DecimalField(max_digits=20, decimal_places=2)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")

DateRange = tuple[datetime.date, datetime.date]

# The groups a split of figures is made of (the open / won / lost columns).
OUTCOME_GROUPS = {
    "open": IS_OPEN,
    "won": Q(status=Status.WON),
    "lost": Q(status=Status.LOST),
}

OUTCOMES = ("won", "lost")

PERIODS = {
    "day": TruncDay,
    "week": TruncWeek,
    "month": TruncMonth,
    "quarter": TruncQuarter,
    "year": TruncYear,
}


class DaysBetween(Func):
    """Whole days from ``start`` to ``end`` (two date columns), as an integer."""

    output_field = IntegerField()
    arg_joiner = " - "
    template = "(%(expressions)s)"

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def closed_value():
    """A closed opportunity's value: the sale value when won (its current value;
    its estimated value is the last estimate), the estimate when lost."""
    return Case(
        When(status=Status.WON, then=F("current_value")),
        default=F("estimated_value"),
    )


def ratio(part, whole, places: Decimal = TENTH) -> Decimal | None:
    """``part`` as a percentage of ``whole``; None when ``whole`` is zero."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(places, ROUND_HALF_UP)


def average(total, count) -> Decimal | None:
    """``total / count`` to the cent; None for no rows."""
    if not count:
        return None
    return (Decimal(total) / count).quantize(CENT, ROUND_HALF_UP)


# -- open / won / lost ------------------------------------------------------------


def split_aggregates(groups=tuple(OUTCOME_GROUPS), measures=None) -> dict:
    """Count, sums and averages of estimated and current value, open / won / lost.

    Keys are ``<group>__<measure>``; for ``aggregate()`` or a grouped ``annotate()``.
    ``groups`` and ``measures`` pick some of them (all by default).
    """
    aggregates = {}
    for group in groups:
        condition = OUTCOME_GROUPS[group]
        every = {
            "count": Count("pk", filter=condition),
            "estimated_value": Sum(
                "estimated_value", filter=condition, default=0, output_field=TOTAL
            ),
            "current_value": Sum(
                "current_value", filter=condition, default=0, output_field=TOTAL
            ),
            "average_estimated_value": Avg(
                "estimated_value", filter=condition, output_field=TOTAL
            ),
            "average_current_value": Avg(
                "current_value", filter=condition, output_field=TOTAL
            ),
        }
        aggregates |= {
            f"{group}__{measure}": aggregate
            for measure, aggregate in every.items()
            if measures is None or measure in measures
        }
    return aggregates


def figures(opportunities: QuerySet) -> dict:
    """Open / won / lost figures and win rates of all ``opportunities`` (one
    query), as ``nest_split`` gives them."""
    return nest_split(opportunities.order_by().aggregate(**split_aggregates()))


def nest_split(row: dict) -> dict:
    """``{"open__count": 1, ...}`` as ``{"open": {"count": 1}, ...}`` plus win rates."""
    figures: dict = {group: {} for group in OUTCOME_GROUPS}
    for key, value in row.items():
        group, _sep, measure = key.partition("__")
        if group in figures:
            if measure.startswith("average") and value is not None:
                value = Decimal(value).quantize(CENT, ROUND_HALF_UP)
            figures[group][measure] = value
    return with_win_rates(figures)


def with_win_rates(figures: dict) -> dict:
    """``figures`` with the win rates of its won and lost count and value (the
    won sale value, its current value, against the lost estimates)."""
    won, lost = figures["won"], figures["lost"]
    figures["win_rate"] = ratio(won["count"], won["count"] + lost["count"])
    figures["win_rate_value"] = ratio(
        won["current_value"], won["current_value"] + lost["estimated_value"]
    )
    return figures


def outcomes_by(closed: QuerySet, *keys: str) -> list[dict]:
    """Won and lost count, estimated and current value per combination of
    ``keys`` (one query), for ``win_rates`` to add up by any of them."""
    aggregates = split_aggregates(
        OUTCOMES, ("count", "estimated_value", "current_value")
    )
    return list(closed.order_by().values(*keys).annotate(**aggregates))


def win_rates(rows: list[dict], key: str | None = None) -> dict:
    """``outcomes_by`` rows added up per value of ``key`` (all of them under
    None without one), each as ``nest_split`` gives won, lost and win rates."""

    measures = ("count", "estimated_value", "current_value")

    def nothing():
        return {outcome: dict.fromkeys(measures, 0) for outcome in OUTCOMES}

    totals = collections.defaultdict(nothing)
    if key is None:
        totals[None]  # there even when nothing is closed
    for row in rows:
        for outcome, figures in totals[row[key] if key else None].items():
            for measure in measures:
                figures[measure] += row[f"{outcome}__{measure}"]
    return {group: with_win_rates(figures) for group, figures in totals.items()}


def split_rows(opportunities: QuerySet, key) -> QuerySet:
    """Rows of ``group_key`` and the ``split_aggregates`` per value of ``key``.

    ``key`` is a field name or an expression. Unordered: order it to page it.
    """
    return (
        opportunities.order_by()
        .annotate(group_key=F(key) if isinstance(key, str) else key)
        .values("group_key")
        .annotate(**split_aggregates())
    )


def split_by(opportunities: QuerySet, key) -> dict:
    """Open / won / lost figures and win rates per value of ``key`` (one query),
    as ``nest_split`` gives them."""
    return {
        row.pop("group_key"): nest_split(row) for row in split_rows(opportunities, key)
    }


def contact_company_key():
    """An opportunity's company, or its contact when that is a person of none."""
    return Coalesce("contact_company_id", "contact_id")


def quarter_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the calendar quarter ``day`` falls in."""
    first = datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return first, add_months(first, 3) - datetime.timedelta(days=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def quarter_by(opportunities: QuerySet, key, today: datetime.date) -> dict:
    """Per ``key``: won this quarter, open closing this quarter, overdue (one query).

    What a manager reads to see who is behind: what was won, what is still
    expected (estimated and weighted) and what is late.
    """
    first, last = quarter_of(today)
    is_open = OUTCOME_GROUPS["open"]
    won = Q(status=Status.WON, date_closed__range=(first, last))
    closing = is_open & Q(estimated_close_date__range=(today, last))
    overdue = is_open & Q(estimated_close_date__lt=today)
    money = {"default": 0, "output_field": TOTAL}
    rows = (
        opportunities.order_by()
        .annotate(group_key=F(key) if isinstance(key, str) else key)
        .values("group_key")
        .annotate(
            won_count=Count("pk", filter=won),
            won_value=Sum("current_value", filter=won, **money),  # the sale value
            closing_count=Count("pk", filter=closing),
            closing_estimated_value=Sum("estimated_value", filter=closing, **money),
            closing_current_value=Sum("current_value", filter=closing, **money),
            overdue_count=Count("pk", filter=overdue),
            overdue_estimated_value=Sum("estimated_value", filter=overdue, **money),
        )
    )
    return {row.pop("group_key"): row for row in rows}


# -- the pipeline by stage --------------------------------------------------------
#
# The statistics pages read them grouped (one row per stage of every cycle);
# the admin's cycle and stage lists as columns it can sort (one subquery per
# figure). Both take the same measures from here, rounded the same way.


def open_pipeline_measures() -> dict:
    """Count, estimated and calculated current value of open opportunities."""
    return {
        "count": Count("pk"),
        "estimated_value": Sum("estimated_value", output_field=TOTAL),
        "current_value": Sum("current_value", output_field=TOTAL),
    }


def superseded_entries(at_stage: bool = True) -> QuerySet:
    """The entries a later change superseded: NAV's days open are theirs."""
    entries = OpportunityEntry.objects.filter(active=False)
    return entries.filter(stage__isnull=False) if at_stage else entries


def tenths(days) -> Decimal | None:
    """An average of days to one decimal (half up); None stays None."""
    return None if days is None else Decimal(days).quantize(TENTH, ROUND_HALF_UP)


def open_by_stage(opportunities: QuerySet) -> dict[tuple, dict]:
    """Open count, estimated and current value per (cycle pk, stage pk) (one query).

    A not-started opportunity stands on no stage: its key is (cycle pk, None).
    """
    rows = (
        opportunities.open()
        .order_by()
        .values("sales_cycle_id", "stage_id")
        .annotate(**open_pipeline_measures())
    )
    return {(row.pop("sales_cycle_id"), row.pop("stage_id")): row for row in rows}


def stage_durations(opportunities: QuerySet) -> dict[int, dict]:
    """Per stage pk: NAV's average days open of superseded entries, and our time
    in the stage per opportunity that left it (one query)."""
    entries = superseded_entries()
    if opportunities.query.has_filters():
        # Narrowed to some opportunities; all of them need no narrowing (and
        # the entries are read from their index alone).
        entries = entries.filter(opportunity__in=opportunities.values("pk"))
    rows = (
        entries.order_by()
        .values("stage_id")
        .annotate(
            entries=Count("*"),
            average_days_open=Avg("days_open"),
            total_days=Sum("days_open"),
            opportunities=Count("opportunity_id", distinct=True),
        )
    )
    return {
        row["stage_id"]: {
            "average_days_open": tenths(row["average_days_open"]),
            "average_days_in_stage": tenths(
                Decimal(row["total_days"]) / row["opportunities"]
            ),
            "opportunities": row["opportunities"],
        }
        for row in rows
    }


def _per_row(rows: QuerySet, key: str, aggregate, output_field, empty):
    """``aggregate`` over the ``rows`` whose ``key`` is the outer row, as a column.

    A correlated subquery: joining a cycle to both its stages and its
    opportunities would multiply the sums; a subquery keeps the outer query one
    row per cycle or stage whatever it is joined to.
    """
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


def _open_pipeline_columns(key: str, closing_between: DateRange | None) -> dict:
    opportunities = Opportunity.objects.open()
    if closing_between:
        opportunities = opportunities.closing_between(*closing_between)
    return {
        f"open_{name}": _per_row(
            opportunities,
            key,
            measure,
            IntegerField() if name == "count" else TOTAL,
            empty=0,
        )
        for name, measure in open_pipeline_measures().items()
    }


def cycles_with_pipeline(
    *, queryset: QuerySet | None = None, closing_between: DateRange | None = None
) -> QuerySet:
    """Cycles with ``open_count``, ``open_estimated_value`` and
    ``open_current_value`` of their open opportunities (not started or in
    progress); ``closing_between`` limits them to an estimated close date
    range, as NAV's date filter does. ``queryset`` narrows or orders the cycles
    (default: all)."""
    cycles = SalesCycle.objects.all() if queryset is None else queryset
    return cycles.annotate(**_open_pipeline_columns("sales_cycle", closing_between))


def stages_with_pipeline(
    cycle: SalesCycle | None = None,
    *,
    queryset: QuerySet | None = None,
    closing_between: DateRange | None = None,
) -> QuerySet:
    """Stages with the open figures of the opportunities in progress on them
    (one not started stands on none) and ``average_days_open``, the mean days
    open of the superseded entries at the stage (None when it has none; round
    it with ``tenths``). ``queryset`` narrows or orders the stages."""
    stages = Stage.objects.all() if queryset is None else queryset
    if cycle is not None:
        stages = stages.filter(cycle=cycle)
    return stages.annotate(
        **_open_pipeline_columns("stage", closing_between),
        average_days_open=_per_row(
            superseded_entries(at_stage=False),
            "stage",
            Avg("days_open"),
            FloatField(),
            empty=None,
        ),
    )


def furthest_stage_reached(opportunities: QuerySet) -> dict[tuple, dict]:
    """Closed opportunities per (cycle pk, status, furthest stage number) (one query).

    The furthest stage is the highest-numbered stage among the opportunity's
    entries, which every write keeps on it (``Opportunity.furthest_stage``);
    None for one closed before it started.
    """
    rows = (
        opportunities.closed()
        .order_by()
        .values("sales_cycle_id", "status", furthest=F("furthest_stage__number"))
        .annotate(
            count=Count("pk"),
            value=Sum(closed_value(), output_field=TOTAL),
        )
    )
    return {
        (row["sales_cycle_id"], row["status"], row["furthest"]): {
            "count": row["count"],
            "value": row["value"],
        }
        for row in rows
    }


def days_to_close(opportunities: QuerySet) -> dict[str, Decimal | None]:
    """Average days from creation to closing, for won and for lost (one query)."""
    days = DaysBetween("date_closed", "creation_date")
    row = (
        opportunities.closed()
        .order_by()
        .aggregate(
            won=Avg(days, filter=Q(status=Status.WON)),
            lost=Avg(days, filter=Q(status=Status.LOST)),
        )
    )
    return {
        outcome: None if value is None else Decimal(value).quantize(TENTH)
        for outcome, value in row.items()
    }


def by_close_reason(opportunities: QuerySet) -> dict[int, dict]:
    """Closed opportunities per close reason pk: count, value, average (one query)."""
    rows = (
        opportunities.closed()
        .order_by()
        .values("close_reason_id")
        .annotate(
            count=Count("pk"),
            value=Sum(closed_value(), output_field=TOTAL),
        )
    )
    return {
        row["close_reason_id"]: {
            "count": row["count"],
            "value": row["value"],
            "average_value": average(row["value"], row["count"]),
        }
        for row in rows
    }


# -- by period ----------------------------------------------------------------------


def period_starts(
    period: str, start: datetime.date, end: datetime.date
) -> list[datetime.date]:
    """The first day of every ``period`` that overlaps [start, end], in order."""
    if period == "day":
        first, step = start, None
    elif period == "week":
        first, step = start - datetime.timedelta(days=start.weekday()), None
    else:
        months = {"month": 1, "quarter": 3, "year": 12}[period]
        if period == "quarter":
            first = quarter_of(start)[0]
        elif period == "year":
            first = datetime.date(start.year, 1, 1)
        else:
            first = start.replace(day=1)
        step = months
    starts = []
    day = first
    while day <= end:
        starts.append(day)
        if step is None:
            day += datetime.timedelta(days=1 if period == "day" else 7)
        else:
            day = add_months(day, step)
    return starts


def period_end(period: str, first: datetime.date) -> datetime.date:
    """The last day of the ``period`` that starts on ``first``."""
    if period == "day":
        return first
    if period == "week":
        return first + datetime.timedelta(days=6)
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    return add_months(first, months) - datetime.timedelta(days=1)


def as_date(value) -> datetime.date:
    """A truncated date from the database (a datetime on some backends)."""
    return value.date() if isinstance(value, datetime.datetime) else value


def by_period(
    opportunities: QuerySet,
    *,
    date_field: str,
    period: str,
    keys: tuple = (),
    measures: dict | None = None,
) -> list[dict]:
    """Rows of count and sums per ``period`` of ``date_field`` and ``keys`` (one query).

    Each row has ``period`` (its first day), the ``keys`` and ``count``,
    ``estimated_value`` and ``current_value`` unless ``measures`` says otherwise.
    """
    measures = measures or {
        "count": Count("pk"),
        "estimated_value": Sum("estimated_value", output_field=TOTAL),
        "current_value": Sum("current_value", output_field=TOTAL),
    }
    rows = (
        opportunities.order_by()
        .annotate(period=PERIODS[period](date_field))
        .values("period", *keys)
        .annotate(**measures)
    )
    return [row | {"period": as_date(row["period"])} for row in rows]
