"""The OpenAPI schema and docs, and the token page."""

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from api.models import ApiToken
from api.urls import router

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_without_warnings_and_lists_every_endpoint(tmp_path):
    path = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    paths = set(yaml.safe_load(path.read_text())["paths"])
    expected = {"/api/v1/leads/"}
    for prefix, viewset, _basename in router.registry:
        lookup = getattr(viewset, "lookup_field", "pk")
        lookup = "id" if lookup == "pk" else lookup
        expected |= {f"/api/v1/{prefix}/", f"/api/v1/{prefix}/{{{lookup}}}/"}
        for extra in viewset.get_extra_actions():
            expected.add(f"/api/v1/{prefix}/{{{lookup}}}/{extra.url_path}/")
    assert paths == expected


def test_the_docs_are_served_to_a_signed_in_user_from_the_packages(client, rep):
    assert client.get("/api/docs/").status_code in (401, 403)
    client.force_login(rep)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
    assert "<script>" not in html  # the start-up script is a file (CSP)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200


def test_a_user_creates_a_token_sees_it_once_and_revokes_it(client, rep, manager):
    client.force_login(rep)
    page = client.post(reverse("api:tokens"), {"name": "Website form"})
    key = page.context["key"]
    assert key.startswith("crm_") and key in page.content.decode()
    token = ApiToken.objects.get(user=rep)
    assert token.digest != key and key not in str(token.__dict__)
    again = client.get(reverse("api:tokens")).content.decode()
    assert key not in again and token.hint in again and "Website form" in again
    # Another user's token cannot be revoked from this account.
    theirs, _key = ApiToken.issue(user=manager, name="ERP")
    assert client.post(reverse("api:revoke", args=[theirs.pk])).status_code == 404
    client.post(reverse("api:revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not ApiToken.objects.usable().filter(user=rep).exists()


def test_a_token_name_is_required(client, rep):
    client.force_login(rep)
    page = client.post(reverse("api:tokens"), {"name": ""})
    assert page.context["form"].errors["name"]
    assert not ApiToken.objects.exists()
