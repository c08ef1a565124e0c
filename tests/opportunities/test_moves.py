"""The moves of the "Update opportunity" wizard as pure rules over stage lists.

Stages are unsaved: the rules look at numbers, ``allow_skip`` and identity only.
"""

import pytest

from opportunities.models import Action
from opportunities.moves import (
    Move,
    action_taken,
    available,
    default_target,
    targets,
)
from salescycles.models import Stage

S = True  # allows skip
N = False  # does not


def make_stages(*specs: tuple[int, bool]) -> list[Stage]:
    """Stages from (number, allow skip) pairs, in the order given."""
    return [
        Stage(pk=index, number=number, allow_skip=allow_skip)
        for index, (number, allow_skip) in enumerate(specs, start=1)
    ]


def stage(stages: list[Stage], number: int) -> Stage:
    return next(s for s in stages if s.number == number)


def numbers(stages: list[Stage]) -> list[int]:
    return [s.number for s in stages]


# Gaps in the numbering: "next" is the next higher number, not number + 1.
GAPPED = make_stages((10, N), (20, N), (35, N), (50, N), (90, N))


# -- before start ----------------------------------------------------------------------


def test_only_start_is_available_before_start():
    assert available(GAPPED, None) == {Move.START: [stage(GAPPED, 10)]}


@pytest.mark.parametrize(
    "move", [Move.NEXT, Move.PREVIOUS, Move.SKIP, Move.JUMP_BACK, Move.UPDATE]
)
def test_nothing_but_start_leads_anywhere_before_start(move):
    assert targets(move, GAPPED, None) == []


def test_start_leads_to_the_lowest_stage_whatever_its_number():
    stages = make_stages((7, S), (8, N))

    assert targets(Move.START, stages, None) == [stages[0]]


def test_a_cycle_without_stages_offers_no_move():
    assert available([], None) == {}


def test_start_is_unavailable_once_started():
    assert targets(Move.START, GAPPED, stage(GAPPED, 10)) == []


# -- next, previous, jump back, update -------------------------------------------------


@pytest.mark.parametrize(
    ("current", "expected_next", "expected_previous"),
    [
        (10, [20], []),
        (20, [35], [10]),
        (35, [50], [20]),
        (50, [90], [35]),
        (90, [], [50]),
    ],
)
def test_next_and_previous_lead_to_the_neighbouring_numbers(
    current, expected_next, expected_previous
):
    here = stage(GAPPED, current)

    assert numbers(targets(Move.NEXT, GAPPED, here)) == expected_next
    assert numbers(targets(Move.PREVIOUS, GAPPED, here)) == expected_previous


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (10, []),
        (20, []),  # one stage below is not enough
        (35, [10, 20]),
        (90, [10, 20, 35, 50]),
    ],
)
def test_jump_back_needs_two_stages_below_and_offers_all_of_them(current, expected):
    assert numbers(targets(Move.JUMP_BACK, GAPPED, stage(GAPPED, current))) == expected


@pytest.mark.parametrize("current", [10, 35, 90])
def test_update_stays_on_the_current_stage(current):
    here = stage(GAPPED, current)

    assert targets(Move.UPDATE, GAPPED, here) == [here]


# -- skip ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("specs", "current", "expected"),
    [
        # The chain takes every skippable stage and ends with the first one
        # that does not allow skip.
        (((1, N), (2, S), (3, S), (4, N), (5, S)), 1, [2, 3, 4]),
        (((1, N), (2, S), (3, N), (4, S)), 1, [2, 3]),
        # ... or with the last stage.
        (((1, N), (2, S), (3, S)), 1, [2, 3]),
        (((1, N), (2, S)), 1, [2]),
        # Gaps in the numbers do not matter.
        (((10, N), (30, S), (70, S), (71, N)), 10, [30, 70, 71]),
        # Starting higher up the cycle.
        (((1, N), (2, N), (3, N), (4, S), (5, N), (6, N)), 3, [4, 5]),
        # Unavailable when the stage right above does not allow skip, even if
        # stages further up do, or the current stage itself does.
        (((1, N), (2, N), (3, S), (4, S)), 1, []),
        (((1, S), (2, N), (3, N)), 1, []),
        # Nothing above.
        (((1, N), (2, S)), 2, []),
    ],
)
def test_skip_offers_the_chain_of_skippable_stages(specs, current, expected):
    stages = make_stages(*specs)

    assert numbers(targets(Move.SKIP, stages, stage(stages, current))) == expected


