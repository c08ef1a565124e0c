"""An opportunity's one timeline: its history entries, interactions and notes,
and the tasks done or cancelled, newest first (built from rows the page has
read already)."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from opportunities.models import (
    Action,
    Interaction,
    InteractionKind,
    OpportunityEntry,
    Task,
)

# A text longer than this is folded behind "show more".
FOLD_AT = 280


@dataclass(frozen=True)
class Item:
    """One happening: what kind, when, and the row it shows."""

    kind: str  # "entry", "interaction", "note" or "task"
    date: datetime.date
    at: datetime.datetime | None
    row: object

    @property
    def label(self) -> str:
        """An entry's action; a jump says whether it skipped ahead or went back."""
        entry = self.row
        if entry.action_taken == Action.JUMPED and entry.previous_stage and entry.stage:
            if entry.stage.number > entry.previous_stage.number:
                return _("Jumped ahead (skip)")
            return _("Jumped back")
        return entry.get_action_taken_display()

    @property
    def text(self) -> str:
        if self.kind == "entry":
            return self.row.note
        return self.row.description

    @property
    def folded(self) -> bool:
        return len(self.text) > FOLD_AT

    @property
    def preview(self) -> str:
        return (
            self.text[:FOLD_AT].rsplit(" ", 1)[0] + " …" if self.folded else self.text
        )


def timeline(
    entries: list[OpportunityEntry], interactions: list[Interaction], tasks: list[Task]
) -> list[Item]:
    """Everything that happened to an opportunity, newest first; on one day
    the later written first."""
    items = [Item("entry", e.date_of_change, e.created_at, e) for e in entries]
    items += [
        Item(
            "note" if i.kind == InteractionKind.NOTE else "interaction",
            i.date,
            i.created_at,
            i,
        )
        for i in interactions
    ]
    items += [Item("task", t.date_closed or t.date, None, t) for t in tasks if t.closed]
    oldest = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    return sorted(items, key=lambda item: (item.date, item.at or oldest), reverse=True)
