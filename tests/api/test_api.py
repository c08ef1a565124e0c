"""The REST API: tokens, scope, every resource, the services' rules as 400/409."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.models import ApiToken
from contacts.models import Salesperson
from opportunities.models import Opportunity, Status
from tests.factories import (
    CloseReasonFactory,
    CompanyFactory,
    InteractionFactory,
    OpportunityFactory,
    TaskFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture
def cycle():
    return cycle_with_stages(code="API", is_default=True)


@pytest.fixture
def mine(rep, cycle):
    return OpportunityFactory(
        salesperson=Salesperson.objects.get(code="REP1"),
        sales_cycle=cycle,
        in_progress=True,
    )


@pytest.fixture
def theirs(cycle):
    return OpportunityFactory(sales_cycle=cycle, in_progress=True)


# -- signing in ---------------------------------------------------------------------


def test_without_a_token_nothing_is_answered(db):
    response = APIClient().get("/api/v1/opportunities/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_wrong_or_revoked_token_is_refused(rep):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer crm_not-a-token")
    assert client.get("/api/v1/opportunities/").status_code == 401
    token, key = ApiToken.issue(user=rep, name="x")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/opportunities/").status_code == 200
    token.revoke()
    assert client.get("/api/v1/opportunities/").status_code == 401


def test_a_token_is_stored_hashed_and_its_use_noted(rep):
    token, key = ApiToken.issue(user=rep, name="Website form")
    assert key.startswith("crm_") and len(key) > 40
    assert key not in token.digest and token.hint == key[:10]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    client.get("/api/v1/salespeople/")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_requests_per_token_are_limited(rep_api, settings):
    from api.auth import TokenRateThrottle

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    TokenRateThrottle.THROTTLE_RATES = {"token": "3/minute"}
    try:
        statuses = [rep_api.get("/api/v1/salespeople/").status_code for _ in range(5)]
    finally:
        TokenRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK[
            "DEFAULT_THROTTLE_RATES"
        ]
    assert statuses == [200, 200, 200, 429, 429]


# -- scope --------------------------------------------------------------------------


def test_a_rep_sees_only_his_own_opportunities_and_tasks(rep_api, mine, theirs):
    numbers = [
        row["number"] for row in rep_api.get("/api/v1/opportunities/").json()["results"]
    ]
    assert numbers == [mine.number]
    assert rep_api.get(f"/api/v1/opportunities/{theirs.number}/").status_code == 404
    TaskFactory(opportunity=theirs, salesperson=theirs.salesperson)
    own = TaskFactory(opportunity=mine, salesperson=mine.salesperson)
    tasks = rep_api.get("/api/v1/tasks/").json()["results"]
    assert [task["number"] for task in tasks] == [own.number]
    moved = rep_api.post(
        f"/api/v1/opportunities/{theirs.number}/advance/",
        {"version": theirs.version, "move": "next"},
        format="json",
    )
    assert moved.status_code == 404


def test_a_manager_sees_all(manager_api, mine, theirs):
    rows = manager_api.get("/api/v1/opportunities/").json()["results"]
    assert {row["number"] for row in rows} == {mine.number, theirs.number}


# -- reads --------------------------------------------------------------------------


def test_the_detail_has_the_history_and_tasks(rep_api, mine):
    TaskFactory(opportunity=mine, salesperson=mine.salesperson, description="Call")
    detail = rep_api.get(f"/api/v1/opportunities/{mine.number}/").json()
    assert detail["status"] == Status.IN_PROGRESS
    assert detail["stage"] == 10
    assert [entry["action_taken"] for entry in detail["history"]] == ["first"]
    assert [task["description"] for task in detail["tasks"]] == ["Call"]


def test_the_list_takes_the_list_pages_filters(manager_api, mine, theirs, cycle):
    won = OpportunityFactory(sales_cycle=cycle, won=True)
    listed = manager_api.get("/api/v1/opportunities/?status=won").json()["results"]
    assert [row["number"] for row in listed] == [won.number]
    found = manager_api.get(f"/api/v1/opportunities/?q={mine.number}").json()
    assert [row["number"] for row in found["results"]] == [mine.number]
    bad = manager_api.get("/api/v1/opportunities/?status=nonsense")
    assert bad.status_code == 400


def test_the_list_pages_with_a_cursor(manager_api, cycle):
    for _ in range(5):
        OpportunityFactory(sales_cycle=cycle)
    first = manager_api.get("/api/v1/opportunities/?page_size=2").json()
    second = manager_api.get(first["next"]).json()
    assert len(first["results"]) == len(second["results"]) == 2
    assert not {r["number"] for r in first["results"]} & {
        r["number"] for r in second["results"]
    }


LISTS = {
    # Path: its queries after signing in (token; the user's permissions twice).
    "/api/v1/opportunities/": 4,
    "/api/v1/tasks/": 4,
    "/api/v1/interactions/": 4,
    "/api/v1/contacts/": 2,
    "/api/v1/sales-cycles/": 3,
    "/api/v1/salespeople/": 2,
}


def list_queries(client) -> dict[str, int]:
    client.get("/api/v1/salespeople/")  # the token's last use, written once
    counted = {}
    for path in LISTS:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200, path
        counted[path] = len(queries)
    return counted


def make(cycle, count):
    for _ in range(count):
        opportunity = OpportunityFactory(sales_cycle=cycle, in_progress=True)
        TaskFactory(opportunity=opportunity, salesperson=opportunity.salesperson)
        InteractionFactory(opportunity=opportunity)


def test_list_endpoints_take_a_fixed_number_of_queries(manager_api, cycle):
    make(cycle, 3)
    few = list_queries(manager_api)
    make(cycle, 30)
    assert list_queries(manager_api) == few == LISTS


def test_the_set_up_reads(rep_api, cycle):
    CloseReasonFactory()
    cycles = rep_api.get("/api/v1/sales-cycles/").json()["results"]
    assert [stage["number"] for stage in cycles[0]["stages"]] == [10, 20, 30, 40]
    assert rep_api.get("/api/v1/close-reasons/PRICE/").json()["type"] == "lost"
    assert rep_api.get("/api/v1/salespeople/REP1/").json()["code"] == "REP1"
    company = CompanyFactory(name="Acme")
    assert rep_api.get(f"/api/v1/contacts/{company.number}/").json()["name"] == "Acme"


# -- writes -------------------------------------------------------------------------


def test_create_edit_and_walk_through_the_cycle(rep_api, rep, cycle):
    company = CompanyFactory()
    created = rep_api.post(
        "/api/v1/opportunities/",
        {
            "description": "Forklifts",
            "contact": company.number,
            "salesperson": "REP1",
            "sales_cycle": cycle.code,
            "estimated_value": "5000.00",
            "start": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    number, version = created.json()["number"], created.json()["version"]
    assert created.json()["stage"] == 10
    edited = rep_api.patch(
        f"/api/v1/opportunities/{number}/",
        {"version": version, "description": "Forklifts x3"},
        format="json",
    )
    assert edited.status_code == 200, edited.json()
    version = edited.json()["version"]
    moved = rep_api.post(
        f"/api/v1/opportunities/{number}/advance/",
        {"version": version, "move": "next", "estimated_value": "6000"},
        format="json",
    )
    assert moved.status_code == 200, moved.json()
    assert moved.json()["stage"] == 20
    assert moved.json()["estimated_value"] == "6000.00"
    # The change is the token's owner's, in the audit log.
    assert LogEntry.objects.filter(user=rep, object_repr__contains=number).exists()


def test_a_rule_of_the_services_is_a_400_with_field_and_code(rep_api, mine):
    refused = rep_api.post(
        f"/api/v1/opportunities/{mine.number}/advance/",
        {
            "version": mine.version,
            "move": "update",
            "estimated_value": "100",
            "chances_pct": "150",
        },
        format="json",
    )
    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert error["field"] == "chances_pct"
    assert error["code"] == "chances_out_of_range"
    assert "at most 100" in error["message"]


def test_a_stale_version_is_a_409(rep_api, mine):
    stale = rep_api.post(
        f"/api/v1/opportunities/{mine.number}/advance/",
        {"version": mine.version - 1, "move": "next"},
        format="json",
    )
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["code"] == "stale"


def test_close_and_reopen(rep_api, manager_api, mine):
    CloseReasonFactory()
    closed = rep_api.post(
        f"/api/v1/opportunities/{mine.number}/close/",
        {"version": mine.version, "outcome": "lost", "close_reason": "PRICE"},
        format="json",
    )
    assert closed.status_code == 200, closed.json()
    assert closed.json()["status"] == "lost"
    version = closed.json()["version"]
    by_rep = rep_api.post(
        f"/api/v1/opportunities/{mine.number}/reopen/",
        {"version": version, "reason": "Customer came back"},
        format="json",
    )
    assert by_rep.status_code == 403  # managers reopen
    reopened = manager_api.post(
        f"/api/v1/opportunities/{mine.number}/reopen/",
        {"version": version, "reason": "Customer came back"},
        format="json",
    )
    assert reopened.status_code == 200, reopened.json()
    assert reopened.json()["status"] == "in_progress"


def test_add_a_task_and_an_interaction_and_complete_the_task(rep_api, mine):
    task = rep_api.post(
        f"/api/v1/opportunities/{mine.number}/tasks/",
        {"description": "Send the offer", "date": TODAY.isoformat()},
        format="json",
    )
    assert task.status_code == 201, task.json()
    done = rep_api.post(f"/api/v1/tasks/{task.json()['number']}/complete/")
    assert done.status_code == 200 and done.json()["closed"] is True
    note = rep_api.post(
        f"/api/v1/opportunities/{mine.number}/interactions/",
        {"kind": "call", "description": "Talked about price"},
        format="json",
    )
    assert note.status_code == 201, note.json()
    assert Opportunity.objects.get(pk=mine.pk).interactions.count() == 1


def test_bad_input_is_a_400_with_the_fields(rep_api, mine):
    response = rep_api.post(
        f"/api/v1/opportunities/{mine.number}/advance/",
        {"move": "sideways"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"version", "move"}


def test_put_and_delete_are_not_offered(rep_api, mine):
    path = f"/api/v1/opportunities/{mine.number}/"
    assert rep_api.put(path, {}, format="json").status_code == 405
    assert rep_api.delete(path).status_code == 405


def test_estimated_values_keep_their_cents(rep_api, mine):
    detail = rep_api.get(f"/api/v1/opportunities/{mine.number}/").json()
    assert Decimal(detail["estimated_value"]) == Decimal("1000.00")
