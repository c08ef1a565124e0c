"""The registry finds each app's importers; the framework imports no app."""

import ast
import subprocess
import sys
from pathlib import Path

from crm.dataio import registry


def test_the_kinds_come_from_the_apps_in_the_order_a_full_load_needs():
    assert list(registry()) == [
        "salespeople",
        "contacts",
        "activities",
        "sales-cycles",
        "stages",
        "close-reasons",
        "opportunities",
        "opportunity-entries",
        "quotes",
        "tasks",
        "interactions",
    ]


APPS = ("contacts", "salescycles", "opportunities")
PACKAGE = Path(__file__).resolve().parents[3] / "crm" / "dataio"


def test_no_framework_module_names_an_app_even_inside_a_function():
    named = []
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            named += [f"{path.name}: {n}" for n in names if n.split(".")[0] in APPS]
    assert named == []


def test_the_framework_imports_no_app_module():
    """Apps import crm.dataio, never the other way round (no import loop)."""
    code = (
        "import sys, pkgutil, importlib, django\n"
        "from django.conf import settings\n"
        "settings.configure(INSTALLED_APPS=['django.contrib.admin',"
        " 'django.contrib.auth', 'django.contrib.contenttypes'])\n"
        "django.setup()\n"
        "import crm.dataio\n"
        "for m in pkgutil.iter_modules(crm.dataio.__path__):\n"
        "    importlib.import_module('crm.dataio.' + m.name)\n"
        f"apps = {APPS!r}\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in apps))\n"
    )
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"
