"""The demo company: what ``load_demo`` writes, and that a second run writes nothing."""

import datetime
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation

from contacts.models import Contact, ContactType, Salesperson
from crm import demo
from opportunities import services
from opportunities.models import (
    Action,
    CloseReason,
    Opportunity,
    OpportunityEntry,
    SalesQuote,
    Status,
)
from salescycles.models import SalesCycle
from tests.factories import SalesCycleFactory

pytestmark = pytest.mark.django_db

FIGURES = [
    "estimated_value",
    "chances_pct",
    "completed_pct",
    "probability_pct",
    "current_value",
    "estimated_close_date",
]


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count() for model in apps.get_models()
    }


@pytest.fixture(scope="class")
def loaded(django_db_setup, django_db_blocker):
    """The demo loaded once for a class of tests, rolled back after them.

    Each test still runs in its own savepoint inside this transaction.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        output = load_demo()
        yield output
        transaction.set_rollback(True)


class TestLoadedDemo:
    @pytest.fixture
    def output(self, loaded):
        return loaded

    def test_load_demo_creates_a_small_nordic_company(self, output):
        assert "Loaded the demo company" in output
        assert Salesperson.objects.count() == 5
        assert Contact.objects.count() >= 40
        assert Contact.objects.filter(type=ContactType.COMPANY).count() == 12
        assert not Contact.objects.filter(
            type=ContactType.PERSON, company=None
        ).exists()
        assert set(Contact.objects.values_list("country", flat=True)) == {"FI"}
        assert set(SalesCycle.objects.values_list("code", flat=True)) == {
            "EXISTING",
            "FIRSTLARGE",
            "FIRSTSMALL",
        }
        for cycle in SalesCycle.objects.all():
            stages = list(cycle.stages.order_by("number"))
            assert 4 <= len(stages) <= 7, cycle.code
            assert [s.completed_pct for s in stages] == sorted(
                s.completed_pct for s in stages
            )
            assert sum(s.quote_required for s in stages) == 1, cycle.code
            assert any(s.allow_skip for s in stages), cycle.code
            assert stages[0].activity.steps.count() == 2, cycle.code
        assert set(CloseReason.objects.values_list("type", flat=True)) == {
            "won",
            "lost",
        }
        assert 55 <= Opportunity.objects.count() <= 65

    def test_every_status_and_action_is_present(self, output):
        statuses = Counter(Opportunity.objects.values_list("status", flat=True))
        assert set(statuses) == set(Status.values)
        assert min(statuses.values()) >= 5
        actions = Counter(
            OpportunityEntry.objects.values_list("action_taken", flat=True)
        )
        assert set(actions) == set(Action.values)
        assert actions[Action.REOPENED] >= 2
        reopened = Opportunity.objects.filter(entries__action_taken=Action.REOPENED)
        assert reopened.filter(status=Status.IN_PROGRESS).exists()
        assert reopened.filter(status=Status.WON).exists()
        # Reps log in to something to work on.
        for code in ("AH", "JK"):
            mine = Opportunity.objects.filter(salesperson__code=code)
            assert mine.in_progress().count() >= 5, code
            assert mine.closed().exists(), code

    def test_stages_past_the_quote_stage_were_quoted(self, output):
        # A quote-required stage allows no skip, so standing on or past it means
        # having entered it by next or skip, which needs a quote.
        for opportunity in Opportunity.objects.filter(stage__isnull=False):
            quote_stage = opportunity.sales_cycle.stages.get(quote_required=True)
            if opportunity.stage.number >= quote_stage.number:
                assert SalesQuote.objects.filter(opportunity=opportunity).exists(), (
                    opportunity.number
                )

    def test_each_history_is_a_consistent_chain(self, output):
        today = timezone.localdate()
        for opportunity in Opportunity.objects.all():
            entries = list(opportunity.entries.order_by("id"))
            number = opportunity.number
            assert today - datetime.timedelta(days=280) <= opportunity.creation_date
            assert opportunity.creation_date <= today
            if opportunity.status == Status.NOT_STARTED:
                assert entries == [], number
                continue
            assert [e.active for e in entries] == [False] * (len(entries) - 1) + [True]
            assert entries[0].previous_stage_id is None, number
            assert entries[0].date_of_change >= opportunity.creation_date, number
            for before, after in zip(entries, entries[1:], strict=False):
                assert after.previous_stage_id == before.stage_id, number
                assert after.date_of_change >= before.date_of_change, number
                assert (
                    before.days_open
                    == (after.date_of_change - before.date_of_change).days
                ), number
            active = entries[-1]
            assert active.days_open == 0
            assert active.date_of_change <= today, number
            for name in FIGURES:
                assert getattr(opportunity, name) == getattr(active, name), (
                    number,
                    name,
                )
            if opportunity.is_closed:
                assert active.action_taken == opportunity.status, number
                assert active.stage_id is None, number
                assert opportunity.stage_id == active.previous_stage_id, number
                assert opportunity.date_closed == active.date_of_change, number
                assert opportunity.close_reason_id == active.close_reason_id, number
            else:
                assert active.stage_id == opportunity.stage_id, number
                assert opportunity.date_closed is None, number
            assert not opportunity.interactions.filter(date__gt=today).exists(), number

    def test_second_run_changes_nothing(self, output):
        counts = row_counts()
        last_entry = OpportunityEntry.objects.aggregate(Max("id"))["id__max"]
        passwords = dict(get_user_model().objects.values_list("username", "password"))

        second = load_demo()

        assert "already loaded; nothing changed" in second
        assert row_counts() == counts
        assert OpportunityEntry.objects.aggregate(Max("id"))["id__max"] == last_entry
        assert (
            dict(get_user_model().objects.values_list("username", "password"))
            == passwords
        )
        assert "manager-demo" in second

    def test_logins_are_printed_and_work(self, output, client):
        assert "http://127.0.0.1:8000/" in output.splitlines()[-1]
        for login in demo.LOGINS:
            line = next(line for line in output.splitlines() if login.password in line)
            assert line.split()[:2] == [login.username, login.password]
            user = get_user_model().objects.get(username=login.username)
            assert user.is_staff is login.manager
            assert list(user.groups.values_list("name", flat=True)) == [login.group]
            assert user.salesperson.code == login.salesperson_code
            signed_in = client.post(
                "/accounts/login/",
                {"username": login.username, "password": login.password},
            )
            assert signed_in.status_code == 302
            response = client.get("/")
            visible = Opportunity.objects.all()
            if not login.manager:
                visible = visible.filter(salesperson__code=login.salesperson_code)
            assert response.context["cues"]["open_count"] == visible.open().count()
            client.logout()


def test_demo_is_not_mixed_into_a_database_with_data_of_its_own():
    SalesCycleFactory(code="OWN")
    counts = row_counts()

    output = load_demo()

    assert "The demo was not loaded" in output
    assert "sales cycles" in output
    assert row_counts() == counts


def test_a_failure_leaves_nothing_half_loaded(monkeypatch):
    counts = row_counts()

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "opportunity_reopen", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        load_demo()

    assert row_counts() == counts


def test_the_demo_company_speaks_the_language_it_is_loaded_in(db):
    with translation.override("fi"):
        demo.load()

    cycle = SalesCycle.objects.get(code="FIRSTSMALL")
    assert cycle.description == "Uusi pieni asiakas"
    assert list(cycle.stages.values_list("description", flat=True)) == [
        "Ensikontakti",
        "Esittely",
        "Tarjous",
        "Sopimuksen allekirjoitus",
    ]
    assert not Opportunity.objects.filter(description__contains="{").exists()
