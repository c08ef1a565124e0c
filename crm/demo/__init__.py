"""The demo company: a small Finnish B2B software and hardware seller.

Revontuli Solutions Oy of Tampere sells business software, warehouse hardware
and services to Finnish companies. Its five salespeople work about twelve
customer and prospect companies through NAV's three demo sales cycles.

Everything is written through the services, so the history of each
opportunity is what the pages would have written: the set-up first, then every
opportunity's story (created, started, moved on, quoted, closed, reopened) as
events replayed in date order. A fixed seed makes the stories the same on
every run; the dates are placed relative to today so the demo always looks
current.

``load()`` writes it all in one transaction. A database that already holds the
demo is left alone, and so is one holding data of its own.
"""

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, ContactType, Salesperson
from contacts.services import contact_create, salesperson_create, salesperson_update
from opportunities import services as opportunity_services
from opportunities.models import (
    CloseReason,
    CloseReasonType,
    InteractionKind,
    Opportunity,
    Status,
    Task,
)
from opportunities.moves import Move, targets
from salescycles.models import Activity, ActivityStepType, Priority, SalesCycle
from salescycles.probability import Method
from salescycles.services import activity_create, sales_cycle_create, stage_create

SEED = 20260105
URL = "http://127.0.0.1:8000/"
EMAIL_DOMAIN = "revontuli.example"
HISTORY_DAYS = 270  # creation dates fall within about the last nine months

# -- the people -------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    salesperson_code: str
    manager: bool

    @property
    def role(self) -> str:
        return _("sales manager") if self.manager else _("sales rep")

    @property
    def group(self) -> str:
        return "Sales managers" if self.manager else "Sales reps"


LOGINS = (
    DemoLogin("manager", "manager-demo", "MV", manager=True),
    DemoLogin("anna", "anna-demo", "AH", manager=False),
    DemoLogin("jussi", "jussi-demo", "JK", manager=False),
)

# code, name, job title, phone, commission %
SALESPEOPLE = (
    ("MV", "Mikko Virtanen", _("Sales Manager"), "+358 40 712 3401", "0"),
    ("AH", "Anna Heikkinen", _("Account Manager"), "+358 40 712 3402", "3.5"),
    ("JK", "Jussi Korhonen", _("Sales Representative"), "+358 40 712 3403", "4"),
    ("LN", "Liisa Nieminen", _("Key Account Manager"), "+358 40 712 3404", "3"),
    (
        "TL",
        "Tuomas Lehtonen",
        _("Inside Sales Representative"),
        "+358 40 712 3405",
        "2.5",
    ),
)

# Which cycle a company's deals run through.
CUSTOMER, LARGE, SMALL = "EXISTING", "FIRSTLARGE", "FIRSTSMALL"


@dataclass(frozen=True)
class DemoCompany:
    name: str
    street: str
    postcode: str
    city: str
    phone: str
    domain: str
    salesperson: str
    cycle: str
    persons: tuple[str, ...]


