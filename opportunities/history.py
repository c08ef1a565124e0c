"""The only writer of history entries and of an opportunity's current figures.

An entry copies the opportunity's contact, company, salesperson and cycle at
the moment it is written and carries the figures of that moment; the
opportunity's current figures are always those of its active entry. The
services write one entry at a time (``write_entry``); the importers and the
data generator build many with ``entry_values`` (or ``new_entry``) and hand
them to ``insert_entries`` or ``replace_histories``; a merge of two contacts
re-points the entries (``follow_merged_contact``). Nothing else creates,
changes or bulk-writes an entry: tests/test_architecture.py checks it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from contacts.models import Contact
from crm.dataio import bulk
from opportunities.models import (
    Action,
    CloseReason,
    Opportunity,
    OpportunityEntry,
    Task,
    furthest_stage,
)
from salescycles.models import SalesCycle, Stage
from salescycles.probability import current_value, exact_probability, money

HUNDRED = Decimal(100)
ZERO = Decimal(0)

# The opportunity's columns an entry copies at the moment it is written.
COPIED = ("sales_cycle_id", "contact_id", "contact_company_id", "salesperson_id")


@dataclass(frozen=True)
class Figures:
    """The estimates an entry carries and the opportunity copies."""

    estimated_value: Decimal
    chances_pct: Decimal
    completed_pct: Decimal
    estimated_close_date: datetime.date | None
    probability_pct: Decimal = ZERO
    current_value: Decimal = ZERO

    @classmethod
    def calculated(cls, cycle: SalesCycle, **values) -> "Figures":
        """Figures whose probability and current value follow the cycle's method.

        The % is stored rounded; the current value is computed from the
        unrounded one, so that it is rounded once.
        """
        pct = exact_probability(
            cycle.probability_method, values["chances_pct"], values["completed_pct"]
        )
        return cls(
            probability_pct=money(pct),
            current_value=current_value(values["estimated_value"], pct),
            **values,
        )

    @classmethod
    def won(
        cls, sale_value: Decimal, on: datetime.date, *, estimate: Decimal
    ) -> "Figures":
        """A won closing, certain and complete: the last estimate kept as the
        estimated value, the sale value as the current value (as in Business
        Central: estimate against actual stays readable)."""
        return cls(
            estimated_value=estimate,
            chances_pct=HUNDRED,
            completed_pct=HUNDRED,
            probability_pct=HUNDRED,
            current_value=sale_value,
            estimated_close_date=on,
        )

    @classmethod
    def lost(cls, estimated_value: Decimal, on: datetime.date) -> "Figures":
        """A lost closing: the last estimate kept, no chance and no value left."""
        return cls(
            estimated_value=estimated_value,
            chances_pct=ZERO,
            completed_pct=HUNDRED,
            estimated_close_date=on,
        )

    @classmethod
    def none(cls, estimated_value: Decimal = ZERO) -> "Figures":
        """The figures of an opportunity that has not started."""
        return cls(
            estimated_value=estimated_value,
            chances_pct=ZERO,
            completed_pct=ZERO,
            estimated_close_date=None,
        )


# The opportunity's columns that hold its current figures, in the order the
# entry's columns have them (bulk writers rely on a fixed column order).
FIGURES = (
    "estimated_value",
    "chances_pct",
    "completed_pct",
    "probability_pct",
    "current_value",
    "estimated_close_date",
)


def figures_of(source) -> dict:
    """The current-figure columns (in ``FIGURES`` order) of Figures, an entry,
    an opportunity or a row dict."""
    if isinstance(source, dict):
        return {name: source[name] for name in FIGURES}
    # Written out: an import calls this for every row.
    return {
        "estimated_value": source.estimated_value,
        "chances_pct": source.chances_pct,
        "completed_pct": source.completed_pct,
        "probability_pct": source.probability_pct,
        "current_value": source.current_value,
        "estimated_close_date": source.estimated_close_date,
    }


def apply_figures(opportunity, figures) -> None:
    """Make ``figures`` (a Figures or an entry) the opportunity's current
    figures; ``opportunity`` may be a model instance or a row dict."""
    values = figures_of(figures)
    if isinstance(opportunity, dict):
        opportunity.update(values)
    else:
        for name, value in values.items():
            setattr(opportunity, name, value)


def active_entry(opportunity: Opportunity) -> OpportunityEntry | None:
    """The opportunity's latest history entry, if any."""
    return opportunity.entries.filter(active=True).first()


CLOSING = frozenset((Action.WON, Action.LOST))

# The columns ``entry_values`` gives, in its order (bulk writers rely on it).
ENTRY_COLUMNS = (
    *COPIED,
    "stage_id",
    "previous_stage_id",
    "date_of_change",
    "active",
    "date_closed",
    "days_open",
    "action_taken",
    *FIGURES,
    "close_reason_id",
    "note",
    "created_by_id",
)


