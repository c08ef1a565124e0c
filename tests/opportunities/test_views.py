"""The reps' opportunity pages: scoping, forms through the services, query counts."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from contacts.models import Salesperson
from contacts.selectors import contact_label
from crm.money import format_money
from opportunities import selectors, services
from opportunities.models import Opportunity, Status, Task
from opportunities.moves import Move
from tests.factories import (
    ActivityFactory,
    ActivityStepFactory,
    CloseReasonFactory,
    CompanyFactory,
    OpportunityFactory,
    SalesQuoteFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def rep_client(client, rep):
    client.force_login(rep)
    return client


@pytest.fixture
def own(rep):
    """REP1's salesperson."""
    return Salesperson.objects.get(user=rep)


def mine(own, **kwargs):
    return OpportunityFactory(salesperson=own, **kwargs)


def url(name, *args):
    return reverse(f"opportunities:{name}", args=args)


# -- who sees what ------------------------------------------------------------------


def test_every_page_needs_a_login(client, db):
    opportunity = OpportunityFactory()
    for path in [
        url("list"),
        url("board"),
        url("tasks"),
        url("create"),
        url("detail", opportunity.number),
        url("advance", opportunity.number),
        url("close", opportunity.number),
    ]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("login"))


def test_another_reps_opportunity_is_a_404_on_every_url(rep_client):
    other = OpportunityFactory(in_progress=True)
    for name in ["detail", "edit", "advance", "close", "quote", "interaction", "task"]:
        assert rep_client.get(url(name, other.number)).status_code == 404, name
    for name in ["reopen", "delete"]:
        assert rep_client.post(url(name, other.number)).status_code == 404, name
    stage = other.sales_cycle.stages.last()
    for target in [str(stage.pk), "won"]:
        response = rep_client.post(url("board_move", other.number, target))
        assert response.status_code == 404, target


def test_the_list_and_its_csv_hold_only_the_reps_own(rep_client, own):
    my = mine(own)
    other = OpportunityFactory()

    listed = rep_client.get(url("list")).context["object_list"]
    exported = rep_client.get(url("list"), {"format": "csv"}).content.decode()

    assert list(listed) == [my]
    assert my.number in exported and other.number not in exported


def test_a_manager_sees_everyones(client, manager):
    opportunities = [OpportunityFactory(), OpportunityFactory()]
    client.force_login(manager)

    listed = client.get(url("list")).context["object_list"]

    assert set(listed) == set(opportunities)


# -- list -----------------------------------------------------------------------------


def test_list_filters_sorts_and_totals_the_whole_filtered_set(rep_client, own):
    small = mine(own, in_progress=True)
    big = mine(own, in_progress=True)
    services.opportunity_advance(
        user=None,
        opportunity=big,
        move=Move.UPDATE,
        estimated_value=Decimal(5000),
        date_of_change=TODAY,
    )
    mine(own, won=True)

    response = rep_client.get(
        url("list"), {"status": "in_progress", "o": "-estimated_value"}
    )

    assert [o.pk for o in response.context["object_list"]] == [big.pk, small.pk]
    totals = response.context["totals"]
    assert totals["count"] == 2
    assert totals["estimated_value"] == Decimal("6000.00")
    # Stage 10 of the default cycle: 10 % completed, 20 % chances -> 2 %.
    assert totals["current_value"] == Decimal("120.00")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"due": "overdue"}, ["late"]),
        ({"due": "week"}, ["soon"]),
        ({"q": "Fleet"}, ["late"]),
        ({"status": "open"}, ["late", "soon"]),
        ({"status": "closed"}, ["done"]),
    ],
)
def test_list_filters(rep_client, own, params, expected):
    made = {}
    for name, close_date in [
        ("late", TODAY - datetime.timedelta(days=3)),
        ("soon", TODAY + datetime.timedelta(days=3)),
    ]:
        opportunity = mine(own, description="Fleet" if name == "late" else "Other")
        made[name] = services.opportunity_advance(
            user=None,
            opportunity=opportunity,
            move=Move.START,
            date_of_change=opportunity.creation_date,
            estimated_close_date=close_date,
        )
    made["done"] = mine(own, won=True, description="Done deal")

    listed = rep_client.get(url("list"), params).context["object_list"]

    assert sorted(o.pk for o in listed) == sorted(made[n].pk for n in expected)


