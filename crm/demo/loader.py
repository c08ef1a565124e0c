"""Loading the demo: the set-up and every story written through the services.

``load()`` writes it all in one transaction; ``is_loaded()`` and ``logins()``
tell what is there.
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
from crm.demo.data import (
    ACTIVITIES,
    CLOSE_REASONS,
    COMPANIES,
    CYCLES,
    EMAIL_DOMAIN,
    LOGINS,
    SALESPEOPLE,
    DemoLogin,
)
from crm.demo.stories import Event, Story, StoryWriter
from opportunities import services as opportunity_services
from opportunities.models import CloseReason, Opportunity, Status, Task
from salescycles.models import Activity, SalesCycle
from salescycles.services import activity_create, sales_cycle_create, stage_create

SEED = 20260105
HISTORY_DAYS = 270  # creation dates fall within about the last nine months


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
                user=self.manager,
                opportunity=opportunity,
                reason=str(params["why"]),
                date_of_change=date,
            )
        else:
            raise ValueError(f"Unknown demo event {event.kind!r}")


def _email(name: str, domain: str = EMAIL_DOMAIN) -> str:
    ascii_name = name.lower().translate(str.maketrans("äöåé", "aoae"))
    return f"{ascii_name.replace(' ', '.')}@{domain}"