def entry_values(
    copied: dict,
    *,
    action: str,
    stage: Stage | None,
    previous_stage_id: int | None,
    date_of_change: datetime.date,
    figures: Figures,
    close_reason: CloseReason | None = None,
    user=None,
    note: str = "",
) -> dict:
    """The columns (attnames) of a new active entry with these figures.

    ``copied`` holds the opportunity's ``COPIED`` columns. The services build
    an entry from these and the importer writes them as rows, so both write
    the same history.
    """
    # Written out, in ENTRY_COLUMNS order: an import calls this for every row.
    return {
        "sales_cycle_id": copied["sales_cycle_id"],
        "contact_id": copied["contact_id"],
        "contact_company_id": copied["contact_company_id"],
        "salesperson_id": copied["salesperson_id"],
        "stage_id": stage.pk if stage is not None else None,
        "previous_stage_id": previous_stage_id,
        "date_of_change": date_of_change,
        "active": True,
        "date_closed": date_of_change if action in CLOSING else None,
        "days_open": 0,
        "action_taken": action,
        "estimated_value": figures.estimated_value,
        "chances_pct": figures.chances_pct,
        "completed_pct": figures.completed_pct,
        "probability_pct": figures.probability_pct,
        "current_value": figures.current_value,
        "estimated_close_date": figures.estimated_close_date,
        "close_reason_id": close_reason.pk if close_reason is not None else None,
        "note": note,
        "created_by_id": user.pk if user and user.is_authenticated else None,
    }


def new_entry(opportunity: Opportunity, **kwargs) -> OpportunityEntry:
    """An unsaved active entry of ``opportunity`` (see ``entry_values``)."""
    copied = {name: getattr(opportunity, name) for name in COPIED}
    return OpportunityEntry(opportunity=opportunity, **entry_values(copied, **kwargs))


def retire(last, date_of_change: datetime.date) -> None:
    """Close off the entry a new one supersedes (an entry or a row dict):
    no longer active, open for the days until the new one."""
    if isinstance(last, dict):
        last["active"] = False
        last["days_open"] = (date_of_change - last["date_of_change"]).days
    else:
        last.active = False
        last.days_open = (date_of_change - last.date_of_change).days


def write_entry(
    opportunity: Opportunity,
    *,
    user,
    last: OpportunityEntry | None,
    action: str,
    stage: Stage | None,
    date_of_change: datetime.date,
    figures: Figures,
    close_reason: CloseReason | None = None,
    note: str = "",
) -> OpportunityEntry:
    """Append an entry, retire the one it supersedes, copy its figures over.

    The caller holds the opportunity's row lock and saves the opportunity.
    """
    if last is not None:
        retire(last, date_of_change)
        last.save(update_fields=["days_open", "active"])
    entry = new_entry(
        opportunity,
        action=action,
        stage=stage,
        previous_stage_id=last.stage_id if last else None,
        date_of_change=date_of_change,
        figures=figures,
        close_reason=close_reason,
        user=user,
        note=note,
    )
    entry.save()
    if stage is not None:
        opportunity.stage = stage
        opportunity.furthest_stage = furthest_stage(opportunity.furthest_stage, stage)
    apply_figures(opportunity, figures)
    return entry


def insert_entries(entries: list[tuple[int, dict]], *, now: datetime.datetime) -> int:
    """Write built entries in bulk: ``(opportunity id, entry_values dict)``
    pairs, the dicts as ``entry_values`` made them (and ``retire`` changed).

    Returns the number of entries written.
    """
    if not entries:
        return 0
    if tuple(entries[0][1]) != ENTRY_COLUMNS:
        raise ValueError("entries must be built by entry_values")
    bulk.insert(
        OpportunityEntry,
        ("opportunity_id", *ENTRY_COLUMNS, "created_at"),
        ((pk, *values.values(), now) for pk, values in entries),
    )
    return len(entries)


def replace_histories(
    opportunity_ids: list[int],
    entries: list[OpportunityEntry],
    *,
    ids_per_query: int,
    batch_size: int,
) -> None:
    """Put ``entries`` (built by ``new_entry``) in place of the whole history of
    these opportunities, as an import of entries does. Tasks the old entries
    made stay, no longer tied to an entry."""
    for start in range(0, len(opportunity_ids), ids_per_query):
        ids = opportunity_ids[start : start + ids_per_query]
        Task.objects.filter(opportunity_entry__opportunity__in=ids).update(
            opportunity_entry=None
        )
        OpportunityEntry.objects.filter(opportunity__in=ids).delete()
    OpportunityEntry.objects.bulk_create(entries, batch_size=batch_size)


def follow_merged_contact(*, merged: Contact, kept: Contact) -> int:
    """Make the entries that name ``merged`` (as contact or contact company)
    name ``kept``: two records of one customer become one, and the history
    reads as if it had always been the one kept. Returns the entries changed."""
    changed = OpportunityEntry.objects.filter(contact=merged).update(contact=kept)
    return changed + OpportunityEntry.objects.filter(contact_company=merged).update(
        contact_company=kept
    )


def refresh_furthest_stages(*, cycle: SalesCycle) -> int:
    """Work out the furthest stage of the cycle's opportunities again from their
    histories, as migration 0006 did (after the cycle's stages are renumbered)."""
    highest = (
        OpportunityEntry.objects.filter(opportunity=OuterRef("pk"), stage__isnull=False)
        .order_by("-stage__number")
        .values("stage")[:1]
    )
    return Opportunity.objects.filter(sales_cycle=cycle).update(
        furthest_stage=Subquery(highest)
    )
