"""The Django admin: every page loads for a manager, and writes go through services.

The page tests are driven by ``admin.site._registry``, so a newly registered
model is covered as soon as the ``sample_data`` fixture holds one of its rows.
"""

import re

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Contact, ContactType, Salesperson
from crm.models import NumberSeries
from opportunities import services
from opportunities.models import (
    CloseReason,
    Opportunity,
    OpportunityEntry,
    SalesQuote,
    Status,
    Task,
)
from salescycles import dateformula
from salescycles import services as cycle_services
from salescycles.models import SalesCycle, Stage
from tests.factories import (
    ActivityFactory,
    ActivityStepFactory,
    CloseReasonFactory,
    CompanyFactory,
    InteractionFactory,
    OpportunityFactory,
    PersonFactory,
    SalesCycleFactory,
    SalespersonFactory,
    SalesQuoteFactory,
    StageFactory,
    TaskFactory,
    UserFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"crm", "contacts", "salescycles", "opportunities"}
REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def form_data(response) -> dict:
    """What a browser posts back, unchanged, for the admin form in ``response``."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else str(value)
    return data


def field_error_codes(response, field: str) -> list[str]:
    errors = response.context["adminform"].form.errors.as_data()
    return [error.code for error in errors.get(field, [])]


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def sample_data(manager):
    """At least one row of every registered model."""
    activity = ActivityFactory()
    ActivityStepFactory(activity=activity)
    cycle = cycle_with_stages((10, 10, 20, {"activity": activity}), (20, 50, 60, {}))
    running = OpportunityFactory(in_progress=True, sales_cycle=cycle)
    SalesQuoteFactory(opportunity=running)
    InteractionFactory(opportunity=running)
    OpportunityFactory(won=True, contact=PersonFactory())


# -- every page loads ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "model_admin"),
    REGISTRY,
    ids=[model._meta.label for model, _admin in REGISTRY],
)
def test_every_admin_page_loads_for_a_manager(
    manager_client, manager, sample_data, model, model_admin
):
    request = RequestFactory().get("/")
    request.user = manager
    changelist = url(model, "changelist")
    if (
        model._meta.app_label not in PROJECT_APPS
        and not model_admin.has_view_or_change_permission(request)
    ):
        # Groups are the administrators' business, not managers'.
        assert manager_client.get(changelist).status_code == 403
        return

    assert manager_client.get(changelist).status_code == 200
    assert manager_client.get(changelist, {"q": "x"}).status_code == 200

    add_status = manager_client.get(url(model, "add")).status_code
    assert add_status == (200 if model_admin.has_add_permission(request) else 403)

    obj = model._default_manager.first()
    assert obj is not None, f"add a {model._meta.label} to the sample_data fixture"
    assert manager_client.get(url(model, "change", obj.pk)).status_code == 200
    delete_status = manager_client.get(url(model, "delete", obj.pk)).status_code
    assert delete_status == (
        200 if model_admin.has_delete_permission(request, obj) else 403
    )


@pytest.mark.parametrize("path", ["/admin/", "/admin/opportunities/opportunity/"])
def test_a_rep_is_sent_to_the_admin_login(client, rep, path):
    client.force_login(rep)

    response = client.get(path)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("path", ["/admin/", "/admin/opportunities/opportunity/"])
def test_an_anonymous_visitor_is_sent_to_the_admin_login(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# -- opportunities: writes through the services ------------------------------------


def test_adding_an_opportunity_without_number_takes_the_next_from_the_series(
    manager_client,
):
    contact = CompanyFactory()
    salesperson = SalespersonFactory()
    cycle = cycle_with_stages()
    data = form_data(manager_client.get(url(Opportunity, "add")))
    data.update(
        number="",
        description="Admin deal",
        contact=contact.pk,
        salesperson=salesperson.pk,
        sales_cycle=cycle.pk,
    )

    response = manager_client.post(url(Opportunity, "add"), data)

    assert response.status_code == 302
    opportunity = Opportunity.objects.get(description="Admin deal")
    series = NumberSeries.objects.get(code="OPPORTUNITY")
    assert re.fullmatch(r"OP\d{6}", opportunity.number)
    assert opportunity.number == series.format(series.last_number)
    assert opportunity.status == Status.NOT_STARTED
    assert opportunity.contact_company == contact
    assert not opportunity.entries.exists()


def test_adding_an_opportunity_for_a_blocked_salesperson_is_a_field_error(
    manager_client,
):
    blocked = SalespersonFactory(blocked=True)
    data = form_data(manager_client.get(url(Opportunity, "add")))
    data.update(
        description="Blocked deal",
        contact=CompanyFactory().pk,
        salesperson=blocked.pk,
        sales_cycle=cycle_with_stages().pk,
    )

    response = manager_client.post(url(Opportunity, "add"), data)

    assert response.status_code == 200
    assert field_error_codes(response, "salesperson") == ["salesperson_blocked"]
    assert not Opportunity.objects.exists()


def test_changing_the_cycle_of_a_started_opportunity_is_a_field_error(
    manager_client,
):
    opportunity = OpportunityFactory(in_progress=True)
    before = Opportunity.objects.get(pk=opportunity.pk)
    change = url(Opportunity, "change", opportunity.pk)
    data = form_data(manager_client.get(change))
    data.update(sales_cycle=cycle_with_stages().pk, description="Changed")

    response = manager_client.post(change, data)

    assert response.status_code == 200
    assert field_error_codes(response, "sales_cycle") == ["cycle_frozen"]
    assert "cannot be changed once the opportunity started" in response.text
    after = Opportunity.objects.get(pk=opportunity.pk)
    assert (after.sales_cycle_id, after.description, after.version) == (
        before.sales_cycle_id,
        before.description,
        before.version,
    )


def test_changing_an_opportunity_in_the_admin_goes_through_the_service(
    manager_client,
):
    opportunity = OpportunityFactory(in_progress=True)
    other = SalespersonFactory()
    change = url(Opportunity, "change", opportunity.pk)
    data = form_data(manager_client.get(change))
    data.update(salesperson=other.pk, description="Renamed", priority="high")

    response = manager_client.post(change, data)

    assert response.status_code == 302
    after = Opportunity.objects.get(pk=opportunity.pk)
    assert (after.salesperson, after.description, after.priority) == (
        other,
        "Renamed",
        "high",
    )
    assert after.version == opportunity.version + 1
    assert after.entries.count() == 1  # an edit writes no history entry


def test_number_and_creation_date_are_read_only_once_saved(manager_client):
    # opportunity_edit takes neither, so an editable field would be dropped silently.
    opportunity = OpportunityFactory()

    response = manager_client.get(url(Opportunity, "change", opportunity.pk))

    form = response.context["adminform"].form
    assert "number" not in form.fields
    assert "creation_date" not in form.fields


def test_a_refusal_after_the_form_validated_is_a_message_on_the_same_page(
    manager_client, monkeypatch
):
    # As when another user starts the opportunity between form and save.
    def refuse(**kwargs):
        raise ValidationError("Someone else changed it.", code="stale")

    opportunity = OpportunityFactory()
    monkeypatch.setattr(services, "opportunity_edit", refuse)
    change = url(Opportunity, "change", opportunity.pk)
    data = form_data(manager_client.get(change))
    data.update(description="Lost edit")

    response = manager_client.post(change, data)

    assert response.status_code == 302
    assert response.url == change
    assert messages_of(response) == ["Someone else changed it."]
    assert Opportunity.objects.get(pk=opportunity.pk).description != "Lost edit"


def test_deleting_an_opportunity_in_progress_is_refused_with_a_message(
    manager_client,
):
    opportunity = OpportunityFactory(in_progress=True)

    response = manager_client.post(
        url(Opportunity, "delete", opportunity.pk), {"post": "yes"}
    )

    assert response.status_code == 302
    assert response.url == url(Opportunity, "change", opportunity.pk)
    assert any("in progress and cannot be deleted" in m for m in messages_of(response))
    assert Opportunity.objects.filter(pk=opportunity.pk).exists()
    assert OpportunityEntry.objects.filter(opportunity=opportunity).count() == 1


def test_deleting_a_not_started_opportunity_works(manager_client):
    opportunity = OpportunityFactory()

    response = manager_client.post(
        url(Opportunity, "delete", opportunity.pk), {"post": "yes"}
    )

    assert response.status_code == 302
    assert response.url == url(Opportunity, "changelist")
    assert not Opportunity.objects.filter(pk=opportunity.pk).exists()


def test_deleting_a_closed_opportunity_removes_its_history_tasks_and_quote(
    manager_client, manager
):
    # Entries, tasks and quotes cannot be deleted on their own in the admin, but
    # they go with their opportunity.
    activity = ActivityFactory()
    cycle = cycle_with_stages((10, 10, 20, {"activity": activity}))
    opportunity = OpportunityFactory(in_progress=True, sales_cycle=cycle)
    SalesQuoteFactory(opportunity=opportunity)
    services.opportunity_close(
        user=manager,
        opportunity=opportunity,
        outcome="lost",
        close_reason=CloseReasonFactory(),
    )
    assert Task.objects.filter(opportunity=opportunity).exists()

    response = manager_client.post(
        url(Opportunity, "delete", opportunity.pk), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Opportunity.objects.filter(pk=opportunity.pk).exists()
    assert not OpportunityEntry.objects.exists()
    assert not Task.objects.exists()
    assert not SalesQuote.objects.exists()


# -- setup records with open opportunities --------------------------------------------


@pytest.mark.parametrize("related", ["contact", "salesperson", "sales_cycle"])
def test_a_record_with_open_opportunities_is_not_deleted(manager_client, related):
    opportunity = OpportunityFactory(in_progress=True)
    obj = getattr(opportunity, related)
    model = type(obj)

    response = manager_client.post(url(model, "delete", obj.pk), {"post": "yes"})

    # The admin lists the protected opportunity instead of deleting anything
    # (not the permissions deleting its history would need).
    assert response.status_code == 200
    assert "would require deleting the following protected" in response.text
    assert opportunity.number in response.text
    assert not response.context["perms_lacking"]
    assert model.objects.filter(pk=obj.pk).exists()
    assert Opportunity.objects.filter(pk=opportunity.pk).exists()


def test_a_stage_with_open_opportunities_cannot_be_deleted_in_the_cycle_inline(
    manager_client,
):
    opportunity = OpportunityFactory(in_progress=True)
    cycle = opportunity.sales_cycle
    change = url(SalesCycle, "change", cycle.pk)
    data = form_data(manager_client.get(change))
    data["stages-0-DELETE"] = "on"  # stage 10, where the opportunity stands
    data["description"] = "Renamed"

    response = manager_client.post(change, data)

    assert response.status_code == 200
    assert "would require deleting the following protected" in response.text
    assert opportunity.number in response.text
    assert cycle.stages.count() == 4
    assert SalesCycle.objects.get(pk=cycle.pk).description != "Renamed"


def test_a_stage_is_deleted_in_the_cycle_inline_through_the_service(
    manager_client, monkeypatch
):
    cycle = cycle_with_stages()
    deleted = []
    real = cycle_services.stage_delete

    def spy(**kwargs):
        deleted.append(kwargs["stage"].number)
        real(**kwargs)

    monkeypatch.setattr(cycle_services, "stage_delete", spy)
    change = url(SalesCycle, "change", cycle.pk)
    data = form_data(manager_client.get(change))
    data["stages-3-DELETE"] = "on"

    response = manager_client.post(change, data)

    assert response.status_code == 302
    assert deleted == [40]
    assert list(cycle.stages.values_list("number", flat=True)) == [10, 20, 30]


def test_a_stage_delete_the_service_refuses_becomes_a_message(
    manager_client, monkeypatch
):
    # As when an opportunity enters the stage between form and save.
    def refuse(**kwargs):
        raise ValidationError("Opportunities stand on it.", code="stage_has_opp")

    monkeypatch.setattr(cycle_services, "stage_delete", refuse)
    cycle = cycle_with_stages()
    change = url(SalesCycle, "change", cycle.pk)
    data = form_data(manager_client.get(change))
    data["stages-3-DELETE"] = "on"
    data["description"] = "Renamed"

    response = manager_client.post(change, data)

    assert response.status_code == 302
    assert response.url == change
    assert messages_of(response) == ["Opportunities stand on it."]
    assert cycle.stages.count() == 4
    assert SalesCycle.objects.get(pk=cycle.pk).description != "Renamed"


# -- validation shown on the field -----------------------------------------------------


def test_a_person_whose_company_is_a_person_is_a_field_error(manager_client):
    not_a_company = PersonFactory()
    data = form_data(manager_client.get(url(Contact, "add")))
    data.update(type=ContactType.PERSON, name="Pat", company=not_a_company.pk)

    response = manager_client.post(url(Contact, "add"), data)

    # The company field offers company-type contacts only.
    assert response.status_code == 200
    assert field_error_codes(response, "company") == ["invalid_choice"]
    assert not Contact.objects.filter(name="Pat").exists()


def test_a_company_belonging_to_a_company_is_a_field_error(manager_client):
    data = form_data(manager_client.get(url(Contact, "add")))
    data.update(type=ContactType.COMPANY, name="Sub", company=CompanyFactory().pk)

    response = manager_client.post(url(Contact, "add"), data)

    assert response.status_code == 200
    assert field_error_codes(response, "company") == ["company_has_company"]
    assert not Contact.objects.filter(name="Sub").exists()


def test_a_stage_with_an_invalid_date_formula_is_a_field_error(manager_client):
    cycle = SalesCycleFactory()
    data = form_data(manager_client.get(url(Stage, "add")))
    data.update(cycle=cycle.pk, number=1, description="Qualify", date_formula="2X")

    response = manager_client.post(url(Stage, "add"), data)

    assert response.status_code == 200
    assert field_error_codes(response, "date_formula") == [dateformula.INVALID_CODE]
    assert "&#x27;2X&#x27; is not a valid date formula: use terms like" in (
        response.text
    )
    assert not Stage.objects.exists()


def test_an_invalid_date_formula_in_the_stage_inline_is_a_field_error(
    manager_client,
):
    cycle = cycle_with_stages()
    change = url(SalesCycle, "change", cycle.pk)
    data = form_data(manager_client.get(change))
    data["stages-0-date_formula"] = "CM+"

    response = manager_client.post(change, data)

    assert response.status_code == 200
    (inline,) = response.context["inline_admin_formsets"]
    errors = inline.formset.forms[0].errors.as_data()
    assert [error.code for error in errors["date_formula"]] == [
        dateformula.INVALID_CODE
    ]
    assert cycle.stages.get(number=10).date_formula == ""


# -- the history is read-only ---------------------------------------------------------


def test_the_history_and_task_inlines_are_read_only(manager_client):
    activity = ActivityFactory()
    ActivityStepFactory(activity=activity)
    cycle = cycle_with_stages((10, 10, 20, {"activity": activity}))
    opportunity = OpportunityFactory(in_progress=True, sales_cycle=cycle)

    response = manager_client.get(url(Opportunity, "change", opportunity.pk))

    history, tasks = response.context["inline_admin_formsets"]
    assert (history.formset.model, tasks.formset.model) == (OpportunityEntry, Task)
    for inline in (history, tasks):
        assert not inline.has_add_permission
        assert not inline.has_change_permission
        assert not inline.formset.can_delete
        (form,) = inline.formset.forms
        assert set(form.fields) <= {"id", "opportunity"}  # every field read-only


def test_the_entry_admin_is_read_only(manager_client):
    opportunity = OpportunityFactory(in_progress=True)
    entry = opportunity.entries.get()

    assert manager_client.get(url(OpportunityEntry, "add")).status_code == 403
    response = manager_client.get(url(OpportunityEntry, "change", entry.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    post = manager_client.post(
        url(OpportunityEntry, "change", entry.pk), {"estimated_value": "1"}
    )
    assert post.status_code == 403
    delete = manager_client.post(
        url(OpportunityEntry, "delete", entry.pk), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert OpportunityEntry.objects.get(pk=entry.pk).estimated_value == 1000


# -- no per-row queries on changelists ------------------------------------------------


def make_opportunities(n):
    # Each with its own contact, salesperson and cycle, so lookups cannot be shared.
    for _ in range(n):
        OpportunityFactory(in_progress=True)


def make_contacts(n):
    for _ in range(n):
        PersonFactory(salesperson=SalespersonFactory())


def make_salespeople(n):
    for _ in range(n):
        SalespersonFactory(user=UserFactory())


def make_stages(n):
    for _ in range(n):
        StageFactory(activity=ActivityFactory())


def make_tasks(n):
    for _ in range(n):
        TaskFactory(opportunity=OpportunityFactory(contact=PersonFactory()))


def make_cycles(n):
    for _ in range(n):
        SalesCycleFactory()


def make_close_reasons(n):
    for _ in range(n):
        CloseReasonFactory(code=f"R{CloseReason.objects.count()}")


CHANGELISTS = [
    (Opportunity, make_opportunities),
    (OpportunityEntry, make_opportunities),
    (Contact, make_contacts),
    (Salesperson, make_salespeople),
    (Stage, make_stages),
    (Task, make_tasks),
    (SalesCycle, make_cycles),
    (CloseReason, make_close_reasons),
]


@pytest.mark.parametrize(
    ("model", "make"),
    CHANGELISTS,
    ids=[model._meta.model_name for model, _make in CHANGELISTS],
)
def test_changelist_queries_do_not_grow_with_rows(manager_client, model, make):
    changelist = url(model, "changelist")
    make(3)
    manager_client.get(changelist)  # session and content-type caches warm up

    with CaptureQueriesContext(connection) as few:
        response = manager_client.get(changelist)
    rows_few = response.context["cl"].result_count
    make(27)
    with CaptureQueriesContext(connection) as many:
        response = manager_client.get(changelist)
    rows_many = response.context["cl"].result_count

    assert rows_few >= 3
    assert rows_many >= rows_few + 27
    assert len(many) == len(few), (
        f"{len(few)} queries for {rows_few} rows, {len(many)} for {rows_many}:\n"
        + "\n".join(query["sql"] for query in many.captured_queries)
    )


def test_a_stage_cannot_be_moved_to_another_cycle(manager_client):
    stage = cycle_with_stages().stages.first()

    page = manager_client.get(url(Stage, "change", stage.pk)).content.decode()

    assert 'name="cycle"' not in page
    assert 'name="description"' in page
