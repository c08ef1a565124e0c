"""A large, realistic data set for benchmarks, made quickly and reproducibly.

``generate(opportunities=100_000, seed=1)`` writes salespeople, companies and
their persons, three sales cycles with their stages and close reasons, and the
opportunities with consistent histories (2 to 8 entries for every started
one: started, moved on and back, estimates updated, closed, some reopened),
their tasks and interactions. Everything is written in bulk (crm/dataio/bulk.py) in
one transaction; the same seed gives the same data. Every code and number
starts with G, so ``remove()`` can take it all away again.

The histories keep the invariants the services keep (tests check them): one
active entry, the latest; dates never going back; days open adding up; the
opportunity's figures those of its active entry.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from contacts.models import Contact, ContactType, Salesperson
from crm.dataio import bulk
from opportunities.history import (
    FIGURES,
    Figures,
    entry_values,
    figures_of,
    insert_entries,
    retire,
)
from opportunities.models import (
    Action,
    CloseReason,
    CloseReasonType,
    Interaction,
    InteractionKind,
    Opportunity,
    OpportunityEntry,
    Status,
    Task,
    TaskStatus,
    furthest_stage,
)
from salescycles.models import Priority, SalesCycle, Stage
from salescycles.probability import Method

ZERO = Decimal(0)
DAY = datetime.timedelta(days=1)
PASSWORD = "generated-data-password"

# code, probability method, stages: (completed %, chances %)
CYCLES = [
    (
        "GNEW",
        Method.MULTIPLY,
        [(10, 10), (25, 25), (40, 40), (60, 55), (80, 70), (95, 90)],
    ),
    ("GEXIST", Method.ADD, [(10, 20), (30, 40), (60, 60), (90, 80)]),
    ("GSMALL", Method.CHANCES, [(20, 30), (50, 50), (75, 70), (90, 90), (95, 95)]),
]
REASONS = [
    ("GFIT", CloseReasonType.WON),
    ("GPRICE_W", CloseReasonType.WON),
    ("GREF", CloseReasonType.WON),
    ("GPRICE", CloseReasonType.LOST),
    ("GCOMP", CloseReasonType.LOST),
    ("GBUDGET", CloseReasonType.LOST),
    ("GSILENT", CloseReasonType.LOST),
]


@dataclass
class Counts:
    salespeople: int = 0
    contacts: int = 0
    opportunities: int = 0
    entries: int = 0
    tasks: int = 0
    interactions: int = 0


def generate(
    *,
    opportunities: int = 100_000,
    contacts: int = 20_000,
    salespeople: int = 50,
    seed: int = 1,
    today: datetime.date | None = None,
) -> Counts:
    """Write the data set in one transaction; return what it holds."""
    rng = random.Random(seed)
    today = today or timezone.localdate()
    now = timezone.now()
    counts = Counts()
    with (
        transaction.atomic(),
        bulk.foreign_keys_checked_at_end(
            (Opportunity, OpportunityEntry, Task, Interaction)
            if opportunities >= bulk.BULK_LOAD_ROWS
            else ()
        ),
    ):
        people = _salespeople(salespeople)
        companies, persons = _contacts(rng, contacts, people)
        cycles = _cycles()
        reasons = {
            outcome: [
                CloseReason.objects.create(
                    code=code, description=code[1:].title(), type=t
                )
                for code, t in REASONS
                if t == outcome
            ]
            for outcome in CloseReasonType.values
        }
        story = _Stories(rng, today, now, cycles, reasons, people, companies, persons)
        story.write(opportunities)
        counts.salespeople = len(people)
        counts.contacts = len(companies) + len(persons)
        counts.opportunities = opportunities
        counts.entries = story.entry_count
        counts.tasks = story.task_count
        counts.interactions = story.interaction_count
    return counts


def remove() -> None:
    """Remove everything ``generate`` wrote (its codes start with G)."""
    with transaction.atomic():
        opportunities = Opportunity.objects.filter(number__startswith="GO")
        Task.objects.filter(number__startswith="GT").delete()
        Interaction.objects.filter(opportunity__in=opportunities).delete()
        OpportunityEntry.objects.filter(opportunity__in=opportunities).delete()
        opportunities.delete()
        CloseReason.objects.filter(code__in=[code for code, _type in REASONS]).delete()
        Stage.objects.filter(cycle__code__in=[c[0] for c in CYCLES]).delete()
        SalesCycle.objects.filter(code__in=[c[0] for c in CYCLES]).delete()
        Contact.objects.filter(
            number__startswith="GC", type=ContactType.PERSON
        ).delete()
        Contact.objects.filter(number__startswith="GC").delete()
        Salesperson.objects.filter(code__startswith="GS").delete()
        get_user_model().objects.filter(username__in=["gmanager", "grep"]).delete()


def _salespeople(count: int) -> list[Salesperson]:
    users = get_user_model()
    manager = users.objects.create_user("gmanager", password=PASSWORD, is_staff=True)
    manager.groups.add(Group.objects.get(name="Sales managers"))
    rep = users.objects.create_user("grep", password=PASSWORD)
    rep.groups.add(Group.objects.get(name="Sales reps"))
    people = [
        Salesperson(code=f"GS{n:03d}", name=f"Salesperson {n}") for n in range(count)
    ]
    people[0].user = manager
    if count > 1:
        people[1].user = rep
    return Salesperson.objects.bulk_create(people)


def _contacts(rng, count, people) -> tuple[list[tuple], list[tuple]]:
    """A quarter companies, the rest their persons: (id, company id) pairs."""
    n_companies = max(1, count // 4)
    ids = bulk.allocate_ids(Contact, count)  # one call: SQLite's follow the table
    company_ids, person_ids = ids[:n_companies], ids[n_companies:]
    fields = (
        "id",
        "number",
        "type",
        "name",
        "company_id",
        "salesperson_id",
        "email",
        "phone",
        "mobile",
        "street",
        "postcode",
        "city",
        "country",
    )
    cities = ["Helsinki", "Tampere", "Turku", "Oulu", "Espoo", "Vantaa", "Lahti"]
    rows = []
    companies = []
    for n, pk in enumerate(company_ids):
        salesperson = people[n % len(people)].pk
        rows.append(
            (
                pk,
                f"GC{n:06d}",
                ContactType.COMPANY,
                f"Company {n} Oy",
                None,
                salesperson,
                f"info@company{n}.example",
                "",
                "",
                f"Katu {n}",
                f"{33100 + n % 900:05d}",
                rng.choice(cities),
                "FI",
            )
        )
        companies.append((pk, None, salesperson))
    persons = []
    for n, pk in enumerate(person_ids, start=n_companies):
        company, _none, salesperson = companies[rng.randrange(len(companies))]
        rows.append(
            (
                pk,
                f"GC{n:06d}",
                ContactType.PERSON,
                f"Person {n}",
                company,
                salesperson,
                f"person{n}@example.com",
                f"+358 40 {n:07d}",
                "",
                "",
                "",
                "",
                "FI",
            )
        )
        persons.append((pk, company, salesperson))
    bulk.insert(Contact, fields, rows)
    return companies, persons


def _cycles() -> list[tuple[SalesCycle, list[Stage]]]:
    result = []
    for code, method, stages in CYCLES:
        cycle = SalesCycle.objects.create(
            code=code, description=code[1:].title(), probability_method=method
        )
        made = Stage.objects.bulk_create(
            [
                Stage(
                    cycle=cycle,
                    number=(index + 1) * 10,
                    description=f"Stage {index + 1}",
                    completed_pct=Decimal(completed),
                    chances_pct=Decimal(chances),
                    allow_skip=index % 2 == 1,
                    date_formula="CM+1M",
                )
                for index, (completed, chances) in enumerate(stages)
            ]
        )
        result.append((cycle, made))
    return result


class _Stories:
    """Opportunities and their histories, tasks and interactions, as rows."""

    def __init__(self, rng, today, now, cycles, reasons, people, companies, persons):
        self.rng, self.today, self.now = rng, today, now
        self.cycles, self.reasons = cycles, reasons
        self.contacts = companies + persons
        self.entry_count = self.task_count = self.interaction_count = 0

    def write(self, count: int, chunk: int = 20_000) -> None:
        for start in range(0, count, chunk):
            size = min(chunk, count - start)
            ids = bulk.allocate_ids(Opportunity, size)
            opportunities, entries, tasks, interactions = [], [], [], []
            for offset, pk in enumerate(ids):
                opportunity, history = self._one(pk, start + offset)
                opportunities.append(opportunity)
                entries += [(pk, entry) for entry in history]
                self._extras(opportunity, history, tasks, interactions)
            bulk.insert(Opportunity, OPPORTUNITY_FIELDS, opportunities)
            bulk.insert(Task, TASK_FIELDS, tasks)
            bulk.insert(Interaction, INTERACTION_FIELDS, interactions)
            self.entry_count += insert_entries(entries, now=self.now)
            self.task_count += len(tasks)
            self.interaction_count += len(interactions)

    def _one(self, pk: int, n: int):
        rng = self.rng
        cycle, stages = self.cycles[n % len(self.cycles)]
        contact, company, salesperson = self.contacts[rng.randrange(len(self.contacts))]
        created = self.today - rng.randrange(5, 730) * DAY
        people = {
            "sales_cycle_id": cycle.pk,
            "contact_id": contact,
            "contact_company_id": company or contact,
            "salesperson_id": salesperson,
        }
        roll = rng.random()
        status = (
            Status.NOT_STARTED
            if roll < 0.1
            else Status.IN_PROGRESS
            if roll < 0.65
            else Status.WON
            if roll < 0.85
            else Status.LOST
        )
        history: list[dict] = []
        value = Decimal(rng.randrange(1_000, 500_000))
        index = 0
        date = created
        if status != Status.NOT_STARTED:
            # 2 to 8 entries: in progress 2 to 8 moves, closed 1 to 7 and its close.
            steps = (
                rng.randint(2, 8) if status == Status.IN_PROGRESS else rng.randint(1, 7)
            )
            span = (self.today - created).days
            gaps = sorted(rng.randrange(0, span + 1) for _ in range(steps + 1))
            action = Action.FIRST
            for step in range(steps):
                date = created + gaps[step] * DAY
                if step:
                    index, action = self._move(index, len(stages))
                    if action == Action.UPDATED:
                        value = Decimal(rng.randrange(1_000, 500_000))
                self._append(history, people, action, stages, index, date, value, cycle)
            if status != Status.IN_PROGRESS:
                date = created + gaps[steps] * DAY
                self._close(history, people, status, stages[index], date, value)
        figures = history[-1] if history else None
        by_pk = {stage.pk: stage for stage in stages}
        reached = furthest_stage(*(by_pk.get(entry["stage_id"]) for entry in history))
        opportunity = (
            pk,
            f"GO{n:07d}",
            f"Deal {n}",
            contact,
            company or contact,
            salesperson,
            cycle.pk,
            rng.choice(Priority.values),
            created,
            status,
            date if status in (Status.WON, Status.LOST) else None,
            figures["close_reason_id"] if figures else None,
            stages[index].pk if history else None,
            reached.pk if reached else None,
            *figures_of(Figures.none() if figures is None else figures).values(),
            1 + len(history),
            self.now,
            self.now,
        )
        return opportunity, history

    def _move(self, index: int, count: int) -> tuple[int, str]:
        roll = self.rng.random()
        if roll < 0.55 and index < count - 1:
            return index + 1, Action.NEXT
        if roll < 0.65 and index < count - 2:
            return index + 2, Action.JUMPED
        if roll < 0.75 and index > 0:
            return index - 1, Action.PREVIOUS
        return index, Action.UPDATED

    def _append(self, history, people, action, stages, index, date, value, cycle):
        stage = stages[index]
        figures = Figures.calculated(
            cycle,
            estimated_value=value,
            chances_pct=stage.chances_pct,
            completed_pct=stage.completed_pct,
            estimated_close_date=date + self.rng.randrange(10, 120) * DAY,
        )
        self._retire(history, date)
        previous = stages_pk(history)
        history.append(
            entry_values(
                people,
                action=action,
                stage=stage,
                previous_stage_id=previous,
                date_of_change=date,
                figures=figures,
            )
        )

    def _close(self, history, people, status, stage, date, value):
        won = status == Status.WON
        # Sold at the last estimate.
        figures = (
            Figures.won(value, date, estimate=value)
            if won
            else Figures.lost(value, date)
        )
        self._retire(history, date)
        history.append(
            entry_values(
                people,
                action=status,
                stage=None,
                previous_stage_id=stage.pk,
                date_of_change=date,
                figures=figures,
                close_reason=self.rng.choice(self.reasons[status]),
            )
        )

    @staticmethod
    def _retire(history, date):
        if history:
            retire(history[-1], date)

    def _extras(self, opportunity, history, tasks, interactions):
        """About one task and one interaction for every two started deals."""
        if not history:
            return
        pk, number = opportunity[0], opportunity[1]
        salesperson, contact = opportunity[5], opportunity[3]
        last = history[-1]["date_of_change"]
        if self.rng.random() < 0.5:
            done = opportunity[9] != Status.IN_PROGRESS or self.rng.random() < 0.5
            tasks.append(
                (
                    f"GT{self.task_count + len(tasks):07d}",
                    "phone_call",
                    f"Call about {number}",
                    last + self.rng.randrange(-10, 20) * DAY,
                    Priority.NORMAL,
                    TaskStatus.COMPLETED if done else TaskStatus.NOT_STARTED,
                    done,
                    False,
                    last if done else None,
                    salesperson,
                    contact,
                    pk,
                )
            )
        if self.rng.random() < 0.5:
            interactions.append(
                (
                    pk,
                    last,
                    self.rng.choice(InteractionKind.values),
                    f"Talked about {number}",
                    salesperson,
                    self.now,
                )
            )


def stages_pk(history: list[dict]) -> int | None:
    return history[-1]["stage_id"] if history else None


OPPORTUNITY_FIELDS = (
    "id",
    "number",
    "description",
    "contact_id",
    "contact_company_id",
    "salesperson_id",
    "sales_cycle_id",
    "priority",
    "creation_date",
    "status",
    "date_closed",
    "close_reason_id",
    "stage_id",
    "furthest_stage_id",
    *FIGURES,
    "version",
    "created_at",
    "updated_at",
)
TASK_FIELDS = (
    "number",
    "type",
    "description",
    "date",
    "priority",
    "status",
    "closed",
    "cancelled",
    "date_closed",
    "salesperson_id",
    "contact_id",
    "opportunity_id",
)
INTERACTION_FIELDS = (
    "opportunity_id",
    "date",
    "kind",
    "description",
    "salesperson_id",
    "created_at",
)
