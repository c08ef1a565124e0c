"""The demo's stories: each opportunity's planned history, as events by day.

Plans depend only on the seed and the cycles' stages; the loader
(crm/demo/loader.py) places them relative to today and replays them.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from crm.demo.data import CLOSE_REASONS, COMPANIES, DEALS, NOTES, OUTCOMES
from opportunities.models import CloseReasonType, InteractionKind
from opportunities.moves import Move, targets
from salescycles.models import Priority


@dataclass
class Event:
    """One thing that happens to an opportunity, ``day`` days after its creation."""

    day: int
    kind: str
    params: dict = field(default_factory=dict)


@dataclass
class Story:
    index: int
    contact_key: tuple[int, int]  # (company, person or -1 for the company)
    salesperson: str
    cycle: str
    description: str
    priority: str
    outcome: str
    events: list[Event] = field(default_factory=list)
    days_ago: int = 0  # of the last event
    creation_date: datetime.date | None = None

    @property
    def span(self) -> int:
        return self.events[-1].day if self.events else 0


def _round(value: float, step: int) -> Decimal:
    """A planned amount: a whole multiple of ``step`` (the float only picks it)."""
    return Decimal(max(step, round(value / step) * step))


class StoryWriter:
    """Plans each opportunity's history with its own moves and gaps.

    Plans depend only on the seed and the cycles' stages, never on the date,
    so every run tells the same stories, placed relative to today.
    """

    def __init__(self, rng: random.Random, cycles: dict):
        self.rng = rng
        self.cycles = cycles  # code -> list of Stage in number order

    def plan_all(self) -> list[Story]:
        rng = self.rng
        outcomes = list(OUTCOMES)
        rng.shuffle(outcomes)
        weights = [len(company.persons) + 1 for company in COMPANIES]
        stories = []
        for index, outcome in enumerate(outcomes):
            company_index = rng.choices(range(len(COMPANIES)), weights)[0]
            company = COMPANIES[company_index]
            person = rng.randrange(-1, len(company.persons))
            salesperson = company.salesperson
            if rng.random() < 0.1:
                salesperson = rng.choice(["AH", "JK", "LN", "TL"])
            template, low, high = rng.choice(DEALS[company.cycle])
            description = template.format(
                # {year}, the year after creation, is filled in at creation.
                n=rng.choice([5, 10, 12, 15, 20, 25, 40]),
                year="{year}",
            )
            priority = rng.choices(
                [Priority.LOW, Priority.NORMAL, Priority.HIGH], [2, 6, 2]
            )[0]
            story = Story(
                index=index,
                contact_key=(company_index, person),
                salesperson=salesperson,
                cycle=company.cycle,
                description=description,
                priority=priority,
                outcome=outcome,
            )
            self._plan(story, Decimal(rng.randint(low, high)))
            stories.append(story)
        return stories

    # Each helper appends events; ``self.day`` is the day of the last one.

    def _plan(self, story: Story, value: Decimal) -> None:
        rng = self.rng
        self.story, self.day = story, 0
        self.stages = self.cycles[story.cycle]
        self.current = None  # index into self.stages
        self.quoted = False
        self.value = _round(float(value), 100)
        self._event("create")
        if rng.random() < 0.4:
            self._interaction()
        last = len(self.stages) - 1
        outcome = story.outcome
        if outcome == "not_started":
            story.days_ago = rng.randint(0, 30)
            return
        if outcome == "lost_unstarted":
            self._wait(3, 20)
            self._interaction(kind=InteractionKind.NOTE)
            self._close(CloseReasonType.LOST, reason="NOBUDGET")
            story.days_ago = rng.randint(20, 200)
            return
        self._wait(0, 7)
        self._start()
        if outcome == "in_progress":
            goal = rng.choices(
                range(len(self.stages)), [4, 4, 4, 3, 3, 2, 2][: last + 1]
            )[0]
            self._walk_to(goal)
            if rng.random() < 0.5:
                self._wait(2, 10)
                self._update(close_in=rng.randint(14, 90))
            story.days_ago = rng.randint(0, 40)
        elif outcome == "won":
            self._walk_to(last if rng.random() < 0.8 else last - 1)
            self._wait(3, 14)
            self._close(CloseReasonType.WON)
            story.days_ago = rng.randint(3, 220)
        elif outcome == "lost":
            self._walk_to(rng.randint(0, last))
            self._wait(3, 21)
            self._close(CloseReasonType.LOST)
            story.days_ago = rng.randint(3, 220)
        elif outcome == "reopened_open":
            # Lost on price; the customer came back with a new budget.
            self._walk_to(min(last, 2))
            self._wait(3, 10)
            self._close(CloseReasonType.LOST, reason="PRICEHIGH")
            self._wait(14, 30)
            self._event("reopen", why=_("The customer came back with a new budget."))
            self._wait(1, 5)
            self.value = _round(float(self.value) * 0.85, 100)
            self._update(close_in=45)
            story.days_ago = rng.randint(2, 15)
        elif outcome == "reopened_fix":
            # Closed as won a stage too early: the contract was not signed yet.
            self._walk_to(last - 1)
            self._wait(2, 6)
            self._close(CloseReasonType.WON, reason="RELATION")
            self._wait(1, 3)
            self._event(
                "reopen", why=_("Closed too early: the contract is not signed.")
            )
            self._wait(2, 7)
            self._move(Move.NEXT, last)
            story.days_ago = rng.randint(1, 10)
        elif outcome == "reopened_won":
            # Lost for want of budget; won once the next budget was approved.
            self._walk_to(1)
            self._wait(5, 14)
            self._close(CloseReasonType.LOST, reason="NOBUDGET")
            self._wait(30, 60)
            self._event("reopen", why=_("The next budget was approved."))
            self._walk_to(last)
            self._wait(3, 10)
            self._close(CloseReasonType.WON, reason="RELATION")
            story.days_ago = rng.randint(5, 40)

    def _event(self, what: str, /, **params) -> None:
        self.story.events.append(Event(self.day, what, params))

    def _wait(self, low: int, high: int) -> None:
        self.day += self.rng.randint(low, high)

    def _interaction(self, kind: str | None = None) -> None:
        rng = self.rng
        kind = kind or rng.choice(list(InteractionKind))
        self._event("interaction", kind=kind, template=rng.choice(NOTES[kind]))

    def _before_move(self) -> None:
        """A few days pass, something is logged, the stage's tasks get done."""
        self._wait(2, 14)
        if self.rng.random() < 0.5:
            self._interaction()
        if self.rng.random() < 0.85:
            self._event("complete_tasks")

    def _start(self) -> None:
        # Now and then the value is not known yet at the first contact, as NAV
        # allows; the next move gives it.
        value = Decimal(0) if self.rng.random() < 0.15 else self.value
        self._event("advance", move=Move.START, estimated_value=value)
        self.current = 0

    def _move(self, move: str, target: int) -> None:
        stage = self.stages[target]
        if move in (Move.NEXT, Move.SKIP) and stage.quote_required and not self.quoted:
            self.value = _round(float(self.value) * self.rng.uniform(0.9, 1.1), 10)
            self._event("quote", amount=self.value)
            self.quoted = True
        self._event("advance", move=move, target=target, estimated_value=self.value)
        self.current = target

    def _options(self, move: str) -> list[int]:
        current = self.stages[self.current]
        reachable = targets(move, self.stages, current)
        return [self.stages.index(stage) for stage in reachable]

    def _walk_to(self, goal: int) -> None:
        """Move from the current stage to ``goal``, with the odd detour."""
        rng = self.rng
        detours = 0
        while self.current < goal:
            self._before_move()
            roll = rng.random()
            skips = [i for i in self._options(Move.SKIP) if i <= goal]
            if roll < 0.07 and detours == 0 and self._options(Move.PREVIOUS):
                detours += 1
                self._move(Move.PREVIOUS, self.current - 1)
            elif roll < 0.11 and detours == 0 and self._options(Move.JUMP_BACK):
                detours += 1
                self._move(Move.JUMP_BACK, rng.choice(self._options(Move.JUMP_BACK)))
            elif roll < 0.35 and len(skips) > 1:
                self._move(Move.SKIP, skips[-1])
            elif roll < 0.5:
                self._update()
            else:
                self._move(Move.NEXT, self.current + 1)

    def _update(self, close_in: int | None = None) -> None:
        """New estimates at the same stage: value, sometimes chances or close date."""
        rng = self.rng
        if rng.random() < (0.3 if self.quoted else 0.8):
            self.value = _round(float(self.value) * rng.uniform(0.8, 1.25), 100)
        params: dict = {"estimated_value": self.value}
        if rng.random() < 0.4:
            chances = int(self.stages[self.current].chances_pct) + rng.choice([-10, 10])
            params["chances_pct"] = Decimal(min(95, max(5, chances)))
        if close_in is not None:
            params["close_in"] = close_in
        self._event("advance", move=Move.UPDATE, target=self.current, **params)

    def _close(self, outcome: str, reason: str | None = None) -> None:
        rng = self.rng
        if reason is None:
            choices = [r for r in CLOSE_REASONS if r[2] == outcome]
            reason = rng.choices([r[0] for r in choices], [r[3] for r in choices])[0]
        params: dict = {"outcome": outcome, "reason": reason}
        if outcome == CloseReasonType.WON:
            # Half of the deals get a last discount when signing.
            discount = rng.uniform(0.93, 1) if rng.random() < 0.5 else 1
            params["sale_value"] = _round(float(self.value) * discount, 10)
        self._event("close", **params)
