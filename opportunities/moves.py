"""Moving through a sales cycle: which moves are available and where they lead.

This is NAV's "Update opportunity" wizard as rules over the cycle's stages,
ordered by stage number (gaps allowed).
"""

from collections.abc import Sequence

from django.db import models
from django.utils.translation import gettext_lazy as _

from opportunities.models import Action
from salescycles.models import Stage


class Move(models.TextChoices):
    START = "start", _("Start")
    NEXT = "next", _("Next stage")
    PREVIOUS = "previous", _("Previous stage")
    SKIP = "skip", _("Skip stages")
    JUMP_BACK = "jump_back", _("Jump back")
    UPDATE = "update", _("Update estimates")


# Moves that enter a stage (and so create the stage's tasks).
ENTERING_MOVES = {Move.START, Move.NEXT, Move.PREVIOUS, Move.SKIP, Move.JUMP_BACK}


def targets(move: str, stages: Sequence[Stage], current: Stage | None) -> list[Stage]:
    """The stages ``move`` may lead to from ``current``; empty when unavailable.

    ``stages`` are the cycle's stages in stage-number order; ``current`` is None
    for an opportunity that has not started.
    """
    if current is None:
        return list(stages[:1]) if move == Move.START else []
    index = next(i for i, stage in enumerate(stages) if stage.pk == current.pk)
    above, below = stages[index + 1 :], stages[:index]
    if move == Move.NEXT:
        return list(above[:1])
    if move == Move.PREVIOUS:
        return list(below[-1:])
    if move == Move.SKIP:
        reachable: list[Stage] = []
        if above and above[0].allow_skip:
            for stage in above:
                reachable.append(stage)
                if not stage.allow_skip:
                    break
        return reachable
    if move == Move.JUMP_BACK:
        return list(below) if len(below) >= 2 else []
    if move == Move.UPDATE:
        return [current]
    return []


def default_target(move: str, candidates: Sequence[Stage]) -> Stage:
    """The target the update form proposes among ``candidates``.

    A skip or jump back proposes the nearest stage past the neighbouring one
    (the neighbour is what next and previous are for); other moves have one.
    """
    if move == Move.SKIP and len(candidates) > 1:
        return candidates[1]
    if move == Move.JUMP_BACK and len(candidates) > 1:
        return candidates[-2]
    return candidates[0]


def available(stages: Sequence[Stage], current: Stage | None) -> dict[str, list[Stage]]:
    """Every available move with its target stages, in the wizard's order."""
    options = {move: targets(move, stages, current) for move in Move.values}
    return {move: stages for move, stages in options.items() if stages}


# The most direct move first: next/previous before skip/jump back.
DIRECT_ORDER = [Move.START, Move.NEXT, Move.PREVIOUS, Move.SKIP, Move.JUMP_BACK]


def reachable(stages: Sequence[Stage], current: Stage | None) -> dict[int, str]:
    """Every stage a move leads to from ``current``, by stage pk, with the most
    direct move that leads there (the board's drop targets)."""
    found: dict[int, str] = {}
    for move in DIRECT_ORDER:
        for stage in targets(move, stages, current):
            found.setdefault(stage.pk, move)
    return found


def action_taken(
    move: str, target: Stage, stages: Sequence[Stage], current: Stage | None
) -> str:
    """The action a move writes: skip or jump to a neighbour is next/previous."""
    if move == Move.START:
        return Action.FIRST
    if move == Move.UPDATE:
        return Action.UPDATED
    if (
        move in (Move.NEXT, Move.SKIP)
        and target == targets(Move.NEXT, stages, current)[0]
    ):
        return Action.NEXT
    if move in (Move.PREVIOUS, Move.JUMP_BACK) and (
        target == targets(Move.PREVIOUS, stages, current)[0]
    ):
        return Action.PREVIOUS
    return Action.JUMPED