COMPANIES = (
    DemoCompany(
        "Lakeuden Logistiikka Oy", "Kauppakatu 12", "60100", "Seinäjoki",
        "+358 6 421 5500", "lakeudenlogistiikka", "AH", CUSTOMER,
        ("Matti Mäkinen", "Sanna Laine", "Pekka Järvinen"),
    ),
    DemoCompany(
        "Saimaan Puutuote Oy", "Satamatie 4", "53900", "Lappeenranta",
        "+358 5 611 2300", "saimaanpuutuote", "JK", CUSTOMER,
        ("Heidi Koskinen", "Jari Salminen"),
    ),
    DemoCompany(
        "Pohjanmaan Teräs Oy", "Teollisuuskatu 21", "65100", "Vaasa",
        "+358 6 318 7700", "pohjanmaanteras", "LN", LARGE,
        ("Kari Heinonen", "Tiina Rantanen", "Ville Hakala"),
    ),
    DemoCompany(
        "Hämeen Elintarvike Oy", "Parolantie 55", "13130", "Hämeenlinna",
        "+358 3 612 4400", "hameenelintarvike", "AH", CUSTOMER,
        ("Minna Lehtinen", "Antti Laaksonen", "Riikka Mattila"),
    ),
    DemoCompany(
        "Turun Telakkapalvelut Oy", "Telakkakatu 8", "20240", "Turku",
        "+358 2 274 9900", "turuntelakka", "JK", LARGE,
        ("Timo Saarinen", "Päivi Karjalainen"),
    ),
    DemoCompany(
        "Oulun Sähköasennus Oy", "Kiilakiventie 1", "90250", "Oulu",
        "+358 8 552 1100", "oulunsahko", "TL", SMALL,
        ("Juha Turunen", "Katja Savolainen"),
    ),
    DemoCompany(
        "Tampereen Konepaja Oy", "Hatanpään valtatie 30", "33100", "Tampere",
        "+358 3 358 6600", "tampereenkonepaja", "MV", LARGE,
        ("Markku Lindholm", "Outi Kettunen", "Sami Ahonen"),
    ),
    DemoCompany(
        "Kuopion Apteekkitukku Oy", "Savilahdentie 6", "70210", "Kuopio",
        "+358 17 288 3300", "kuopionapteekkitukku", "LN", CUSTOMER,
        ("Eija Miettinen", "Petri Hiltunen"),
    ),
    DemoCompany(
        "Espoon Kiinteistöhuolto Oy", "Keilaranta 15", "02150", "Espoo",
        "+358 9 8165 2200", "espoonkiinteistohuolto", "AH", SMALL,
        ("Laura Väisänen", "Jukka Peltonen"),
    ),
    DemoCompany(
        "Jyväskylän Kirjapaino Oy", "Vapaudenkatu 48", "40100", "Jyväskylä",
        "+358 14 337 5500", "jyvaskylankirjapaino", "JK", CUSTOMER,
        ("Hannu Kinnunen", "Satu Pesonen"),
    ),
    DemoCompany(
        "Lapin Matkailupalvelut Oy", "Koskikatu 25", "96200", "Rovaniemi",
        "+358 16 342 8800", "lapinmatkailu", "TL", SMALL,
        ("Aino Rautio", "Eero Niskanen"),
    ),
    DemoCompany(
        "Helsingin Kahvipaahtimo Oy", "Hämeentie 105", "00550", "Helsinki",
        "+358 9 7011 4400", "helsinginkahvi", "AH", SMALL,
        ("Tuula Hyvönen", "Mikael Lindqvist", "Noora Halonen"),
    ),
)  # fmt: skip

# -- the set-up -------------------------------------------------------------------

# code, description, steps: (type, description, priority, date formula)
ACTIVITIES = (
    (
        "INITIAL",
        _("Initial contact"),
        (
            (ActivityStepType.PHONE_CALL, _("Introductory phone call"), "normal", ""),
            (
                ActivityStepType.MEETING,
                _("First meeting with the customer"),
                "high",
                "1W",
            ),
        ),
    ),
    (
        "PRESENT",
        _("Presentation"),
        (
            (
                ActivityStepType.MEETING,
                _("Product presentation on site"),
                "high",
                "1W",
            ),
            (
                ActivityStepType.NONE,
                _("Send the presentation material"),
                "normal",
                "1W+2D",
            ),
        ),
    ),
    (
        "PROPOSAL",
        _("Proposal"),
        (
            (
                ActivityStepType.NONE,
                _("Prepare the proposal and the quote"),
                "high",
                "3D",
            ),
            (
                ActivityStepType.PHONE_CALL,
                _("Walk the customer through the proposal"),
                "normal",
                "1W",
            ),
            (
                ActivityStepType.PHONE_CALL,
                _("Follow up on the proposal"),
                "normal",
                "2W",
            ),
        ),
    ),
    (
        "SIGN",
        _("Sign contract"),
        (
            (ActivityStepType.MEETING, _("Contract signing meeting"), "high", "1W"),
            (
                ActivityStepType.NONE,
                _("Hand the deal over to delivery"),
                "normal",
                "2W",
            ),
        ),
    ),
)


@dataclass(frozen=True)
class DemoStage:
    number: int
    description: str
    completed: int
    chances: int
    formula: str
    activity: str = ""
    quote_required: bool = False
    allow_skip: bool = False


