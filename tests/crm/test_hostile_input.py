"""No page answers hostile input with a server error.

Every URL the project serves (walking crm/urls.py's resolver; of the admin, a
few changelists) is requested as a manager and as a rep, once plain, then
with each hostile value in each query parameter the page reads (recorded
while the page runs), and once with all of them at that value. Pages with a
form are also posted with each hostile value in every field they read.
"""

import contextlib

import pytest
from django.forms import BaseForm
from django.http import QueryDict
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.datastructures import MultiValueDict

from contacts.models import Salesperson
from crm.models import SavedView
from tests.factories import (
    CloseReasonFactory,
    CompanyFactory,
    InteractionFactory,
    OpportunityFactory,
    PersonFactory,
    SalesQuoteFactory,
    TaskFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db

HOSTILE = [
    str(2**63),
    str(10**30),
    "1e-999999",
    "1e999999",
    "-1",
    "NaN",
    "abc",
    "",
    "9999-12-31",
    "0001-01-01",
    "32-13-2026",
    "x" * 5000,
    "ä€😀\u202e",
    "\x00",
]
ADMIN_CHANGELISTS = [
    "admin:opportunities_opportunity_changelist",
    "admin:contacts_contact_changelist",
    "admin:salescycles_salescycle_changelist",
    "admin:opportunities_task_changelist",
]
ADMIN_PARAMETERS = ["q", "o", "p"]
# Posting these would end the test's sign-in.
NOT_POSTED = {"logout", "set_language"}


def url_names(patterns=None, prefix=""):
    """(name, pattern) of every named URL the project serves, bar admin internals."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            if namespace == "admin:":
                yield from ((name, None) for name in ADMIN_CHANGELISTS)
                continue
            yield from url_names(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{prefix}{pattern.name}", pattern


PAGES = sorted(dict(url_names()))


@pytest.fixture
def data(manager, rep):
    """One of each thing a URL names: the rep's opportunity with its records."""
    cycle = cycle_with_stages()
    company = CompanyFactory()
    person = PersonFactory(company=company)
    opportunity = OpportunityFactory(
        in_progress=True,
        contact=person,
        sales_cycle=cycle,
        salesperson=Salesperson.objects.get(user=rep),
    )
    SalesQuoteFactory(opportunity=opportunity)
    interaction = InteractionFactory(opportunity=opportunity)
    task = TaskFactory(opportunity=opportunity)
    CloseReasonFactory()
    OpportunityFactory(
        won=True,
        contact=company,
        sales_cycle=cycle,
        salesperson=Salesperson.objects.get(user=rep),
    )
    stage = cycle.stages.order_by("number").first()
    view = SavedView.objects.create(owner=rep, page="opportunities", name="Mine")
    return {
        "opportunities:view_delete": {"pk": view.pk},
        "api": {"number": opportunity.number, "code": "REP1", "pk": interaction.pk},
        "api:task-detail": {"number": task.number},
        "api:task-complete": {"number": task.number},
        "api:contact-detail": {"number": person.number},
        "opportunities:interaction_edit": {
            "number": opportunity.number,
            "pk": interaction.pk,
        },
        "opportunities:task_complete": {"number": task.number},
        "opportunities:task_cancel": {"number": task.number},
        "opportunities:task_reschedule": {"number": task.number},
        "opportunities:board_column": {"stage": stage.pk},
        "opportunities:move_to": {"number": opportunity.number, "stage": stage.pk},
        "opportunities:board_move": {"number": opportunity.number, "target": stage.pk},
        "opportunities": {"number": opportunity.number, "cycle": cycle.code},
        "contacts": {"number": person.number, "code": "REP1"},
    }


def path_of(name, data):
    kwargs = data.get(name) or data.get(name.split(":")[0], {})
    pattern = dict(url_names()).get(name)
    wanted = pattern.pattern.converters if pattern else {}
    return reverse(name, kwargs={key: kwargs[key] for key in wanted})


@contextlib.contextmanager
def recording_reads():
    """The keys any QueryDict is asked for while the block runs."""
    keys = set()
    attrs = ("__getitem__", "get", "getlist", "__contains__")
    own = {attr: MultiValueDict.__dict__.get(attr) for attr in attrs}

    def recorder(attr):
        original = getattr(MultiValueDict, attr)  # its own, or dict's

        def read(self, key, *args, **kwargs):
            if isinstance(self, QueryDict) and isinstance(key, str):
                keys.add(key)
            return original(self, key, *args, **kwargs)

        return read

    for attr in attrs:
        setattr(MultiValueDict, attr, recorder(attr))
    try:
        yield keys
    finally:
        for attr, original in own.items():
            if original is None:
                delattr(MultiValueDict, attr)
            else:
                setattr(MultiValueDict, attr, original)


def form_fields(response) -> set[str]:
    """The names of the fields of the forms (and filters' forms) a page drew."""
    names, context = set(), response.context
    if context is None:  # a redirect, JSON
        return names
    if hasattr(context, "keys"):  # the test client's list of contexts
        names_in_context = context.keys()
        values = [context[name] for name in names_in_context]
    else:
        values = context.flatten().values()
    for value in values:
        form = getattr(value, "form", value)
        if isinstance(form, BaseForm):
            names.update(form.add_prefix(name) for name in form.fields)
    return names


def hostile_variants(path):
    """Each hostile value in each parameter the page reads, then in all at once.

    The page's reads are those of any QueryDict while it runs, and the fields
    of the forms it draws (read through ``.items()`` or a copy, say).
    """
    responses = []
    with recording_reads() as keys:
        yield {}, responses.append
    keys.update(form_fields(responses[0]))
    keys.discard("csrfmiddlewaretoken")
    if path.startswith("/admin/"):
        keys.update(ADMIN_PARAMETERS)
    for value in HOSTILE:
        for key in sorted(keys):
            yield {key: value}, None
        yield dict.fromkeys(keys, value), None


@pytest.mark.parametrize("name", PAGES)
def test_no_page_answers_hostile_input_with_a_server_error(
    client, manager, rep, data, name
):
    path = path_of(name, data)
    client.raise_request_exception = False
    failures = []
    for user in (manager, rep):
        methods = [client.get]
        if name.split(":")[-1] not in NOT_POSTED and not name.startswith("admin:"):
            methods.append(client.post)
        for method in methods:
            for params, keep in hostile_variants(path):
                client.force_login(user)  # a page may have signed out
                response = method(path, params)
                if keep:
                    keep(response)
                if response.status_code >= 500:
                    shown = {key: value[:20] for key, value in params.items()}
                    failures.append((user.username, method.__name__, shown))
    assert not failures, failures


def test_every_page_and_download_a_signed_in_user_gets_is_kept_by_no_cache(
    client, manager, data
):
    client.force_login(manager)
    downloads = [
        reverse("opportunities:list") + "?format=csv",
        reverse("statistics:salespeople") + "?csv=salespeople",
    ]
    kept = []
    for path in [path_of(name, data) for name in PAGES if name != "logout"] + downloads:
        response = client.get(path)
        directives = {
            part.strip() for part in response.get("Cache-Control", "").split(",")
        }
        if not {"private", "no-store"} <= directives:
            kept.append((path, response.status_code, response.get("Cache-Control")))
    assert not kept, kept


def test_the_walk_covers_the_projects_pages():
    assert {"opportunities:list", "statistics:matrix", "login", "home"} <= set(PAGES)
    assert len(PAGES) > 40


def test_a_non_numeric_contact_on_the_opportunity_form_is_a_field_error(client, rep):
    client.force_login(rep)

    response = client.post(
        reverse("opportunities:create"),
        {"description": "Deal", "contact": "abc", "sales_cycle": "x"},
    )

    assert response.status_code == 200
    assert "contact" in response.context["form"].errors


def form_errors(response) -> dict:
    # A list's filters first: the page may render other forms (a saved view's).
    context = response.context
    form = context["filter"].form if "filter" in context else context["form"]
    return form.errors


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("opportunities:list", {"value_min": "1e-999999"}, "value_min"),
        ("opportunities:list", {"value_max": "1e999999"}, "value_max"),
        ("opportunities:list", {"contact": str(10**30)}, "contact"),
        ("statistics:matrix", {"date_to": "9999-12-31"}, "date_to"),
        ("statistics:close_reasons", {"date_from": "0001-01-01"}, "date_from"),
    ],
)
def test_a_value_out_of_any_range_is_a_field_error(
    client, manager, name, params, field
):
    client.force_login(manager)

    response = client.get(reverse(name), params)

    assert response.status_code == 200
    assert field in form_errors(response)