def test_list_csv_writes_the_filtered_set(rep_client, own):
    mine(own, won=True)
    running = mine(own, in_progress=True)

    response = rep_client.get(url("list"), {"status": "in_progress", "format": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [running.number]


def queries_for(client, path, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return len(queries)


def test_list_issues_a_fixed_number_of_queries(client, manager):
    client.force_login(manager)
    for _ in range(3):
        OpportunityFactory(in_progress=True)
    few = queries_for(client, url("list"))
    for _ in range(27):
        OpportunityFactory(in_progress=True)
    # session, user, permissions (groups), the totals (which count the rows
    # for the pages too), the page of rows with their joins, the filter
    # form's salesperson, cycle, stage and close reason choices, the user's
    # and the shared saved views, and the rows' next activities: the same for
    # 3 and 30 rows.
    assert queries_for(client, url("list")) == few == 12


# -- the opportunity page -------------------------------------------------------------


def test_page_shows_figures_history_and_the_moves_available(rep_client, own):
    opportunity = mine(own, in_progress=True)

    response = rep_client.get(url("detail", opportunity.number))

    assert [move for move, _label in response.context["moves"]] == [
        Move.NEXT,
        Move.UPDATE,
    ]
    page = response.content.decode()
    assert "1,000.00" in page  # estimated value
    assert 'aria-current="step"' in page


def test_page_issues_a_fixed_number_of_queries(rep_client, own):
    activity = ActivityFactory()
    ActivityStepFactory(activity=activity)
    cycle = cycle_with_stages((10, 10, 20, {"activity": activity}), (20, 30, 40, {}))
    opportunity = mine(own, in_progress=True, sales_cycle=cycle)
    few = queries_for(rep_client, url("detail", opportunity.number))
    day = opportunity.creation_date
    for _ in range(5):
        opportunity = services.opportunity_advance(
            user=None, opportunity=opportunity, move=Move.UPDATE, date_of_change=day
        )
        services.interaction_log(
            user=None, opportunity=opportunity, kind="call", description="x"
        )
    SalesQuoteFactory(opportunity=opportunity)
    # session, user, permissions (user and group), the opportunity with its
    # joins, stages, the history, tasks, interactions, quote: the same with 1
    # or 6 entries.
    assert queries_for(rep_client, url("detail", opportunity.number)) == few == 10


# -- create and edit ------------------------------------------------------------------


def test_rep_creates_an_opportunity_for_a_contact(rep_client, own):
    contact = CompanyFactory()
    cycle = cycle_with_stages()

    form = rep_client.get(url("create"), {"contact": contact.pk}).context["form"]
    assert form.initial["contact"] == contact.pk
    assert list(form.fields["salesperson"].queryset) == [own]

    response = rep_client.post(
        url("create"),
        {
            "description": "Fleet renewal",
            "contact": contact.pk,
            "salesperson": own.pk,
            "sales_cycle": cycle.pk,
            "priority": "high",
        },
    )

    opportunity = Opportunity.objects.get()
    assert response["Location"] == url("detail", opportunity.number)
    assert (opportunity.contact, opportunity.salesperson, opportunity.priority) == (
        contact,
        own,
        "high",
    )


def create_with(client, own, **contact_fields):
    return client.post(
        url("create"),
        {
            "description": "Typed without JavaScript",
            "salesperson": own.pk,
            "sales_cycle": cycle_with_stages().pk,
            "priority": "normal",
            **contact_fields,
        },
    )


def test_without_javascript_a_typed_contact_number_picks_the_contact(rep_client, own):
    contact = CompanyFactory(name="Acme Oy")
    CompanyFactory(name="Acme Holding")

    create_with(rep_client, own, contact="", contact_query=f" {contact.number.lower()}")

    assert Opportunity.objects.get().contact == contact


def test_without_javascript_a_name_matching_one_contact_picks_it(rep_client, own):
    contact = CompanyFactory(name="Kotipizza Oyj")
    CompanyFactory(name="Acme Oy")

    create_with(rep_client, own, contact_query="kotipizza")

    assert Opportunity.objects.get().contact == contact


@pytest.mark.parametrize(
    ("query", "code"), [("Acme", "ambiguous"), ("Nobody", "no_match"), ("", "required")]
)
def test_without_javascript_an_unclear_contact_is_a_field_error(
    rep_client, own, query, code
):
    first = CompanyFactory(name="Acme Oy")
    CompanyFactory(name="Acme Holding")

    response = create_with(rep_client, own, contact="", contact_query=query)

    errors = response.context["form"].errors.as_data()["contact"]
    assert [e.code for e in errors] == [code]
    assert not Opportunity.objects.exists()
    if code == "ambiguous":
        assert first.number in str(errors[0].message % errors[0].params)
    # The box keeps what was typed so it can be corrected.
    assert f'value="{query}"' in response.content.decode()


def test_without_javascript_changing_the_text_replaces_the_chosen_contact(
    rep_client, own
):
    old, new = CompanyFactory(name="Old Oy"), CompanyFactory(name="New Oy")

    create_with(rep_client, own, contact=old.pk, contact_query=new.number)

    assert Opportunity.objects.get().contact == new


def test_the_chosen_contact_is_kept_when_its_label_is_unchanged(rep_client, own):
    contact = CompanyFactory()
    label = contact_label(contact)

    create_with(rep_client, own, contact=contact.pk, contact_query=label)

    assert Opportunity.objects.get().contact == contact


def test_a_rep_cannot_create_for_someone_else(rep_client):
    other = OpportunityFactory().salesperson

    response = rep_client.post(
        url("create"),
        {
            "description": "x",
            "contact": CompanyFactory().pk,
            "salesperson": other.pk,
            "sales_cycle": cycle_with_stages().pk,
            "priority": "normal",
        },
    )

    assert "salesperson" in response.context["form"].errors
    assert Opportunity.objects.count() == 1


def test_edit_shows_the_services_refusal_on_the_field(rep_client, own):
    opportunity = mine(own, in_progress=True)

    response = rep_client.post(
        url("edit", opportunity.number),
        {
            "description": "Renamed",
            "contact": CompanyFactory().pk,  # another company, after start
            "salesperson": own.pk,
            "sales_cycle": opportunity.sales_cycle_id,
            "priority": "normal",
        },
    )

    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert [e.code for e in errors["contact"]] == ["contact_other_company"]
    opportunity.refresh_from_db()
    assert opportunity.description != "Renamed"


def test_a_stale_edit_shows_the_saved_values_and_keeps_what_was_typed(rep_client, own):
    # Issue 16: two people editing one opportunity silently overwrote each other.
    opportunity = mine(own, in_progress=True, description="Original")
    form = rep_client.get(url("edit", opportunity.number)).context["form"]
    typed = {
        "description": "Mine",
        "contact": opportunity.contact_id,
        "salesperson": own.pk,
        "sales_cycle": opportunity.sales_cycle_id,
        "priority": "high",
        "version": form["version"].initial,
    }
    services.opportunity_edit(
        user=None, opportunity=opportunity, description="Someone else's"
    )

    response = rep_client.post(url("edit", opportunity.number), typed)

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors().as_data()
    assert [e.code for e in errors] == ["stale"]
    assert "Someone else&#x27;s" in response.text or "Someone else's" in response.text
    assert response.context["form"]["description"].value() == "Mine"
    opportunity.refresh_from_db()
    assert opportunity.description == "Someone else's"

    again = dict(typed, version=response.context["form"]["version"].value())
    rep_client.post(url("edit", opportunity.number), again)

    opportunity.refresh_from_db()
    assert (opportunity.description, opportunity.priority) == ("Mine", "high")


# -- moving ---------------------------------------------------------------------------


def test_update_form_offers_the_defaults_of_the_chosen_move(rep_client, own):
    cycle = cycle_with_stages((10, 10, 20, {}), (20, 25, 40, {"date_formula": "2W"}))
    opportunity = mine(own, in_progress=True, sales_cycle=cycle)

    form = rep_client.get(url("advance", opportunity.number), {"move": "next"}).context[
        "form"
    ]

    assert form.initial["move"] == "next"
    assert form.initial["chances_pct"] == Decimal(40)
    assert form.initial["estimated_close_date"] == TODAY + datetime.timedelta(days=14)
    assert [c for c, _l in form.fields["move"].choices] == [Move.NEXT, Move.UPDATE]


def test_update_form_refreshes_as_a_partial_for_htmx(rep_client, own):
    opportunity = mine(own, in_progress=True)

    response = rep_client.get(
        url("advance", opportunity.number), {"move": "update"}, HTTP_HX_REQUEST="true"
    )

    assert [t.name for t in response.templates][0] == "opportunities/_advance_form.html"


def post_move(client, opportunity, **data):
    data = {
        "move": "next",
        "date_of_change": TODAY.isoformat(),
        "estimated_value": "2000",
        "chances_pct": "0",
        "estimated_close_date": (TODAY + datetime.timedelta(days=30)).isoformat(),
        "version": opportunity.version,
    } | data
    return client.post(url("advance", opportunity.number), data)


def test_update_moves_the_opportunity_through_the_service(rep_client, own):
    opportunity = mine(own, in_progress=True)

    response = post_move(rep_client, opportunity)

    opportunity.refresh_from_db()
    assert response["Location"] == url("detail", opportunity.number)
    assert (opportunity.stage.number, opportunity.estimated_value) == (20, 2000)
    assert opportunity.chances_pct == Decimal(40)  # 0 takes the stage's value


def test_update_cancels_the_tasks_of_the_stage_left_unless_unticked(rep_client, own):
    cycle = cycle_with_stages(
        (10, 10, 20, {"activity": ActivityFactory(description="Qualify")}),
        (20, 30, 40, {}),
        (30, 50, 60, {}),
    )
    opportunity = mine(own, in_progress=True, sales_cycle=cycle)
    form = rep_client.get(url("advance", opportunity.number)).context["form"]
    assert form["cancel_stage_tasks"].initial is True

    post_move(rep_client, opportunity, cancel_stage_tasks="on")

    assert Task.objects.get(description="Qualify").cancelled is True
    opportunity.refresh_from_db()
    post_move(rep_client, opportunity, move="previous")  # the box left unticked
    opportunity.refresh_from_db()
    post_move(rep_client, opportunity)
    assert Task.objects.filter(description="Qualify", closed=False).count() == 1


def test_update_shows_the_rules_on_the_fields(rep_client, own):
    opportunity = mine(own, in_progress=True)

    response = post_move(
        rep_client,
        opportunity,
        date_of_change="2020-01-01",
        estimated_close_date="2019-01-01",
    )

    errors = response.context["form"].errors.as_data()
    assert [e.code for e in errors["date_of_change"]] == ["date_before_last_entry"]
    assert [e.code for e in errors["estimated_close_date"]] == [
        "close_date_before_change"
    ]


def test_a_stale_update_shows_the_new_state_and_keeps_what_was_typed(rep_client, own):
    # Issue 16: the page used to drop what the rep typed.
    opportunity = mine(own, in_progress=True)
    shown_version = opportunity.version
    post_move(rep_client, opportunity)  # someone else moved it meanwhile

    opportunity.version = shown_version
    response = post_move(rep_client, opportunity, move="update", estimated_value="3456")

    assert response.status_code == 200
    assert "Someone else changed" in " ".join(messages_of(response))
    assert Opportunity.objects.get().entries.count() == 2
    form = response.context["form"]
    assert form["estimated_value"].value() == "3456"
    assert form["version"].value() == Opportunity.objects.get().version
    assert response.context["opportunity"].stage.number == 20  # the new state

    again = {name: form[name].value() for name in ("move", "date_of_change")}
    post_move(
        rep_client,
        Opportunity.objects.get(),
        estimated_value="3456",
        **again,
    )
    assert Opportunity.objects.get().estimated_value == Decimal(3456)


def test_refresh_defaults_recomputes_from_what_was_typed_by_post(rep_client, own):
    opportunity = mine(own, in_progress=True)  # at stage 10
    page = rep_client.get(url("advance", opportunity.number)).text
    assert 'formmethod="get"' not in page  # the CSRF token stays out of URLs
    # A date the rep typed, not the default (today): the proposals follow it.
    typed_date = opportunity.entries.get().date_of_change + datetime.timedelta(days=1)
    assert typed_date < TODAY

    response = post_move(
        rep_client,
        opportunity,
        move="next",
        estimated_value="7777",
        chances_pct="55",
        date_of_change=typed_date.isoformat(),
        refresh="1",
    )

    assert response.status_code == 200
    assert Opportunity.objects.get().entries.count() == 1  # nothing moved
    initial = response.context["form"].initial
    assert initial["estimated_value"] == Decimal("7777")
    assert initial["date_of_change"] == typed_date
    assert initial["chances_pct"] == Decimal(40)  # stage 20's, the move's target
    assert initial["estimated_close_date"] == typed_date  # stage 20 has no formula


# -- closing, reopening, deleting ------------------------------------------------


def test_close_preselects_the_only_reason_and_defaults_the_sale_value(rep_client, own):
    reason = CloseReasonFactory(code="WIN", type="won")
    opportunity = mine(own, in_progress=True)
    SalesQuoteFactory(opportunity=opportunity, amount=Decimal(1500))

    form = rep_client.get(url("close", opportunity.number)).context["form"]

    assert form.initial["close_reason"] == reason.pk
    assert form.initial["sale_value"] == Decimal("1500.00")
    assert form.fields["cancel_open_tasks"].initial is True


def test_close_won_through_the_form(rep_client, own):
    reason = CloseReasonFactory(code="WIN", type="won")
    opportunity = mine(own, in_progress=True)

    response = rep_client.post(
        url("close", opportunity.number),
        {
            "outcome": "won",
            "close_reason": reason.pk,
            "date_closed": TODAY.isoformat(),
            "sale_value": "1234.50",
            "cancel_open_tasks": "on",
            "version": opportunity.version,
        },
    )

    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.current_value) == (
        Status.WON,
        Decimal("1234.50"),
    )
    assert messages_of(response) == [
        f"Opportunity {opportunity.number} is won (WIN {reason.description})."
    ]


def test_a_reversed_range_in_the_list_filters_is_a_field_error(rep_client, own):
    mine(own, in_progress=True)

    response = rep_client.get(
        url("list"), {"close_from": "2026-12-01", "close_to": "2026-10-01"}
    )

    errors = response.context["filter"].form.errors.as_data()
    assert [e.code for e in errors["close_to"]] == ["range_reversed"]
    assert "The end of the range cannot be before its start." in (
        response.content.decode()
    )


def test_the_filter_bar_marks_its_fields_as_bootstrap_does(rep_client, own):
    response = rep_client.get(
        url("list"),
        {"status": "open", "close_from": "2026-12-01", "close_to": "2026-10-01"},
    )

    page = response.content.decode()
    # The field in error is red and names its message, which says what is wrong.
    close_to = re.search(r'<input type="date" name="close_to"[^>]*>', page)[0]
    assert 'class="form-control is-invalid"' in close_to
    assert 'aria-invalid="true"' in close_to
    assert 'aria-describedby="id_close_to_error"' in close_to
    assert re.search(
        r'<div id="id_close_to_error" class="invalid-feedback"><p>'
        r"The end of the range cannot be before its start.</p></div>",
        page,
    )
    # The others: labelled, Bootstrap's classes, the chosen value kept.
    assert '<label for="id_status" class="form-label">Status</label>' in page
    assert '<select name="status" class="form-select" id="id_status">' in page
    assert '<option value="open" selected>' in page
    assert re.search(
        r'<input type="date" name="close_from" value="2026-12-01" '
        r'class="form-control" id="id_close_from">',
        page,
    )
    assert '<input type="hidden" name="o" id="id_o">' in page


def test_close_refuses_a_reason_of_the_other_type(rep_client, own):
    lost = CloseReasonFactory(code="PRICE", type="lost")
    opportunity = mine(own, in_progress=True)

    response = rep_client.post(
        url("close", opportunity.number),
        {
            "outcome": "won",
            "close_reason": lost.pk,
            "date_closed": TODAY.isoformat(),
            "version": opportunity.version,
        },
    )

    assert "close_reason" in response.context["form"].errors
    opportunity.refresh_from_db()
    assert opportunity.status == Status.IN_PROGRESS


def test_only_managers_reopen(rep_client, own, client, manager):
    opportunity = mine(own, lost=True)

    response = rep_client.post(url("reopen", opportunity.number))
    opportunity.refresh_from_db()
    assert opportunity.status == Status.LOST
    assert "Only sales managers" in " ".join(messages_of(response))

    client.force_login(manager)
    client.post(
        url("reopen", opportunity.number),
        {"reason": "New budget", "version": opportunity.version},
    )
    opportunity.refresh_from_db()
    assert opportunity.status == Status.IN_PROGRESS


def test_reopen_asks_for_a_reason_first(client, manager):
    opportunity = OpportunityFactory(lost=True)
    client.force_login(manager)

    page = client.get(url("reopen", opportunity.number))
    response = client.post(
        url("reopen", opportunity.number),
        {"reason": "  ", "version": opportunity.version},
    )

    assert page.status_code == 200
    assert "Reason for reopening" in page.content.decode()
    errors = response.context["form"].errors.as_data()
    assert [e.code for e in errors["reason"]] == ["required"]
    opportunity.refresh_from_db()
    assert opportunity.status == Status.LOST


def test_the_reopen_page_of_an_open_one_says_it_is_not_closed(client, manager):
    running = OpportunityFactory(in_progress=True)
    client.force_login(manager)

    page = client.get(url("reopen", running.number)).content.decode()
    response = client.post(
        url("reopen", running.number), {"reason": "Back", "version": running.version}
    )

    assert f"Opportunity {running.number} is not closed." in page
    assert 'name="reason"' not in page
    codes = [e.code for e in response.context["form"].non_field_errors().as_data()]
    assert codes == ["not_closed"]


def test_the_reason_for_reopening_shows_in_the_history(client, manager):
    opportunity = OpportunityFactory(lost=True)
    client.force_login(manager)

    client.post(
        url("reopen", opportunity.number),
        {"reason": "The customer came back", "version": opportunity.version},
    )
    page = client.get(url("detail", opportunity.number)).content.decode()

    assert opportunity.entries.order_by("-id").first().note == "The customer came back"
    assert re.search(
        r"Reopened<div [^>]*data-testid=\"entry-note\">The customer came back</div>",
        page,
    )


def test_close_keeps_its_note_and_shows_it_in_the_history(rep_client, own):
    reason = CloseReasonFactory(code="PRICE", type="lost")
    opportunity = mine(own, in_progress=True)

    rep_client.post(
        url("close", opportunity.number),
        {
            "outcome": "lost",
            "close_reason": reason.pk,
            "date_closed": TODAY.isoformat(),
            "note": "Went with the cheaper offer",
            "version": opportunity.version,
        },
    )
    page = rep_client.get(url("detail", opportunity.number)).content.decode()

    entry = opportunity.entries.order_by("-id").first()
    assert (entry.action_taken, entry.note) == ("lost", "Went with the cheaper offer")
    assert 'data-testid="entry-note">Went with the cheaper offer</div>' in page


def test_a_rep_cannot_delete_his_won_one(rep_client, own):
    won = mine(own, won=True)

    detail = rep_client.get(url("detail", won.number))
    page = rep_client.get(url("delete", won.number))
    response = rep_client.post(url("delete", won.number))

    assert not detail.context["can_delete"]
    assert page["Location"] == url("detail", won.number)
    assert response["Location"] == url("detail", won.number)
    assert "only a sales manager can delete it" in " ".join(messages_of(response))
    assert Opportunity.objects.filter(pk=won.pk).exists()


def test_a_rep_deletes_his_not_started_one_after_the_confirmation(rep_client, own):
    waiting = mine(own)

    page = rep_client.get(url("delete", waiting.number))
    response = rep_client.post(url("delete", waiting.number))

    assert page.status_code == 200
    assert page.context["statistics_left"][0].startswith("Not started")
    assert response["Location"] == url("list")
    assert not Opportunity.objects.filter(pk=waiting.pk).exists()


def test_a_manager_sees_the_figures_that_leave_then_deletes(client, manager):
    won = OpportunityFactory(won=True)
    client.force_login(manager)

    page = client.get(url("delete", won.number))
    response = client.post(url("delete", won.number))

    text = page.content.decode()
    closed = date_format(won.date_closed, "SHORT_DATE_FORMAT")
    assert (
        f"Won, {format_money(won.current_value)} sale value, closed {closed}: "
        "it leaves the won value, the win rate"
    ) in text
    assert "history entries" in text
    assert response["Location"] == url("list")
    assert not Opportunity.objects.filter(pk=won.pk).exists()


def test_delete_refuses_an_opportunity_in_progress(rep_client, own):
    running = mine(own, in_progress=True)
    waiting = mine(own)

    rep_client.post(url("delete", running.number))
    response = rep_client.post(url("delete", waiting.number))

    assert list(Opportunity.objects.all()) == [running]
    assert response["Location"] == url("list")


# -- quote, interaction, task ----------------------------------------------------


def test_quote_interaction_and_task_forms(rep_client, own):
    opportunity = mine(own, in_progress=True)

    rep_client.post(
        url("quote", opportunity.number),
        {"date": TODAY.isoformat(), "amount": "1500", "description": "Offer"},
    )
    rep_client.post(
        url("interaction", opportunity.number),
        {"date": TODAY.isoformat(), "kind": "call", "description": "Called"},
    )
    rep_client.post(
        url("task", opportunity.number),
        {
            "description": "Send the brochure",
            "date": TODAY.isoformat(),
            "type": "none",
            "priority": "high",
        },
    )

    assert opportunity.quote.amount == Decimal("1500.00")
    assert opportunity.interactions.get().description == "Called"
    task = opportunity.tasks.get()
    assert (task.salesperson, task.priority) == (own, "high")


def test_tasks_page_and_closing_a_task(rep_client, own):
    opportunity = mine(own, in_progress=True)
    task = services.task_create(
        user=None, opportunity=opportunity, description="Call", date=TODAY
    )
    services.task_create(
        user=None,
        salesperson=OpportunityFactory().salesperson,
        description="Not mine",
        date=TODAY,
    )

    listed = rep_client.get(url("tasks"), {"when": "today"}).context["object_list"]
    assert list(listed) == [task]

    rep_client.post(reverse("opportunities:task_complete", args=[task.number]))
    task.refresh_from_db()
    assert task.closed and not task.cancelled


def test_another_reps_task_cannot_be_closed(rep_client):
    task = services.task_create(
        user=None,
        salesperson=OpportunityFactory().salesperson,
        description="x",
        date=TODAY,
    )

    response = rep_client.post(reverse("opportunities:task_cancel", args=[task.number]))

    assert response.status_code == 404
    assert not Task.objects.get().closed


# -- board ----------------------------------------------------------------------------


def test_board_has_a_column_per_stage_with_totals(rep_client, own):
    cycle = cycle_with_stages()
    for _ in range(2):
        mine(own, in_progress=True, sales_cycle=cycle)
    OpportunityFactory(in_progress=True, sales_cycle=cycle)  # another rep's

    mine(own, sales_cycle=cycle)  # not started
    columns = rep_client.get(url("board_cycle", cycle.code)).context["columns"]

    assert [c["stage"] and c["stage"].number for c in columns] == [
        None,
        10,
        20,
        30,
        40,
    ]
    assert columns[0]["totals"]["count"] == len(columns[0]["cards"]) == 1
    assert columns[1]["totals"]["count"] == 2
    assert columns[1]["totals"]["estimated_value"] == Decimal(2000)
    assert len(columns[1]["cards"]) == 2


def test_board_limits_cards_per_column_and_shows_more(client, manager, settings):
    client.force_login(manager)
    cycle = cycle_with_stages()
    for _ in range(selectors.BOARD_CARDS_PER_COLUMN + 3):
        OpportunityFactory(in_progress=True, sales_cycle=cycle)

    columns = client.get(url("board_cycle", cycle.code)).context["columns"][1:]
    assert len(columns[0]["cards"]) == selectors.BOARD_CARDS_PER_COLUMN
    assert columns[0]["totals"]["count"] == selectors.BOARD_CARDS_PER_COLUMN + 3

    more = client.get(
        url("board_column", columns[0]["stage"].pk),
        {"offset": selectors.BOARD_CARDS_PER_COLUMN},
    )
    assert len(more.context["cards"]) == 3


def test_show_more_without_javascript_lists_the_whole_column(client, manager):
    client.force_login(manager)
    cycle = cycle_with_stages()
    for _ in range(selectors.BOARD_CARDS_PER_COLUMN + 3):
        OpportunityFactory(in_progress=True, sales_cycle=cycle)
    OpportunityFactory(in_progress=True)  # another cycle

    board = client.get(url("board_cycle", cycle.code)).content.decode()
    link = re.search(r'<a class="btn btn-link[^"]*" href="([^"]+)"', board)[1]
    listed = client.get(link.replace("&amp;", "&")).context["filter"].qs

    assert listed.count() == selectors.BOARD_CARDS_PER_COLUMN + 3
    assert {o.stage.number for o in listed} == {10}


def test_board_issues_a_fixed_number_of_queries(client, manager):
    client.force_login(manager)
    cycle = cycle_with_stages()
    OpportunityFactory(in_progress=True, sales_cycle=cycle)
    few = queries_for(client, url("board_cycle", cycle.code))
    for _ in range(30):
        OpportunityFactory(in_progress=True, sales_cycle=cycle)
    OpportunityFactory(sales_cycle=cycle)  # not started
    # session, user, cycles, permissions (user and group), the salespeople of
    # the manager's filter, stages, column totals (one grouped query), the
    # cards (a window over all columns, "not started" included), the cards'
    # next activities
    assert queries_for(client, url("board_cycle", cycle.code)) == few == 10


def test_tasks_page_issues_a_fixed_number_of_queries(rep_client, own):
    def add_tasks(count):
        for _ in range(count):
            services.task_create(
                user=None,
                opportunity=mine(own, in_progress=True),
                description="Call",
                date=TODAY,
            )

    add_tasks(2)
    few = queries_for(rep_client, url("tasks"))
    add_tasks(20)
    # session, user, permissions, the page count, the page of tasks with their
    # opportunity, contact and salesperson
    assert queries_for(rep_client, url("tasks")) == few == 6


def test_update_form_issues_a_fixed_number_of_queries(rep_client, own):
    opportunity = mine(own, in_progress=True)
    few = queries_for(rep_client, url("advance", opportunity.number), {"move": "next"})
    for _ in range(10):
        opportunity = services.opportunity_advance(
            user=None, opportunity=opportunity, move=Move.UPDATE, date_of_change=TODAY
        )
    # session, user, permissions (user and group), the opportunity with its
    # joins, the cycle's stages, the active entry, the quote
    assert (
        queries_for(rep_client, url("advance", opportunity.number), {"move": "next"})
        == few
        == 8
    )


# session, user and permissions (user and group) come first on every page.
FORM_PAGES = {
    # the user's salesperson, the default cycle, the contact given in the URL,
    # the rep's salesperson choice, the contact for the picker, the
    # salesperson and cycle choices
    "create": (lambda o: url("create") + f"?contact={o.contact_id}", 10),
    # the opportunity, the rep's salesperson, the contact for the picker, the
    # salesperson and cycle choices
    "edit": (lambda o: url("edit", o.number), 9),
    # the opportunity, its active entry, its quote, won and lost close reasons
    "close": (lambda o: url("close", o.number), 9),
}


@pytest.mark.parametrize("page", FORM_PAGES)
def test_form_pages_issue_a_fixed_number_of_queries(rep_client, own, page):
    path, queries = FORM_PAGES[page]
    opportunity = mine(own, in_progress=True)
    few = queries_for(rep_client, path(opportunity))
    for _ in range(20):
        mine(own, in_progress=True)
        CloseReasonFactory()
    assert queries_for(rep_client, path(opportunity)) == few == queries


@pytest.mark.parametrize("language", ["en", "fi"])
def test_the_status_reads_as_its_choice_in_the_language(language):
    with translation.override(language):
        labels = {value: str(label) for value, label in Status.choices}
        assert {
            status: Opportunity(status=status).get_status_display()
            for status in Status.values
        } == labels
    assert labels["won"] == {"en": "Won", "fi": "Voitettu"}[language]
    assert Opportunity(status="gone").get_status_display() == "gone"  # as Django's
