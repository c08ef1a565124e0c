"""Safe by default: sign-in everywhere, throttled sign-in, escaping, headers,
the Content Security Policy, oversized input, static files for production."""

import re
from decimal import Decimal
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.backends import ModelBackend
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from contacts.models import Salesperson
from opportunities import services
from opportunities.moves import Move
from tests.factories import (
    CompanyFactory,
    OpportunityFactory,
    PersonFactory,
    TaskFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db

# Pages anyone may open: signing in, and choosing the language to sign in in.
PUBLIC = {"login", "logout", "set_language"}
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def url_names(patterns=None, prefix=""):
    """(name, pattern) of every named URL the project serves."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from url_names(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{prefix}{pattern.name}", pattern


def example_url(name, pattern) -> str:
    """The URL with a made-up value for each of its parameters."""
    values = {
        key: 1 if converter.__class__.__name__ == "IntConverter" else "X1"
        for key, converter in pattern.pattern.converters.items()
    }
    return reverse(name, kwargs=values)


def test_every_url_but_signing_in_refuses_anonymous_users(client, db):
    checked = 0
    for name, pattern in url_names():
        if name.split(":")[-1] in PUBLIC:
            continue
        try:
            path = example_url(name, pattern)
        except Exception:  # a pattern the admin builds for its own views
            continue
        # The API answers 401 (sign in with a token), not a redirect.
        refused = (302, 403, 405, 401) if path.startswith("/api/") else (302, 403, 405)
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code in refused, (name, response.status_code)
            if response.status_code == 302:
                assert "login" in response["Location"], name
        checked += 1
    assert checked > 40


def test_there_is_no_password_reset_by_email(client, db):
    assert client.get("/accounts/password_reset/").status_code == 404


TOKEN = re.compile(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+')


def unmasked(page: str) -> str:
    """The page without its CSRF tokens (masked anew on every page)."""
    return TOKEN.sub(r"\1", page)


@pytest.fixture
def others(db):
    """Another rep's opportunity, with a task, of a recognisable description."""
    opportunity = OpportunityFactory(in_progress=True, description="Secret deal Z9")
    return opportunity, TaskFactory(opportunity=opportunity)


def test_another_reps_numbers_are_a_404_that_names_nothing(client, rep, others):
    opportunity, task = others
    client.force_login(rep)
    paths = [
        reverse(f"opportunities:{name}", args=[opportunity.number])
        for name in ("detail", "edit", "advance", "close", "quote", "interaction")
    ] + [
        reverse("opportunities:task", args=[opportunity.number]),
        reverse("opportunities:reopen", args=[opportunity.number]),
        reverse("opportunities:delete", args=[opportunity.number]),
        reverse("opportunities:task_complete", args=[task.number]),
        reverse("opportunities:task_cancel", args=[task.number]),
    ]
    for path in paths:
        for method in (client.get, client.post):
            response = method(path)
            if response.status_code == 405:
                continue
            assert response.status_code == 404, path
            # The same page as for a number nobody has: nothing tells the
            # opportunity exists (the path itself is only echoed back).
            nobody = method(
                path.replace(opportunity.number, "OP999999").replace(
                    task.number, "TD999999"
                )
            )
            page = response.content.decode()
            assert "Secret deal" not in page, path
            anonymous = page.replace(opportunity.number, "OP999999")
            anonymous = anonymous.replace(task.number, "TD999999")
            assert unmasked(anonymous) == unmasked(nobody.content.decode()), path
    listed = client.get(reverse("opportunities:list"), {"format": "csv"})
    assert opportunity.number not in listed.content.decode()


@pytest.fixture
def hostile(manager):
    """A company, person and opportunity whose names are markup."""
    company = CompanyFactory(name=HOSTILE)
    person = PersonFactory(name=HOSTILE, company=company)
    opportunity = OpportunityFactory(
        contact=person,
        salesperson=Salesperson.objects.get(user=manager),
        sales_cycle=cycle_with_stages(description=HOSTILE),
        description=HOSTILE,
    )
    services.opportunity_advance(
        user=manager,
        opportunity=opportunity,
        move=Move.START,
        estimated_value=Decimal(500),
    )
    return opportunity


def test_text_from_users_and_imports_is_escaped_everywhere(client, manager, hostile):
    client.force_login(manager)
    pages = [
        reverse("home"),
        reverse("opportunities:list"),
        reverse("opportunities:board_cycle", args=[hostile.sales_cycle.code]),
        reverse("opportunities:detail", args=[hostile.number]),
        reverse("opportunities:advance", args=[hostile.number]),
        reverse("contacts:list"),
        reverse("contacts:detail", args=[hostile.contact.number]),
        reverse("contacts:detail", args=[hostile.contact_company.number]),
        reverse("statistics:contacts"),
        reverse("statistics:cycles"),
        reverse("statistics:matrix") + "?rows=contact",
        reverse("statistics:forecast"),
        reverse("admin:opportunities_opportunity_changelist"),
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        assert "<script>alert" not in page, path
        assert "<img src=x" not in page, path
    escaped = client.get(reverse("opportunities:detail", args=[hostile.number]))
    assert "&lt;script&gt;alert" in escaped.content.decode()
    # The picker's search answers JSON, which its script shows as text.
    found = client.get(reverse("contacts:search"), {"q": "<script"})
    assert found["Content-Type"] == "application/json"
    assert found.json()["results"][0]["name"] == HOSTILE


def test_pages_carry_the_security_headers_and_a_strict_csp(client, manager, hostile):
    client.force_login(manager)

    response = client.get(reverse("opportunities:detail", args=[hostile.number]))

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>")
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"")


def test_no_page_needs_inline_script_or_style(client, manager, hostile):
    client.force_login(manager)
    pages = [
        reverse("home"),
        reverse("opportunities:list"),
        reverse("opportunities:board"),
        reverse("opportunities:detail", args=[hostile.number]),
        reverse("opportunities:advance", args=[hostile.number]),
        reverse("opportunities:close", args=[hostile.number]),
        reverse("opportunities:create"),
        reverse("opportunities:tasks"),
        reverse("contacts:list"),
        reverse("contacts:create"),
        reverse("statistics:overview"),
        reverse("statistics:win_rate"),
        reverse("statistics:matrix"),
        reverse("password_change"),
        reverse("admin:index"),
        reverse("admin:contacts_contact_changelist"),
        reverse("admin:salescycles_salescycle_changelist"),
    ]
    for path in pages:
        page = client.get(path).content.decode()
        assert not INLINE_SCRIPT.search(page), path
        assert not INLINE_STYLE.search(page), path


# -- sign-in throttling ---------------------------------------------------------------


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_five_failed_sign_ins_lock_that_username_out_with_a_clear_message(client, rep):
    for _ in range(4):
        assert sign_in(client, "rep1", "wrong").status_code == 200
    locked = sign_in(client, "rep1", "wrong")
    still = sign_in(client, "rep1", "secret-pass-123")

    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()
    assert still.status_code == 429  # even the right password, for now


def test_a_lockout_is_for_that_username_only(client, rep, manager):
    for _ in range(5):
        sign_in(client, "rep1", "wrong")

    assert sign_in(client, "manager", "secret-pass-123").status_code == 302


def test_a_forged_forwarded_address_does_not_escape_the_lockout(client, rep):
    for n in range(5):
        client.post(
            reverse("login"),
            {"username": "rep1", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )

    response = client.post(
        reverse("login"),
        {"username": "rep1", "password": "secret-pass-123"},
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )

    assert response.status_code == 429


def test_many_usernames_failing_from_one_address_pause_that_address(
    client, rep, settings
):
    settings.SIGNIN_FAILURES_PER_ADDRESS = 8
    for n in range(8):  # password spraying: a new username each time
        assert sign_in(client, f"guess{n}", "Winter2026!").status_code == 200

    paused = sign_in(client, "rep1", "secret-pass-123")
    elsewhere = client.post(
        reverse("login"),
        {"username": "rep1", "password": "secret-pass-123"},
        REMOTE_ADDR="192.0.2.7",
    )

    assert paused.status_code == 429
    assert "Too many sign-ins from your address failed" in paused.content.decode()
    assert elsewhere.status_code == 302  # another address signs in as before


def test_a_paused_address_costs_no_password_hash_and_writes_nothing(
    client, rep, settings, django_assert_max_num_queries
):
    settings.SIGNIN_FAILURES_PER_ADDRESS = 3
    for n in range(3):
        sign_in(client, f"guess{n}", "wrong")
    attempts = AccessAttempt.objects.count()

    with (
        mock.patch.object(ModelBackend, "authenticate", side_effect=AssertionError),
        django_assert_max_num_queries(2),
    ):
        assert sign_in(client, "someone-else", "wrong").status_code == 429
    assert AccessAttempt.objects.count() == attempts


def test_failures_older_than_the_cool_off_no_longer_pause_the_address(
    client, rep, settings
):
    settings.SIGNIN_FAILURES_PER_ADDRESS = 3
    for n in range(3):
        sign_in(client, f"guess{n}", "wrong")
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME
    )

    assert sign_in(client, "rep1", "secret-pass-123").status_code == 302


def refuse_writes(execute, sql, params, many, context):
    """A database in read-only mode (a fail-over, a restore): reads only."""
    if sql.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
        raise OperationalError("cannot execute a write in a read-only transaction")
    return execute(sql, params, many, context)


@pytest.mark.parametrize("password", ["wrong", "secret-pass-123"])
def test_signing_in_while_the_database_is_read_only_says_try_again_later(
    client, rep, password
):
    with connection.execute_wrapper(refuse_writes):
        page = client.get(reverse("login"))
        response = sign_in(client, "rep1", password)

    assert page.status_code == 200
    assert response.status_code == 503
    assert "Signing in is not possible just now" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_overlong_username_is_a_field_error_not_an_attempt_on_record(client, rep):
    response = sign_in(client, "x" * 5000, "wrong")

    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert not AccessAttempt.objects.exists()


# -- oversized and malformed input ----------------------------------------------------


def test_an_oversized_request_is_refused_not_a_server_error(client, rep):
    client.force_login(rep)

    response = client.post(
        reverse("opportunities:create"), {"description": "x" * 3_000_000}
    )

    assert response.status_code == 400


def test_an_overlong_field_is_a_field_error(client, rep):
    client.force_login(rep)

    response = client.post(
        reverse("opportunities:create"),
        {"description": "x" * 10_000, "contact": "999999", "salesperson": "-1"},
    )

    assert response.status_code == 200
    assert "description" in response.context["form"].errors


@pytest.mark.parametrize(
    "params",
    [
        {"page": "99999999999999999999"},
        {"o": "'; DROP TABLE x;--"},
        {"value_min": "1e9999"},
        {"close_from": "0000-00-00"},
        {"stage": "abc"},
        {"q": "\x00" * 10},
    ],
)
def test_malformed_list_parameters_are_not_a_server_error(client, rep, params):
    client.force_login(rep)

    response = client.get(reverse("opportunities:list"), params)

    assert response.status_code in (200, 400, 404)


# -- static files in production -------------------------------------------------------


def test_collectstatic_writes_hashed_and_compressed_files(tmp_path):
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        },
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)

    css = {path.name for path in (tmp_path / "css").iterdir()}
    assert any(re.fullmatch(r"crm\.[0-9a-f]{12}\.css", name) for name in css)
    assert any(name.endswith(".css.gz") for name in css)
    assert (tmp_path / "staticfiles.json").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/opportunities/OP%00/",
        "/contacts/search/?q=%00",
        "/opportunities/?q=a%00b",
        "/statistics/matrix/?salesperson=%00",
    ],
)
def test_a_nul_character_anywhere_is_a_bad_request(client, rep, path):
    client.force_login(rep)

    assert client.get(path).status_code == 400