def test_a_matrix_of_many_columns_is_refused_before_counting_them(client, manager):
    client.force_login(manager)

    response = client.get(
        reverse("statistics:matrix"),
        {"date_from": "1900-01-01", "date_to": "2999-12-31", "period": "day"},
    )

    assert form_errors(response).as_data()["period"][0].code == "too_many_columns"


def test_a_contact_statistics_page_beyond_any_integer_is_the_last(client, manager):
    OpportunityFactory()
    client.force_login(manager)

    response = client.get(reverse("statistics:contacts"), {"page": str(2**63)})

    assert response.status_code == 200
    assert response.context["sections"][0].page_obj.number == 1


def test_a_task_action_ignores_a_next_that_is_not_a_path(client, rep, data):
    client.force_login(rep)
    task = data["opportunities:task_cancel"]["number"]

    # (Cancelling: completing a deal's last task opens the form for its next.)
    response = client.post(
        reverse("opportunities:task_cancel", args=[task]), {"next": "abc"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("opportunities:tasks")


def test_a_board_column_offset_beyond_any_integer_is_not_a_server_error(
    client, manager
):
    cycle = cycle_with_stages()
    OpportunityFactory(in_progress=True, sales_cycle=cycle, description="Deal")
    stage = cycle.stages.order_by("number").first()
    client.force_login(manager)

    response = client.get(
        reverse("opportunities:board_column", args=[stage.pk]),
        {"offset": str(2**63)},
    )

    assert response.status_code == 200
    assert response.context["cards"] == []