# -- what is available -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (1, [Move.NEXT, Move.SKIP, Move.UPDATE]),
        (2, [Move.NEXT, Move.PREVIOUS, Move.UPDATE]),
        (3, [Move.NEXT, Move.PREVIOUS, Move.JUMP_BACK, Move.UPDATE]),
        (4, [Move.PREVIOUS, Move.JUMP_BACK, Move.UPDATE]),
    ],
)
def test_available_lists_the_moves_in_the_wizards_order(current, expected):
    stages = make_stages((1, N), (2, S), (3, N), (4, N))

    options = available(stages, stage(stages, current))

    assert list(options) == expected
    assert options[Move.UPDATE] == [stage(stages, current)]


def test_available_gives_each_move_its_targets():
    stages = make_stages((1, N), (2, N), (3, N), (4, S), (5, S), (6, N))

    options = available(stages, stage(stages, 3))

    assert {move: numbers(found) for move, found in options.items()} == {
        Move.NEXT: [4],
        Move.PREVIOUS: [2],
        Move.SKIP: [4, 5, 6],
        Move.JUMP_BACK: [1, 2],
        Move.UPDATE: [3],
    }


# -- action taken ----------------------------------------------------------------------

ACTION_STAGES = make_stages((10, N), (20, S), (30, S), (40, N), (50, N))


@pytest.mark.parametrize(
    ("move", "current", "target", "expected"),
    [
        (Move.START, None, 10, Action.FIRST),
        (Move.NEXT, 10, 20, Action.NEXT),
        (Move.PREVIOUS, 30, 20, Action.PREVIOUS),
        (Move.UPDATE, 30, 30, Action.UPDATED),
        # Skip to the adjacent stage is just "next" (Fix).
        (Move.SKIP, 10, 20, Action.NEXT),
        (Move.SKIP, 10, 30, Action.JUMPED),
        (Move.SKIP, 10, 40, Action.JUMPED),
        # Jump back to the adjacent stage is just "previous" (Fix).
        (Move.JUMP_BACK, 50, 40, Action.PREVIOUS),
        (Move.JUMP_BACK, 50, 30, Action.JUMPED),
        (Move.JUMP_BACK, 50, 10, Action.JUMPED),
    ],
)
def test_action_taken(move, current, target, expected):
    here = stage(ACTION_STAGES, current) if current else None

    result = action_taken(move, stage(ACTION_STAGES, target), ACTION_STAGES, here)

    assert result == expected


# -- what the update form proposes --------------------------------------------------


@pytest.mark.parametrize(
    ("move", "current", "expected"),
    [
        # Past the neighbour: that is what next and previous are for.
        (Move.SKIP, 10, 30),
        (Move.JUMP_BACK, 90, 30),
        (Move.NEXT, 10, 20),
        (Move.UPDATE, 35, 35),
    ],
)
def test_default_target_is_the_nearest_past_the_neighbour(move, current, expected):
    chain = make_stages((10, N), (20, S), (30, S), (35, N), (90, N))
    here = stage(chain, current)

    assert default_target(move, targets(move, chain, here)).number == expected


def test_a_skip_with_one_target_proposes_it():
    chain = make_stages((10, N), (20, S))

    assert default_target(Move.SKIP, targets(Move.SKIP, chain, chain[0])).number == 20
