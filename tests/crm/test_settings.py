"""Settings from the environment, checked in fresh processes of ``manage.py``.

Each run gets a clean environment (no DJANGO_* or DATABASE_URL from the
developer's shell), so what a test sees is what the settings make of the
variables it sets.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

MANAGE = Path(settings.BASE_DIR) / "manage.py"
PRINT_DATABASE = (
    "from django.conf import settings; d = settings.DATABASES['default']; "
    "print(d['ENGINE'], d['NAME'], d.get('HOST', ''), d.get('PORT', ''))"
)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"}
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        cwd=MANAGE.parent,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def production_env() -> dict[str, str]:
    return {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "crm.example.com",
    }


def test_without_debug_and_secret_key_it_refuses_to_start():
    result = manage("check")

    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is not set" in result.stderr
    assert "DJANGO_DEBUG=true for development" in result.stderr


def test_an_empty_secret_key_counts_as_none():
    result = manage("check", DJANGO_DEBUG="off", DJANGO_SECRET_KEY="")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_debug_runs_without_a_secret_key():
    result = manage("check", DJANGO_DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_pass_the_deployment_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    # HSTS preload (W021) is silenced on purpose: preloading is the domain
    # owner's decision, made with DJANGO_HSTS_PRELOAD.
    assert result.stdout.strip() == "System check identified no issues (1 silenced)."
    assert result.stderr == ""


def test_production_settings_are_strict():
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.ALLOWED_HOSTS, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )

    result = manage("shell", "--no-imports", "-c", code, **production_env())

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['crm.example.com'] True True True 31536000"


def test_database_url_is_honoured_for_postgres():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        PRINT_DATABASE,
        DJANGO_DEBUG="true",
        DATABASE_URL="postgres://crm_user:pw@db.internal:6543/crm_prod",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "crm_prod",
        "db.internal",
        "6543",
    ]


def test_without_database_url_it_uses_sqlite_in_the_project_folder():
    result = manage("shell", "--no-imports", "-c", PRINT_DATABASE, DJANGO_DEBUG="true")

    assert result.returncode == 0, result.stderr
    engine, name, *_ = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert Path(name) == MANAGE.parent / "db.sqlite3"
