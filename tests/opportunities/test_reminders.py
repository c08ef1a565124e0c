"""send_reminders (issue 18): each salesperson's tasks of the day and the
overdue ones by e-mail, once a day."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from tests.factories import OpportunityFactory, SalespersonFactory, TaskFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 4)


@pytest.fixture
def tasks(db):
    anna = SalespersonFactory(code="AH", email="anna@example.com")
    silent = SalespersonFactory(code="NOMAIL", email="")
    deal = OpportunityFactory(salesperson=anna, in_progress=True, description="Pumps")
    return {
        "today": TaskFactory(opportunity=deal, date=DAY, description="Call Matti"),
        "overdue": TaskFactory(opportunity=deal, date=DAY - datetime.timedelta(3)),
        "later": TaskFactory(opportunity=deal, date=DAY + datetime.timedelta(1)),
        "done": TaskFactory(opportunity=deal, date=DAY, completed=True),
        "no_mail": TaskFactory(
            opportunity=OpportunityFactory(salesperson=silent, in_progress=True),
            date=DAY,
        ),
    }


def run(*args):
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def test_each_salesperson_gets_the_days_and_the_overdue_tasks_once(tasks):
    output = run("--date", DAY.isoformat())

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna@example.com"]
    assert "Call Matti" in message.body and "Pumps" in message.body
    assert "Today:" in message.body and "Overdue:" in message.body
    assert tasks["later"].description not in message.body
    assert tasks["done"].description not in message.body
    assert "Reminders sent: 1." in output

    run("--date", DAY.isoformat())
    assert len(mail.outbox) == 1  # the same day again: nothing more
    run("--date", (DAY + datetime.timedelta(1)).isoformat())
    assert len(mail.outbox) == 2


def test_a_dry_run_sends_and_records_nothing(tasks):
    output = run("--date", DAY.isoformat(), "--dry-run")
    assert mail.outbox == []
    assert "AH anna@example.com: 2" in output
    run("--date", DAY.isoformat())
    assert len(mail.outbox) == 1


def test_a_bad_date_is_a_clear_error(tasks):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--date", "5.12.2026")


# -- the tasks page (issue 18) --------------------------------------------------------


def test_a_task_is_rescheduled_in_place_with_a_time(client, rep):
    from django.urls import reverse

    deal = OpportunityFactory(salesperson=rep.salesperson, in_progress=True)
    task = TaskFactory(opportunity=deal, date=DAY)
    client.force_login(rep)
    response = client.post(
        reverse("opportunities:task_reschedule", args=[task.number]),
        {"date": "2026-12-10", "time": "14:30", "next": "/opportunities/tasks/"},
    )
    assert response["Location"] == "/opportunities/tasks/"
    task.refresh_from_db()
    assert (task.date, task.time) == (
        datetime.date(2026, 12, 10),
        datetime.time(14, 30),
    )
    bad = client.post(
        reverse("opportunities:task_reschedule", args=[task.number]), {"date": "x"}
    )
    assert bad.status_code == 302
    task.refresh_from_db()
    assert task.date == datetime.date(2026, 12, 10)


def test_done_and_cancelled_tell_apart_and_managers_filter_by_salesperson(
    client, manager, rep
):
    from django.urls import reverse

    deal = OpportunityFactory(salesperson=rep.salesperson, in_progress=True)
    TaskFactory(opportunity=deal, completed=True)
    TaskFactory(opportunity=deal, cancelled=True)
    theirs = TaskFactory(opportunity=OpportunityFactory(in_progress=True))
    client.force_login(manager)
    closed = client.get(reverse("opportunities:tasks"), {"when": "closed"})
    page = closed.content.decode()
    assert 'data-testid="task-done"' in page and 'data-testid="task-cancelled"' in page
    mine = client.get(reverse("opportunities:tasks"), {"salesperson": "REP1"})
    assert theirs not in list(mine.context["object_list"])
    assert 'data-testid="task-salesperson-filter"' in mine.content.decode()
    client.force_login(rep)
    rep_page = client.get(reverse("opportunities:tasks")).content.decode()
    assert 'data-testid="task-salesperson-filter"' not in rep_page


def test_a_task_takes_an_optional_time(client, rep):
    from django.urls import reverse

    from opportunities.models import Task

    deal = OpportunityFactory(salesperson=rep.salesperson, in_progress=True)
    client.force_login(rep)
    client.post(
        reverse("opportunities:task", args=[deal.number]),
        {
            "description": "Demo",
            "date": "2026-12-07",
            "time": "09:15",
            "type": "meeting",
            "priority": "normal",
        },
    )
    assert Task.objects.get(description="Demo").time == datetime.time(9, 15)
