"""A client that knows only the documented API, over real HTTP: a web form's
lead is taken, walked through its cycle and won."""

import json
import urllib.request

import pytest

from api.models import ApiToken
from tests.factories import (
    CloseReasonFactory,
    SalespersonFactory,
    UserFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class Api:
    def __init__(self, base: str, key: str):
        self.base, self.key = base, key

    def call(self, method: str, path: str, body=None, **headers):
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "Authorization": f"Bearer {self.key}",
                "Content-Type": "application/json",
                **headers,
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())


def test_a_lead_is_taken_walked_through_its_cycle_and_won(live_server, settings):
    cycle_with_stages(code="WEB", is_default=True)
    settings.CRM_LEAD_SALESPERSON = SalespersonFactory(code="INBOX").code
    CloseReasonFactory(won=True)
    # The website's integration user: a manager, who sees every lead.
    webform = UserFactory(username="webform", role="Sales managers")
    _token, key = ApiToken.issue(user=webform, name="Website form")
    api = Api(live_server.url, key)

    status, lead = api.call(
        "POST",
        "/api/v1/leads/",
        {
            "name": "Aino Virtanen",
            "email": "aino@example.fi",
            "company": "Virtanen Oy",
            "description": "Forklifts",
        },
        **{"Idempotency-Key": "web-1"},
    )
    assert status == 201
    number = lead["opportunity"]["number"]
    version = lead["opportunity"]["version"]

    _status, cycle = api.call("GET", "/api/v1/sales-cycles/WEB/")
    stages = [stage["number"] for stage in cycle["stages"]]
    _status, deal = api.call(
        "POST",
        f"/api/v1/opportunities/{number}/advance/",
        {"version": version, "move": "start", "estimated_value": "25000"},
    )
    while deal["stage"] != stages[-1]:
        _status, deal = api.call(
            "POST",
            f"/api/v1/opportunities/{number}/advance/",
            {"version": deal["version"], "move": "next"},
        )
    _status, deal = api.call(
        "POST",
        f"/api/v1/opportunities/{number}/close/",
        {"version": deal["version"], "outcome": "won", "close_reason": "WON"},
    )
    assert deal["status"] == "won"

    _status, detail = api.call("GET", f"/api/v1/opportunities/{number}/")
    actions = [entry["action_taken"] for entry in detail["history"]]
    assert actions == ["first", "next", "next", "next", "won"]