# code, description, probability method, stages
CYCLES = (
    (
        "EXISTING",
        _("Existing customer"),
        Method.MULTIPLY,
        (
            DemoStage(10, _("Initial contact"), 5, 40, "CM+2M", "INITIAL"),
            DemoStage(
                20, _("Presentation"), 20, 50, "CM+1M", "PRESENT", allow_skip=True
            ),
            DemoStage(
                30, _("Proposal"), 50, 60, "CM+1M", "PROPOSAL", quote_required=True
            ),
            DemoStage(40, _("Negotiation"), 75, 75, "2W", allow_skip=True),
            DemoStage(50, _("Sign contract"), 90, 90, "1W", "SIGN"),
        ),
    ),
    (
        "FIRSTLARGE",
        _("New large customer"),
        Method.MULTIPLY,
        (
            DemoStage(10, _("Initial contact"), 2, 20, "CM+3M", "INITIAL"),
            DemoStage(20, _("Needs analysis"), 10, 30, "CM+3M"),
            DemoStage(30, _("Presentation"), 25, 40, "CM+2M", "PRESENT"),
            DemoStage(40, _("Pilot workshop"), 40, 50, "CM+2M", allow_skip=True),
            DemoStage(
                50, _("Proposal"), 60, 60, "CM+1M", "PROPOSAL", quote_required=True
            ),
            DemoStage(60, _("Negotiation"), 80, 75, "2W"),
            DemoStage(70, _("Sign contract"), 95, 90, "1W", "SIGN"),
        ),
    ),
    (
        "FIRSTSMALL",
        _("New small customer"),
        Method.CHANCES,
        (
            DemoStage(10, _("Initial contact"), 10, 25, "CM+1M", "INITIAL"),
            DemoStage(
                20, _("Presentation"), 40, 50, "CM+1M", "PRESENT", allow_skip=True
            ),
            DemoStage(30, _("Proposal"), 70, 70, "2W", "PROPOSAL", quote_required=True),
            DemoStage(40, _("Sign contract"), 95, 90, "1W", "SIGN"),
        ),
    ),
)

# code, description, type, weight when picking a reason
CLOSE_REASONS = (
    ("BESTPRICE", _("Best price"), CloseReasonType.WON, 3),
    ("RELATION", _("Good relation"), CloseReasonType.WON, 4),
    ("BESTFIT", _("Best fit for the need"), CloseReasonType.WON, 3),
    ("PRICEHIGH", _("Price too high"), CloseReasonType.LOST, 3),
    ("COMPETITOR", _("Chose a competitor"), CloseReasonType.LOST, 3),
    ("NOBUDGET", _("No budget"), CloseReasonType.LOST, 2),
    ("NODECISION", _("No decision, postponed"), CloseReasonType.LOST, 2),
)

# -- what the deals are about -------------------------------------------------------

DEALS = {
    CUSTOMER: (
        (_("Additional user licences ({n})"), 4_000, 15_000),
        (_("Support agreement renewal {year}"), 8_000, 25_000),
        (_("Upgrade to ERP version 24"), 15_000, 45_000),
        (_("Handheld scanners, {n} units"), 6_000, 20_000),
        (_("Training: purchase-to-pay process"), 3_000, 8_000),
        (_("Payroll integration"), 10_000, 30_000),
        (_("Label printers for the warehouse"), 5_000, 14_000),
        (_("BI dashboards for management"), 12_000, 35_000),
        (_("EDI link to the main wholesaler"), 9_000, 28_000),
        (_("Cloud migration of the ERP"), 25_000, 60_000),
    ),
    LARGE: (
        (_("ERP implementation, phase 1"), 90_000, 250_000),
        (_("Warehouse management system"), 60_000, 180_000),
        (_("Field service mobile solution"), 40_000, 120_000),
        (_("Production planning system"), 70_000, 200_000),
        (_("Group-wide CRM roll-out"), 50_000, 150_000),
        (_("Financial consolidation project"), 45_000, 110_000),
    ),
    SMALL: (
        (_("Starter ERP package, {n} users"), 5_000, 15_000),
        (_("Web shop integration"), 4_000, 12_000),
        (_("Time tracking app"), 3_000, 9_000),
        (_("Invoice scanning service"), 3_500, 10_000),
        (_("Inventory app for one warehouse"), 6_000, 18_000),
    ),
}

