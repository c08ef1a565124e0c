"""Reads that span models: the board, the totals of a list."""

from django.db import connections
from django.db.models import Count, F, Sum, Window
from django.db.models.functions import RowNumber

from contacts.models import Salesperson
from opportunities.models import Opportunity, OpportunityQuerySet, Status, Task
from opportunities.statistics import open_pipeline_measures
from salescycles.models import SalesCycle, Stage

BOARD_CARDS_PER_COLUMN = 20
# The board's cards: the open opportunities (not started ones have no stage).
BOARD_STATUSES = [Status.NOT_STARTED, Status.IN_PROGRESS]
# The cards of a column, soonest to close first (the opportunity_board index).
BOARD_ORDER = [F("estimated_close_date").asc(nulls_last=True), F("number")]


def list_totals(opportunities: OpportunityQuerySet) -> dict:
    """Count, estimated value and calculated current value of a filtered list."""
    return opportunities.order_by().aggregate(
        # COUNT(*), not COUNT(id): the id is not in the covering index.
        count=Count("*"),
        estimated_value=Sum("estimated_value", default=0),
        current_value=Sum("current_value", default=0),
    )


def board_columns(
    opportunities: OpportunityQuerySet,
    cycle: SalesCycle,
    *,
    limit: int = BOARD_CARDS_PER_COLUMN,
    stages: list[Stage] | None = None,
) -> tuple[list[Stage], list[dict]]:
    """The cycle's stages, and its columns with their first ``limit`` cards and
    totals: "not started" first (its ``stage`` is None), then one per stage.

    Three queries whatever the data: the stages (unless given, in order), the
    cards and the totals per stage.
    """
    in_cycle = opportunities.filter(sales_cycle=cycle)
    if stages is None:
        stages = list(Stage.objects.filter(cycle=cycle).order_by("number"))
    cards = _first_cards(
        in_cycle.select_related("contact", "salesperson"), stages, limit
    )
    # Not started means no stage: the not-started column is stage None's.
    totals = {
        row["stage_id"]: row
        for row in in_cycle.filter(status__in=BOARD_STATUSES)
        .order_by()
        .values("stage_id")
        .annotate(
            count=Count("pk"),
            estimated_value=Sum("estimated_value"),
            current_value=Sum("current_value"),
        )
    }
    by_stage: dict[int | None, list[Opportunity]] = {}
    for card in cards:
        by_stage.setdefault(card.stage_id, []).append(card)
    empty = {"count": 0, "estimated_value": 0, "current_value": 0}
    return stages, [
        {
            "stage": stage,
            "cards": by_stage.get(pk, []),
            "totals": totals.get(pk, empty),
        }
        for stage, pk in [(None, None)] + [(stage, stage.pk) for stage in stages]
    ]


def _first_cards(in_cycle, stages: list[Stage], limit: int) -> list[Opportunity]:
    """The first ``limit`` cards of each column, in board order.

    Where the database can (PostgreSQL), each column's cards are a slice of
    their own, joined by UNION ALL: each reads the opportunity_board index in
    order and stops at ``limit``. Elsewhere (SQLite) a window function ranks all
    the cycle's cards and keeps the first ``limit`` of each column.
    """
    if connections[in_cycle.db].features.supports_slicing_ordering_in_compound:
        # Not started ones have no stage: ordered by it first all the same,
        # they are read in the index's order too and the slice stops at
        # ``limit`` (at 100,000, 37 ms otherwise: all the cycle's not started
        # ones joined to their contacts, then sorted).
        slices = [
            in_cycle.filter(status=Status.NOT_STARTED).order_by(
                "stage_id", *BOARD_ORDER
            )[:limit]
        ] + [
            in_cycle.filter(status=Status.IN_PROGRESS, stage=stage).order_by(
                *BOARD_ORDER
            )[:limit]
            for stage in stages
        ]
        return list(slices[0].union(*slices[1:], all=True))
    ranked = in_cycle.filter(status__in=BOARD_STATUSES).annotate(
        rank=Window(RowNumber(), partition_by=F("stage_id"), order_by=BOARD_ORDER)
    )
    return list(ranked.filter(rank__lte=limit).order_by("stage_id", "rank"))


def stage_cards(
    opportunities: OpportunityQuerySet, stage: Stage, *, offset: int, limit: int
) -> list[Opportunity]:
    """More cards of one board column ("show more")."""
    return list(
        opportunities.filter(stage=stage, status=Status.IN_PROGRESS)
        .select_related("contact", "salesperson")
        .order_by(*BOARD_ORDER)[offset : offset + limit]
    )


def open_figures_by_salesperson(opportunities: OpportunityQuerySet) -> dict[int, dict]:
    """Open count, estimated and current value per salesperson pk (one query)."""
    rows = (
        opportunities.open()
        .order_by()
        .values("salesperson_id")
        .annotate(**open_pipeline_measures())
    )
    return {row.pop("salesperson_id"): row for row in rows}


def figures_visible(user, salesperson: Salesperson) -> bool:
    """Whether ``user`` may see ``salesperson``'s opportunities (as ``for_user``)."""
    return user.has_perm("opportunities.view_all_opportunities") or (
        salesperson.user_id is not None and salesperson.user_id == user.pk
    )


def attach_next_tasks(opportunities: list[Opportunity]) -> list[Opportunity]:
    """Give each opportunity its ``next_task``: the open task with the earliest
    date (None when it has none). One query for them all, whatever their
    number (the task_open_by_opportunity index)."""
    ids = [opportunity.pk for opportunity in opportunities]
    first = (
        Task.objects.filter(opportunity__in=ids, closed=False)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("opportunity_id")],
                order_by=[F("date").asc(), F("number").asc()],
            )
        )
        .filter(rank=1)
    )
    by_opportunity = {task.opportunity_id: task for task in first} if ids else {}
    for opportunity in opportunities:
        opportunity.next_task = by_opportunity.get(opportunity.pk)
    return opportunities
