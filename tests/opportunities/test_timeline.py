"""One timeline on the opportunity page; interactions and notes corrected by
their author (issue 19)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from opportunities import services
from opportunities.models import InteractionKind
from opportunities.timeline import FOLD_AT, timeline
from tests.conftest import error_codes
from tests.factories import OpportunityFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(rep):
    return OpportunityFactory(salesperson=rep.salesperson, in_progress=True)


def log(user, deal, text, kind=InteractionKind.NOTE, day=None):
    return services.interaction_log(
        user=user,
        opportunity=deal,
        kind=kind,
        description=text,
        date=day or datetime.date.today(),
    )


def test_the_timeline_mixes_history_interactions_notes_and_tasks_done(rep, deal):
    first = deal.entries.get()
    call = log(rep, deal, "Called", InteractionKind.CALL, first.date_of_change)
    note = log(
        rep, deal, "Later note", day=first.date_of_change + datetime.timedelta(1)
    )
    done = TaskFactory(opportunity=deal, completed=True)
    cancelled = TaskFactory(opportunity=deal, cancelled=True)
    TaskFactory(opportunity=deal)  # open: not in the timeline

    items = timeline(
        list(deal.entries.all()), list(deal.interactions.all()), list(deal.tasks.all())
    )

    kinds = {item.kind for item in items}
    assert kinds == {"entry", "interaction", "note", "task"}
    assert {i.row for i in items if i.kind == "task"} == {done, cancelled}
    dates = [item.date for item in items]
    assert dates == sorted(dates, reverse=True)
    assert items.index(next(i for i in items if i.row == note)) < items.index(
        next(i for i in items if i.row == call)
    )


def test_a_long_text_is_folded():
    from opportunities.timeline import Item

    class Row:
        description = "word " * 200

    item = Item("note", datetime.date.today(), None, Row())
    assert item.folded
    assert len(item.preview) <= FOLD_AT + 2


def test_only_the_author_corrects_an_interaction(rep, deal):
    note = log(rep, deal, "Typo hre")
    services.interaction_update(
        user=rep,
        interaction=note,
        kind=note.kind,
        description="Typo here",
        date=note.date,
    )
    note.refresh_from_db()
    assert note.description == "Typo here"

    stranger = UserFactory()
    with pytest.raises(ValidationError) as refused:
        services.interaction_update(
            user=stranger,
            interaction=note,
            kind=note.kind,
            description="Mine now",
            date=note.date,
        )
    assert error_codes(refused.value) == ["not_the_author"]


def test_the_author_corrects_from_the_page_others_get_a_404(client, rep, manager, deal):
    note = log(rep, deal, "Typo hre")
    url = reverse("opportunities:interaction_edit", args=[deal.number, note.pk])
    client.force_login(rep)
    form = client.get(url)
    assert form.status_code == 200
    assert "Typo hre" in form.content.decode()
    response = client.post(
        url, {"date": note.date.isoformat(), "kind": note.kind, "description": "Fixed"}
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.description == "Fixed"

    client.force_login(manager)  # sees the opportunity, but did not write it
    assert client.get(url).status_code == 404


def test_a_skip_and_a_jump_back_read_apart(client, rep):
    from opportunities.moves import Move
    from tests.opportunities.test_advance import advance, skip_cycle, stage

    opp = OpportunityFactory(
        salesperson=rep.salesperson, in_progress=True, sales_cycle=skip_cycle()
    )
    opp = advance(opp, Move.SKIP, target_stage=stage(opp, 30))
    opp = advance(opp, Move.JUMP_BACK, target_stage=stage(opp, 10))
    client.force_login(rep)

    page = client.get(reverse("opportunities:detail", args=[opp.number]))

    labels = [str(i.label) for i in page.context["timeline"] if i.kind == "entry"]
    assert labels == ["Jumped back", "Jumped ahead (skip)", "First"]
    text = page.content.decode()
    assert "completed 10 %" in text  # the completed % of each entry
    assert "· 0 interactions" in text


def test_a_note_is_added_from_the_timeline(client, rep, deal):
    client.force_login(rep)
    page = client.get(reverse("opportunities:detail", args=[deal.number]))
    assert 'data-testid="add-note"' in page.content.decode()
    client.post(
        reverse("opportunities:interaction", args=[deal.number]),
        {
            "kind": "note",
            "date": datetime.date.today().isoformat(),
            "description": "Call back",
        },
    )
    page = client.get(reverse("opportunities:detail", args=[deal.number]))
    first = page.context["timeline"][0]
    assert (first.kind, first.text) == ("note", "Call back")
    assert "· 1 interaction" in page.content.decode()


# -- the next activity (issue 18) ----------------------------------------------------


def test_every_page_shows_the_next_activity_or_its_want(client, rep, deal):
    from opportunities import selectors

    client.force_login(rep)
    page = client.get(reverse("opportunities:detail", args=[deal.number]))
    assert page.context["next_task"] is None
    assert 'data-testid="no-next-activity"' in page.content.decode()

    overdue = TaskFactory(opportunity=deal, date=datetime.date(2026, 1, 2))
    TaskFactory(opportunity=deal, date=datetime.date(2026, 6, 1))
    assert selectors.attach_next_tasks([deal])[0].next_task == overdue
    page = client.get(reverse("opportunities:detail", args=[deal.number]))
    assert page.context["next_task"] == overdue
    listed = client.get(reverse("opportunities:list"))
    row = next(o for o in listed.context["object_list"] if o.pk == deal.pk)
    assert row.next_task == overdue
    assert "text-danger" in listed.content.decode()


def test_the_no_next_activity_filter_and_view(client, rep, deal):
    planned = OpportunityFactory(salesperson=rep.salesperson, in_progress=True)
    TaskFactory(opportunity=planned)
    client.force_login(rep)
    listed = client.get(reverse("opportunities:list"), {"next_activity": "none"})
    assert [o.pk for o in listed.context["object_list"]] == [deal.pk]
    shipped = {v.key: v.query for v in listed.context["shipped_views"]}
    assert shipped["no-next-activity"] == "next_activity=none"


def test_completing_the_last_task_offers_to_schedule_the_next(client, rep, deal):
    task = TaskFactory(opportunity=deal)
    client.force_login(rep)
    response = client.post(reverse("opportunities:task_complete", args=[task.number]))
    assert response["Location"] == reverse("opportunities:task", args=[deal.number])
    other = TaskFactory(opportunity=deal)
    TaskFactory(opportunity=deal)
    response = client.post(reverse("opportunities:task_complete", args=[other.number]))
    assert response["Location"] == reverse("opportunities:tasks")


def test_the_page_links_the_contact_and_company_with_phone_and_e_mail(client, rep):
    from tests.factories import CompanyFactory, PersonFactory

    company = CompanyFactory(phone="+358 9 100", email="info@firm.example")
    person = PersonFactory(
        company=company, mobile="+358 40 200", email="p@firm.example"
    )
    deal = OpportunityFactory(salesperson=rep.salesperson, contact=person)
    client.force_login(rep)
    page = client.get(
        reverse("opportunities:detail", args=[deal.number])
    ).content.decode()
    assert reverse("contacts:detail", args=[person.number]) in page
    assert reverse("contacts:detail", args=[company.number]) in page
    assert 'href="tel:+358 40 200"' in page and 'href="tel:+358 9 100"' in page
    assert 'href="mailto:p@firm.example"' in page


# -- the move form names its target and previews its figures (issue 18) -------------


def test_the_move_form_names_the_target_and_previews_the_figures(client, rep, deal):
    url = reverse("opportunities:advance", args=[deal.number])
    client.force_login(rep)
    page = client.get(url)
    target = page.context["target"]
    assert target.number == 20  # next: the stage above
    assert f"To stage {target.number} {target.description}" in page.content.decode()

    preview = client.get(
        url,
        {
            "preview": "1",
            "move": "next",
            "target_stage": target.pk,
            "estimated_value": "100,000.00",
            "chances_pct": "12.5",
        },
    )
    # The services' rule: completed x chances, the current value rounded once.
    figures = preview.context["figures"]
    assert figures.current_value == (
        Decimal("100000") * Decimal("12.5") * target.completed_pct / 10000
    ).quantize(Decimal("0.01"))
    assert 'data-testid="move-preview"' in preview.content.decode()
    unreadable = client.get(
        url, {"preview": "1", "target_stage": target.pk, "estimated_value": "x"}
    )
    assert unreadable.status_code == 200 and unreadable.context["figures"] is None


def test_a_quote_required_stage_is_announced_before_the_form(client, rep):
    from tests.factories import cycle_with_stages

    cycle = cycle_with_stages((10, 10, 20, {}), (20, 50, 50, {"quote_required": True}))
    deal = OpportunityFactory(
        salesperson=rep.salesperson, in_progress=True, sales_cycle=cycle
    )
    client.force_login(rep)
    page = client.get(reverse("opportunities:advance", args=[deal.number]))
    assert page.context["quote_needed"] is True
    assert reverse("opportunities:quote", args=[deal.number]) in page.content.decode()


def test_the_correction_page_makes_a_fixed_number_of_queries(
    client, rep, deal, django_assert_num_queries
):
    note = log(rep, deal, "Typo hre")
    for n in range(5):
        log(rep, deal, f"Other {n}")
    client.force_login(rep)
    url = reverse("opportunities:interaction_edit", args=[deal.number, note.pk])
    # session, user, the two permission queries, the opportunity with its
    # joins, the interaction.
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