NOTES = {
    InteractionKind.CALL: (
        _("Called {who} to agree on the next steps."),
        _("Phone call with {who}: the budget is confirmed for this year."),
        _("{Who} asked for references; gave two customers to call."),
        _("Short call with {who} about the timetable."),
    ),
    InteractionKind.EMAIL: (
        _("Sent the brochure and the price list to {who}."),
        _("E-mailed the meeting notes and the agreed timetable."),
        _("Answered {who}'s questions about integrations by e-mail."),
    ),
    InteractionKind.MEETING: (
        _("Meeting in {city} with {who} and their IT manager."),
        _("Demo of the warehouse module on site in {city}."),
        _("Lunch meeting with {who} in {city}."),
    ),
    InteractionKind.NOTE: (
        _("Lead from the Logistics & Supply Chain fair in Helsinki."),
        _("{Who} mentioned a cheaper offer from a competitor (about −10 %)."),
        _("Their financial year ends in December; decision expected before that."),
    ),
}

# How the 60 stories end. "reopened_*" stories close once and are reopened by
# the manager; "lost_unstarted" is closed before it ever started.
OUTCOMES = (
    ["not_started"] * 7
    + ["in_progress"] * 26
    + ["won"] * 15
    + ["lost"] * 8
    + ["lost_unstarted"]
    + ["reopened_open", "reopened_fix", "reopened_won"]
)

# -- the stories ------------------------------------------------------------------


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
            self._event("reopen")
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
            self._event("reopen")
            self._wait(2, 7)
            self._move(Move.NEXT, last)
            story.days_ago = rng.randint(1, 10)
        elif outcome == "reopened_won":
            # Lost for want of budget; won once the next budget was approved.
            self._walk_to(1)
            self._wait(5, 14)
            self._close(CloseReasonType.LOST, reason="NOBUDGET")
            self._wait(30, 60)
            self._event("reopen")
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


# -- loading ----------------------------------------------------------------------


@dataclass
class Result:
    """What ``load`` did: ``loaded``, ``already_loaded`` or ``skipped``."""

    outcome: str
    reason: str = ""
    counts: Counter = field(default_factory=Counter)


def is_loaded() -> bool:
    """The demo's salespeople and sales cycles are all there."""
    return SalesCycle.objects.filter(
        code__in=[cycle[0] for cycle in CYCLES]
    ).count() == len(CYCLES) and Salesperson.objects.filter(
        code__in=[sp[0] for sp in SALESPEOPLE]
    ).count() == len(SALESPEOPLE)


def logins() -> list[tuple[DemoLogin, Salesperson]]:
    """The demo logins with their salespeople (the demo must be loaded)."""
    people = Salesperson.objects.in_bulk(
        [login.salesperson_code for login in LOGINS], field_name="code"
    )
    return [(login, people[login.salesperson_code]) for login in LOGINS]


def _existing_data() -> list[str]:
    """What already in the database the demo would be mixed with."""
    found = [
        str(model._meta.verbose_name_plural)
        for model in (
            Salesperson,
            Contact,
            SalesCycle,
            Activity,
            CloseReason,
            Opportunity,
        )
        if model.objects.exists()
    ]
    taken = get_user_model().objects.filter(
        username__in=[login.username for login in LOGINS]
    )
    found += [
        _("user %(name)s") % {"name": name}
        for name in taken.values_list("username", flat=True)
    ]
    return found


