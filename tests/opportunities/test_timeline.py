"""One timeline on the opportunity page; interactions and notes corrected by
their author (issue 19)."""

import datetime

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
    TaskFactory(opportunity=deal, cancelled=True)
    TaskFactory(opportunity=deal)  # open: not in the timeline

    items = timeline(
        list(deal.entries.all()), list(deal.interactions.all()), list(deal.tasks.all())
    )

    kinds = {item.kind for item in items}
    assert kinds == {"entry", "interaction", "note", "task"}
    assert [i.row for i in items if i.kind == "task"] == [done]
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
