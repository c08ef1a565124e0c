"""One-step create (issue 18): value, close date and cycle on the new form,
started at once unless unticked; the salesperson and cycle prefilled."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from opportunities.models import Opportunity, Status
from salescycles import services as cycle_services
from salescycles.models import SalesCycle
from tests.factories import (
    CompanyFactory,
    SalesCycleFactory,
    SalespersonFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db

NEW = reverse("opportunities:create")


def form_data(contact, cycle, **fields):
    return {
        "description": "Cold room",
        "contact": contact.pk,
        "sales_cycle": cycle.pk,
        "priority": "normal",
        **fields,
    }


def test_a_new_deal_is_started_at_the_first_stage_with_its_figures(client, rep):
    cycle = cycle_with_stages()
    contact = CompanyFactory()
    client.force_login(rep)
    close = timezone.localdate() + datetime.timedelta(days=30)

    response = client.post(
        NEW,
        form_data(
            contact,
            cycle,
            salesperson=rep.salesperson.pk,
            estimated_value="12500",
            estimated_close_date=close.isoformat(),
            start_now="on",
        ),
    )

    opportunity = Opportunity.objects.get()
    assert response["Location"] == reverse(
        "opportunities:detail", args=[opportunity.number]
    )
    assert opportunity.status == Status.IN_PROGRESS
    assert opportunity.stage == cycle.stages.order_by("number").first()
    assert opportunity.estimated_value == Decimal("12500")
    assert opportunity.estimated_close_date == close
    assert opportunity.entries.get().action_taken == "first"


def test_unticked_it_stays_not_started_with_its_first_estimate(client, rep):
    cycle = cycle_with_stages()
    client.force_login(rep)
    client.post(
        NEW,
        form_data(
            CompanyFactory(),
            cycle,
            salesperson=rep.salesperson.pk,
            estimated_value="500",
        ),
    )
    opportunity = Opportunity.objects.get()
    assert opportunity.status == Status.NOT_STARTED
    assert opportunity.estimated_value == Decimal("500")
    assert not opportunity.entries.exists()


def test_a_refused_start_creates_nothing(client, rep):
    empty = SalesCycleFactory()  # no stages: it cannot start
    client.force_login(rep)
    response = client.post(
        NEW,
        form_data(
            CompanyFactory(), empty, salesperson=rep.salesperson.pk, start_now="on"
        ),
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Opportunity.objects.exists()


def test_the_form_proposes_the_users_salesperson_and_the_default_cycle(
    client, rep, manager
):
    cycle_with_stages()
    default = cycle_with_stages()
    default.is_default = True
    cycle_services.sales_cycle_save(user=manager, cycle=default)
    contact = CompanyFactory(salesperson=SalespersonFactory(code="CONT"))
    client.force_login(rep)

    form = client.get(NEW, {"contact": contact.pk}).context["form"]

    assert form.initial["salesperson"] == rep.salesperson.pk
    assert form.initial["sales_cycle"] == default.pk
    assert form.fields["start_now"].initial is True
    page = client.get(NEW).content.decode()
    assert 'data-testid="cancel"' in page


def test_without_a_salesperson_of_his_own_the_contacts_is_proposed(client, manager):
    manager.salesperson.delete()
    contact = CompanyFactory(salesperson=SalespersonFactory(code="CONT"))
    client.force_login(manager)
    form = client.get(NEW, {"contact": contact.pk}).context["form"]
    assert form.initial["salesperson"] == contact.salesperson_id


def test_a_blocked_default_cycle_is_ignored_and_one_default_at_most(manager):
    first, second = cycle_with_stages(), cycle_with_stages()
    for cycle in (first, second):
        cycle.is_default = True
        cycle_services.sales_cycle_save(user=manager, cycle=cycle)
    assert list(SalesCycle.objects.filter(is_default=True)) == [second]
    assert SalesCycle.objects.default() == second
    second.blocked = True
    cycle_services.sales_cycle_save(user=manager, cycle=second)
    assert SalesCycle.objects.default() is None
