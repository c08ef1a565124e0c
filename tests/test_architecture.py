"""The layout docs/architecture.md draws, checked on the source.

The import graph is read from the files (every ``import`` statement, those
inside functions included) without importing anything, so an import hidden in
a function counts as much as one at the top.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("crm", "contacts", "salescycles", "opportunities", "api")
LONGEST = 600  # lines of an application module (migrations aside)

# Layers, lowest first: a module imports from its own layer or lower ones. The
# first prefix that matches a module names its layer.
LAYERS = [
    # The project's wiring and the pages that span apps.
    ("crm.urls", 3),
    ("crm.wsgi", 3),
    ("crm.asgi", 3),
    ("crm.reports", 3),
    ("crm.templatetags.reports", 3),
    ("crm.demo", 3),
    ("crm.management.commands.load_demo", 3),
    ("crm.devtools", 3),
    # The API: its own models (tokens), views over every app's services.
    ("api", 3),
    ("opportunities", 2),
    ("contacts", 1),
    ("salescycles", 1),
    # The shared core: settings, audit, number series, admin base, money,
    # permissions, the import/export framework.
    ("crm", 0),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = module_name(path)
            if all(part.isidentifier() for part in name.split(".")):
                found[name] = path
    return found


MODULES = modules()


def resolve(name: str) -> str | None:
    """The module of ours ``name`` is, or the package it lies in; None if not ours."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(name: str, path: Path) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # "from a import b": the module a.b when there is one, else a.
            targets = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {t for t in map(resolve, targets) if t and t != name}
    return found


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def layer(name: str) -> int:
    return next(level for prefix, level in LAYERS if is_within(name, prefix))


def is_within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_read_from_the_sources():
    # The reading itself: a few edges everybody can see in the files.
    assert "opportunities.models" in GRAPH["opportunities.services.base"]
    assert "salescycles.models" in GRAPH["opportunities.models"]
    assert "crm.audit" in GRAPH["contacts.services"]
    assert len(MODULES) > 100


def test_cycles_are_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_import_graph_has_no_cycle():
    assert cycles(GRAPH) == []


def test_no_module_imports_a_higher_layer():
    upward = sorted(
        f"{name} -> {target}"
        for name, targets in GRAPH.items()
        for target in targets
        if layer(target) > layer(name)
    )
    assert upward == []


@pytest.mark.parametrize("lower", ["contacts", "salescycles"])
def test_the_lower_apps_do_not_import_opportunities_or_each_other(lower):
    other = {"contacts": "salescycles", "salescycles": "contacts"}[lower]
    reaching = sorted(
        f"{name} -> {target}"
        for name, targets in GRAPH.items()
        if is_within(name, lower)
        for target in targets
        if is_within(target, "opportunities") or is_within(target, other)
    )
    assert reaching == []


def test_only_the_development_tools_import_them():
    # The product runs without crm.devtools (it is not in the wheel).
    users = sorted(
        name
        for name, targets in GRAPH.items()
        if not is_within(name, "crm.devtools")
        and any(is_within(target, "crm.devtools") for target in targets)
    )
    assert users == []


def test_no_application_module_is_longer_than_600_lines():
    long = {
        name: lines
        for name, path in MODULES.items()
        if ".migrations." not in name
        and (lines := len(path.read_text().splitlines())) > LONGEST
    }
    assert long == {}


# One writer of the history (issue 16): only opportunities.history creates,
# changes or bulk-writes entries; everyone else hands it what to write.
HISTORY_WRITER = "opportunities.history"
WRITES = {"create", "bulk_create", "update", "bulk_update", "get_or_create"}
WRITES |= {"update_or_create", "save", "insert"}


def _names_in(node: ast.AST) -> list[str]:
    """The names and attributes along a call's receiver chain, outermost last:
    ``OpportunityEntry.objects.filter(...).update`` gives
    [OpportunityEntry, objects, filter, update]."""
    names = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return names[::-1]
        else:
            return names[::-1]


def entry_writes(source: str) -> list[int]:
    """The lines of ``source`` that write history entries: an entry built
    (``OpportunityEntry(...)``), a write through its manager or a reverse
    ``entries`` manager, ``bulk.insert(OpportunityEntry, ...)``, or ``save``
    on a name that says it is an entry."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        chain = _names_in(node)
        method = chain[-1] if chain else ""
        args = [a.id for a in node.args if isinstance(a, ast.Name)]
        if (
            chain == ["OpportunityEntry"]
            or (method in WRITES and ("OpportunityEntry" in chain[:-1]))
            or (method in WRITES and "entries" in chain[:-1])
            or (method in WRITES and "OpportunityEntry" in args)
            or (method == "save" and "entry" in (chain[-2] if len(chain) > 1 else ""))
        ):
            lines.append(node.lineno)
    return lines


def test_the_entry_writes_are_found():
    # Each form the check knows, planted: it must find every one.
    planted = """
OpportunityEntry(opportunity=o)
OpportunityEntry.objects.bulk_create(rows)
OpportunityEntry.objects.filter(active=True).update(active=False)
opportunity.entries.create(action_taken="next")
bulk.insert(OpportunityEntry, fields, rows)
last_entry.save(update_fields=["active"])
OpportunityEntry.objects.filter(active=True).count()
opportunity.save()
"""
    assert entry_writes(planted) == [2, 3, 4, 5, 6, 7]


def test_only_the_history_module_writes_entries():
    writers = {
        name: found
        for name, path in MODULES.items()
        if name != HISTORY_WRITER
        and ".migrations." not in name
        and (found := entry_writes(path.read_text()))
    }
    assert writers == {}
    assert entry_writes(MODULES[HISTORY_WRITER].read_text())
