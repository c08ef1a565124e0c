"""factory-boy factories for every model, with traits for opportunity states.

States are reached through the services, never by setting fields, so a
``won`` opportunity has the history a real one would.
"""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from contacts.models import Contact, ContactType, Salesperson
from opportunities import services
from opportunities.models import (
    CloseReason,
    CloseReasonType,
    Interaction,
    InteractionKind,
    Opportunity,
    SalesQuote,
    Task,
)
from opportunities.moves import Move
from salescycles.models import Activity, ActivityStep, SalesCycle, Stage

START_DATE = datetime.date(2026, 1, 5)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("secret-pass-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        """``role="Sales reps"`` or ``role="Sales managers"`` joins that group."""
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
            if extracted == "Sales managers":
                self.is_staff = True
                self.save(update_fields=["is_staff"])


class SalespersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Salesperson

    code = factory.Sequence(lambda n: f"SP{n:03d}")
    name = factory.Faker("name")
    email = factory.LazyAttribute(lambda sp: f"{sp.code.lower()}@example.com")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    number = factory.Sequence(lambda n: f"C{n:06d}")
    type = ContactType.COMPANY
    name = factory.Faker("company")


class PersonFactory(CompanyFactory):
    type = ContactType.PERSON
    name = factory.Faker("name")
    company = factory.SubFactory(CompanyFactory)


class SalesCycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesCycle

    code = factory.Sequence(lambda n: f"CYC{n}")
    description = "Test cycle"


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage

    cycle = factory.SubFactory(SalesCycleFactory)
    number = factory.Sequence(lambda n: n + 1)
    description = factory.LazyAttribute(lambda s: f"Stage {s.number}")
    completed_pct = Decimal(10)
    chances_pct = Decimal(50)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    code = factory.Sequence(lambda n: f"ACT{n}")
    description = "Activity"


class ActivityStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityStep

    activity = factory.SubFactory(ActivityFactory)
    step_no = factory.Sequence(lambda n: n + 1)
    description = factory.LazyAttribute(lambda s: f"Step {s.step_no}")


class CloseReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CloseReason
        django_get_or_create = ["code"]

    code = "PRICE"
    description = "Price"
    type = CloseReasonType.LOST

    class Params:
        won = factory.Trait(code="WON", description="won", type=CloseReasonType.WON)


def cycle_with_stages(*specs, **cycle_fields) -> SalesCycle:
    """A cycle with stages from (number, completed %, chances %, options) tuples.

    Without specs: stages 10, 20, 30, 40 at 10/25/50/80 % completed and
    20/40/60/80 % chances, none skippable.
    """
    cycle = SalesCycleFactory(**cycle_fields)
    specs = specs or (
        (10, 10, 20, {}),
        (20, 25, 40, {}),
        (30, 50, 60, {}),
        (40, 80, 80, {}),
    )
    for number, completed, chances, options in specs:
        StageFactory(
            cycle=cycle,
            number=number,
            completed_pct=Decimal(completed),
            chances_pct=Decimal(chances),
            **options,
        )
    return cycle


class OpportunityFactory(factory.django.DjangoModelFactory):
    """A not-started opportunity made by ``opportunity_create``.

    Traits reach a state through the services: ``in_progress`` (started, value
    1,000), ``won`` and ``lost``.
    """

    class Meta:
        model = Opportunity
        skip_postgeneration_save = True

    description = factory.Sequence(lambda n: f"Deal {n}")
    contact = factory.SubFactory(CompanyFactory)
    salesperson = factory.SubFactory(SalespersonFactory)
    sales_cycle = factory.LazyFunction(cycle_with_stages)
    creation_date = START_DATE
    # Not model fields: _create takes them out to drive the services. (Params
    # would never reach _create, so the traits would do nothing.)
    started = False
    closed = None

    class Params:
        in_progress = factory.Trait(started=True)
        won = factory.Trait(started=True, closed=CloseReasonType.WON)
        lost = factory.Trait(started=True, closed=CloseReasonType.LOST)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        started = kwargs.pop("started", False)
        closed = kwargs.pop("closed", None)
        opportunity = services.opportunity_create(user=None, **kwargs)
        if started:
            opportunity = services.opportunity_advance(
                user=None,
                opportunity=opportunity,
                move=Move.START,
                date_of_change=START_DATE,
                estimated_value=Decimal(1000),
            )
        if closed:
            reason = CloseReasonFactory(
                code=closed.upper(), description=str(closed), type=closed
            )
            opportunity = services.opportunity_close(
                user=None,
                opportunity=opportunity,
                outcome=closed,
                close_reason=reason,
                date_closed=START_DATE + datetime.timedelta(days=10),
            )
        return opportunity


class SalesQuoteFactory(factory.django.DjangoModelFactory):
    """A quote linked by ``sales_quote_create`` to an opportunity in progress."""

    class Meta:
        model = SalesQuote

    opportunity = factory.SubFactory(OpportunityFactory, in_progress=True)
    amount = Decimal(2500)
    date = START_DATE

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.sales_quote_create(user=None, **kwargs)


class TaskFactory(factory.django.DjangoModelFactory):
    """A task made by ``task_create``, on an opportunity in progress by default.

    Traits close it through the services: ``completed`` and ``cancelled``.
    """

    class Meta:
        model = Task

    description = factory.Sequence(lambda n: f"Task {n}")
    date = START_DATE
    opportunity = factory.SubFactory(OpportunityFactory, in_progress=True)

    finish = None  # taken out by _create, as OpportunityFactory's ``started``

    class Params:
        completed = factory.Trait(finish=services.task_complete)
        cancelled = factory.Trait(finish=services.task_cancel)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        finish = kwargs.pop("finish", None)
        task = services.task_create(user=None, **kwargs)
        return finish(user=None, task=task) if finish else task


class InteractionFactory(factory.django.DjangoModelFactory):
    """An interaction logged by ``interaction_log`` on an opportunity in progress."""

    class Meta:
        model = Interaction

    opportunity = factory.SubFactory(OpportunityFactory, in_progress=True)
    kind = InteractionKind.NOTE
    description = factory.Sequence(lambda n: f"Note {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.interaction_log(user=None, **kwargs)