def load(*, seed: int = SEED, today: datetime.date | None = None) -> Result:
    """Load the demo company into an empty database, in one transaction.

    Returns ``already_loaded`` without writing when the demo is there, and
    ``skipped`` when the database holds other sales data.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        if is_loaded():
            return Result("already_loaded")
        existing = _existing_data()
        if existing:
            return Result("skipped", reason=", ".join(existing))
        loader = _Loader(random.Random(seed), today)
        loader.run()
        return Result("loaded", counts=loader.counts())


class _Loader:
    def __init__(self, rng: random.Random, today: datetime.date):
        self.rng = rng
        self.today = today

    def run(self) -> None:
        self._people()
        self._contacts()
        self._setup()
        stories = StoryWriter(self.rng, self.stages).plan_all()
        self._tell(stories)

    def counts(self) -> Counter:
        counts = Counter(Opportunity.objects.values_list("status", flat=True))
        counts["salespeople"] = Salesperson.objects.count()
        counts["contacts"] = Contact.objects.count()
        counts["cycles"] = SalesCycle.objects.count()
        counts["opportunities"] = Opportunity.objects.count()
        counts["tasks"] = Task.objects.count()
        return counts

    # -- set-up -----------------------------------------------------------------

    def _people(self) -> None:
        User = get_user_model()
        names = {code: name for code, name, *_ in SALESPEOPLE}
        self.users = {}
        for login in LOGINS:
            first, last = names[login.salesperson_code].split(" ", 1)
            user = User.objects.create_user(
                username=login.username,
                password=login.password,
                email=_email(names[login.salesperson_code]),
                first_name=first,
                last_name=last,
                is_staff=login.manager,
            )
            user.groups.add(Group.objects.get(name=login.group))
            self.users[login.salesperson_code] = user
        self.manager = next(
            self.users[login.salesperson_code] for login in LOGINS if login.manager
        )
        self.salespeople = {}
        for code, name, title, phone, commission in SALESPEOPLE:
            salesperson = salesperson_create(
                user=self.manager,
                code=code,
                name=name,
                email=_email(name),
                phone=phone,
                job_title=title,
                commission_pct=Decimal(commission),
            )
            if code in self.users:
                salesperson.user = self.users[code]
                salesperson_update(user=self.manager, salesperson=salesperson)
            self.salespeople[code] = salesperson

    def _contacts(self) -> None:
        rng = self.rng
        self.contacts = {}
        for index, company in enumerate(COMPANIES):
            common = {
                "street": company.street,
                "postcode": company.postcode,
                "city": company.city,
                "country": "FI",
                "salesperson": self.salespeople[company.salesperson],
            }
            self.contacts[index, -1] = contact_create(
                user=self.manager,
                type=ContactType.COMPANY,
                name=company.name,
                email=f"info@{company.domain}.example",
                phone=company.phone,
                **common,
            )
            for person_index, name in enumerate(company.persons):
                self.contacts[index, person_index] = contact_create(
                    user=self.manager,
                    type=ContactType.PERSON,
                    name=name,
                    company=self.contacts[index, -1],
                    email=_email(name, f"{company.domain}.example"),
                    phone=company.phone,
                    mobile=f"+358 {rng.choice(['40', '44', '50'])} "
                    f"{rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                    **common,
                )

    def _setup(self) -> None:
        activities = {}
        for code, description, steps in ACTIVITIES:
            activities[code] = activity_create(
                user=self.manager,
                code=code,
                description=description,
                steps=[
                    {
                        "type": step_type,
                        "description": text,
                        "priority": priority,
                        "date_formula": formula,
                    }
                    for step_type, text, priority, formula in steps
                ],
            )
        self.cycles, self.stages = {}, {}
        for code, description, method, stages in CYCLES:
            cycle = sales_cycle_create(
                user=self.manager,
                code=code,
                description=description,
                probability_method=method,
            )
            self.cycles[code] = cycle
            self.stages[code] = [
                stage_create(
                    user=self.manager,
                    cycle=cycle,
                    number=stage.number,
                    description=stage.description,
                    completed_pct=Decimal(stage.completed),
                    chances_pct=Decimal(stage.chances),
                    activity=activities.get(stage.activity),
                    quote_required=stage.quote_required,
                    allow_skip=stage.allow_skip,
                    date_formula=stage.formula,
                )
                for stage in stages
            ]
        self.reasons = {
            code: opportunity_services.close_reason_save(
                user=self.manager,
                close_reason=CloseReason(code=code, description=text, type=kind),
            )
            for code, text, kind, _weight in CLOSE_REASONS
        }

    # -- the stories --------------------------------------------------------------

    def _tell(self, stories: list[Story]) -> None:
        """Replay every story's events in date order, as they would have happened."""
        timeline = []
        for story in stories:
            last_day = min(story.days_ago + story.span, HISTORY_DAYS)
            story.creation_date = self.today - datetime.timedelta(days=last_day)
            for order, event in enumerate(story.events):
                day = story.creation_date + datetime.timedelta(days=event.day)
                timeline.append((min(day, self.today), story.index, order, event))
        timeline.sort(key=lambda item: item[:3])
        self.opportunities: dict[int, Opportunity] = {}
        by_index = {story.index: story for story in stories}
        for date, index, _order, event in timeline:
            self._happen(by_index[index], event, date)
        self._tidy_tasks()

    def _tidy_tasks(self) -> None:
        """Most tasks of running deals older than a week are done, not all."""
        # A separate generator: what it draws depends on the tasks there are.
        rng = random.Random(SEED + 1)
        week_ago = self.today - datetime.timedelta(days=7)
        overdue = Task.objects.filter(
            opportunity__status=Status.IN_PROGRESS, closed=False, date__lt=week_ago
        ).select_related("opportunity__salesperson")
        for task in overdue.order_by("number"):
            if rng.random() < 0.8:
                user = self.users.get(task.opportunity.salesperson.code, self.manager)
                # Done a few days after it was due, never in the future.
                done = min(task.date + datetime.timedelta(days=3), self.today)
                opportunity_services.task_complete(user=user, task=task, on=done)

    def _user_for(self, story: Story):
        # Salespeople without a login report to the manager, who keys it in.
        return self.users.get(story.salesperson, self.manager)

    def _happen(self, story: Story, event: Event, date: datetime.date) -> None:
        user = self._user_for(story)
        opportunity = self.opportunities.get(story.index)
        params = dict(event.params)
        if event.kind == "create":
            self.opportunities[story.index] = opportunity_services.opportunity_create(
                user=user,
                contact=self.contacts[story.contact_key],
                salesperson=self.salespeople[story.salesperson],
                sales_cycle=self.cycles[story.cycle],
                description=story.description.format(year=date.year + 1),
                priority=story.priority,
                creation_date=date,
            )
        elif event.kind == "interaction":
            contact = self.contacts[story.contact_key]
            who = (
                contact.name.split(" ")[0]
                if contact.type == ContactType.PERSON
                else _("the customer")
            )
            opportunity_services.interaction_log(
                user=user,
                opportunity=opportunity,
                kind=params["kind"],
                description=params["template"].format(
                    who=who, Who=who[:1].upper() + who[1:], city=contact.city
                ),
                date=date,
            )
        elif event.kind == "complete_tasks":
            for task in Task.objects.filter(opportunity=opportunity, closed=False):
                opportunity_services.task_complete(user=user, task=task, on=date)
        elif event.kind == "quote":
            opportunity_services.sales_quote_create(
                user=user,
                opportunity=opportunity,
                amount=params["amount"],
                date=date,
                valid_until=date + datetime.timedelta(days=30),
                description=opportunity.description,
            )
        elif event.kind == "advance":
            target = params.pop("target", None)
            close_in = params.pop("close_in", None)
            if close_in is not None:
                params["estimated_close_date"] = date + datetime.timedelta(close_in)
            self.opportunities[story.index] = opportunity_services.opportunity_advance(
                user=user,
                opportunity=opportunity,
                target_stage=None
                if target is None
                else self.stages[story.cycle][target],
                date_of_change=date,
                **params,
            )
        elif event.kind == "close":
            self.opportunities[story.index] = opportunity_services.opportunity_close(
                user=user,
                opportunity=opportunity,
                outcome=params["outcome"],
                close_reason=self.reasons[params["reason"]],
                date_closed=date,
                sale_value=params.get("sale_value"),
            )
        elif event.kind == "reopen":
            self.opportunities[story.index] = opportunity_services.opportunity_reopen(
                user=self.manager, opportunity=opportunity, date_of_change=date
            )
        else:
            raise ValueError(f"Unknown demo event {event.kind!r}")


def _email(name: str, domain: str = EMAIL_DOMAIN) -> str:
    ascii_name = name.lower().translate(str.maketrans("äöåé", "aoae"))
    return f"{ascii_name.replace(' ', '.')}@{domain}"
