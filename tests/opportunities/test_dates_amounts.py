"""Issue 16, dates and amounts: no date of change after today, estimated close
dates at most ten years ahead, task dates from 2000 to ten years ahead, and
amounts at most 999,999,999,999.99, in the services, the pages, the admin and
the imports, with the rules' codes."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from crm.dataio import Options, registry, run_import
from opportunities import rules, services
from opportunities.models import CloseReasonType, Opportunity, Status, Task
from opportunities.moves import Move
from tests.conftest import error_codes
from tests.crm.dataio.importing import write
from tests.factories import (
    START_DATE,
    CloseReasonFactory,
    CompanyFactory,
    OpportunityFactory,
    SalespersonFactory,
    TaskFactory,
    cycle_with_stages,
)
from tests.opportunities.test_admin import messages_of, run_action

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = datetime.timedelta(days=1)
TOO_LARGE = "1000000000000"  # 1,000,000,000,000: a cent above the limit
LOST, WON = CloseReasonType.LOST, CloseReasonType.WON


def today():
    return timezone.localdate()


def refused(service, **kwargs):
    """The codes, by field, of the service's refusal."""
    kwargs.setdefault("user", None)
    with pytest.raises(ValidationError) as raised:
        service(**kwargs)
    return error_codes(raised.value)


def in_progress(**fields):
    return OpportunityFactory(in_progress=True, **fields)


# -- the rules -------------------------------------------------------------------------


def test_years_after_keeps_the_day_and_stops_at_the_last_date():
    assert rules.years_after(D(2028, 2, 29), 10) == D(2038, 2, 28)
    assert rules.years_after(D(2026, 5, 1), 10) == D(2036, 5, 1)
    assert rules.years_after(D(9995, 1, 1), 10) == datetime.date.max


def test_the_amount_limit_is_999_999_999_999_99():
    assert rules.amount_within_limit(rules.MAX_AMOUNT) is None
    assert rules.amount_within_limit(None) is None
    error = rules.amount_within_limit(rules.MAX_AMOUNT + Decimal("0.01"))
    assert error.code == "amount_too_large"
    assert str(error.messages[0]).startswith("The amount is too large")


# -- date of change: not after today ---------------------------------------------------


@pytest.mark.parametrize("move", [Move.NEXT, Move.UPDATE])
def test_a_move_dated_after_today_is_date_in_future(move):
    opp = in_progress()

    assert refused(
        services.opportunity_advance,
        opportunity=opp,
        move=move,
        date_of_change=today() + DAY,
    ) == {"date_of_change": ["date_in_future"]}
    opp = services.opportunity_advance(
        user=None, opportunity=opp, move=move, date_of_change=today()
    )
    assert opp.entries.get(active=True).date_of_change == today()


def test_a_closing_dated_after_today_is_date_in_future():
    assert refused(
        services.opportunity_close,
        opportunity=in_progress(),
        outcome=LOST,
        close_reason=CloseReasonFactory(),
        date_closed=D(2030, 1, 1),
    ) == {"date_closed": ["date_in_future"]}


def test_a_reopening_dated_after_today_is_date_in_future(manager):
    opp = services.opportunity_close(
        user=None,
        opportunity=in_progress(),
        outcome=LOST,
        close_reason=CloseReasonFactory(),
        date_closed=START_DATE,
    )

    assert refused(
        services.opportunity_reopen,
        user=manager,
        opportunity=opp,
        date_of_change=today() + DAY,
        reason="Closed by mistake",
    ) == {"date_of_change": ["date_in_future"]}


def far_closed(manager):
    """Old data: lost on 9999-12-31 (before the rule), then reopened."""
    opp = services.opportunity_close(
        user=None,
        opportunity=in_progress(),
        outcome=LOST,
        close_reason=CloseReasonFactory(),
        date_closed=START_DATE,
    )
    opp.entries.filter(active=True).update(date_of_change=datetime.date.max)
    Opportunity.objects.filter(pk=opp.pk).update(date_closed=datetime.date.max)
    return services.opportunity_reopen(
        user=manager, opportunity=opp, reason="Closed by mistake"
    )


def test_a_closing_dated_ahead_by_old_data_still_reopens_and_the_page_shows(
    client, manager
):
    opp = far_closed(manager)
    client.force_login(manager)

    response = client.get(reverse("opportunities:advance", args=[opp.number]))

    assert opp.status == Status.IN_PROGRESS
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["date_of_change"] == datetime.date.max
    assert form.initial["estimated_close_date"] == datetime.date.max
    for move in form.fields["move"].choices:
        page = client.get(
            reverse("opportunities:advance", args=[opp.number]), {"move": move[0]}
        )
        assert page.status_code == 200


def test_the_other_pages_show_an_opportunity_dated_ahead_by_old_data(client, manager):
    opp = far_closed(manager)
    client.force_login(manager)

    for name in ("detail", "close", "edit"):
        page = client.get(reverse(f"opportunities:{name}", args=[opp.number]))
        assert page.status_code == 200, name
    pages = ["home", "opportunities:list", "opportunities:board"] + [
        f"statistics:{name}"
        for name in ("overview", "forecast", "win_rate", "matrix", "cycles")
    ]
    for name in pages:
        assert client.get(reverse(name)).status_code == 200, name
    response = client.post(
        reverse("opportunities:close", args=[opp.number]),
        {
            "outcome": "lost",
            "close_reason": CloseReasonFactory().pk,
            "date_closed": "9999-12-31",
            "version": opp.version,
        },
    )
    assert field_codes(response, "date_closed") == ["date_in_future"]


def test_a_move_after_a_closing_dated_ahead_is_refused_on_the_date(client, manager):
    opp = far_closed(manager)
    client.force_login(manager)

    response = client.post(
        reverse("opportunities:advance", args=[opp.number]),
        {
            "move": "next",
            "date_of_change": "9999-12-31",
            "estimated_value": "100",
            "chances_pct": "0",
            "estimated_close_date": "9999-12-31",
            "version": opp.version,
        },
    )

    errors = response.context["form"].errors.as_data()
    assert {field: [e.code for e in e_list] for field, e_list in errors.items()} == {
        "date_of_change": ["date_in_future"]
    }


# -- an error about the typed date never names the stage's formula ---------------------


def test_a_date_of_change_far_ahead_is_refused_without_the_formula():
    cycle = cycle_with_stages(
        (10, 10, 20, {"date_formula": "1M"}), (20, 50, 60, {"date_formula": "3M"})
    )
    opp = in_progress(sales_cycle=cycle)

    with pytest.raises(ValidationError) as raised:
        services.opportunity_advance(
            user=None,
            opportunity=opp,
            move=Move.NEXT,
            date_of_change=D(9999, 12, 15),
        )

    assert error_codes(raised.value) == {"date_of_change": ["date_in_future"]}
    assert not any("formula" in m for m in raised.value.messages)


def test_the_update_page_refuses_a_far_date_on_its_field_only(client, manager):
    cycle = cycle_with_stages(
        (10, 10, 20, {"date_formula": "1M"}), (20, 50, 60, {"date_formula": "3M"})
    )
    opp = in_progress(sales_cycle=cycle)
    client.force_login(manager)

    response = client.post(
        reverse("opportunities:advance", args=[opp.number]),
        {
            "move": "next",
            "date_of_change": "9999-12-15",
            "estimated_value": "100",
            "chances_pct": "0",
            "estimated_close_date": "9999-12-20",
            "version": opp.version,
        },
    )

    form = response.context["form"]
    assert [e.code for e in form.errors.as_data()["date_of_change"]] == [
        "date_in_future"
    ]
    assert not form.non_field_errors()
    assert "formula" not in response.content.decode()


# -- estimated close date: at most ten years after the date of change ------------------


def test_an_estimated_close_date_over_ten_years_ahead_is_close_date_too_far():
    opp = in_progress()
    date = today()

    assert refused(
        services.opportunity_advance,
        opportunity=opp,
        move=Move.NEXT,
        date_of_change=date,
        estimated_close_date=rules.years_after(date, 10) + DAY,
    ) == {"estimated_close_date": ["close_date_too_far"]}
    opp = services.opportunity_advance(
        user=None,
        opportunity=opp,
        move=Move.NEXT,
        date_of_change=date,
        estimated_close_date=rules.years_after(date, 10),
    )
    assert opp.estimated_close_date == rules.years_after(date, 10)


# -- task dates: 2000-01-01 to ten years ahead -----------------------------------------


@pytest.mark.parametrize("date", [D(1999, 12, 31), D(1, 1, 1), "too far"])
def test_a_task_date_out_of_range_is_task_date_out_of_range(date):
    if date == "too far":
        date = rules.years_after(today(), 10) + DAY

    assert refused(
        services.task_create, description="Call", date=date, opportunity=in_progress()
    ) == {"date": ["task_date_out_of_range"]}


def test_task_dates_at_the_limits_are_taken():
    opp = in_progress()
    for date in (rules.EARLIEST_TASK_DATE, rules.years_after(today(), 10)):
        assert (
            services.task_create(
                user=None, description="Call", date=date, opportunity=opp
            ).date
            == date
        )


def test_a_task_update_to_a_date_out_of_range_is_refused_but_an_old_one_stays():
    task = TaskFactory()

    assert refused(services.task_update, task=task, date=D(1990, 1, 1)) == {
        "date": ["task_date_out_of_range"]
    }
    Task.objects.filter(pk=task.pk).update(date=D(1990, 1, 1))  # old data
    task.refresh_from_db()
    task = services.task_update(user=None, task=task, description="Renamed")
    assert (task.description, task.date) == ("Renamed", D(1990, 1, 1))


# -- amounts ---------------------------------------------------------------------------


def test_an_estimated_value_too_large_is_amount_too_large():
    assert refused(
        services.opportunity_advance,
        opportunity=in_progress(),
        move=Move.NEXT,
        estimated_value=Decimal(TOO_LARGE),
    ) == {"estimated_value": ["amount_too_large"]}


def test_the_largest_amount_is_taken():
    opp = services.opportunity_advance(
        user=None,
        opportunity=in_progress(),
        move=Move.NEXT,
        estimated_value=rules.MAX_AMOUNT,
    )
    assert opp.estimated_value == rules.MAX_AMOUNT


def test_a_sale_value_too_large_is_amount_too_large():
    assert refused(
        services.opportunity_close,
        opportunity=in_progress(),
        outcome=WON,
        close_reason=CloseReasonFactory(won=True),
        sale_value=Decimal(TOO_LARGE),
    ) == {"sale_value": ["amount_too_large"]}


def test_a_quote_amount_too_large_is_amount_too_large():
    assert refused(
        services.sales_quote_create,
        opportunity=in_progress(),
        amount=Decimal(TOO_LARGE),
    ) == {"amount": ["amount_too_large"]}


# -- the pages -------------------------------------------------------------------------


@pytest.fixture
def rep_client(client, rep):
    client.force_login(rep)
    return client


@pytest.fixture
def own(rep):
    return rep.salesperson


def field_codes(response, field):
    return [e.code for e in response.context["form"].errors.as_data()[field]]


def field_text(response, field):
    return " ".join(response.context["form"].errors[field])


def post_move(client, opportunity, **data):
    data = {
        "move": "next",
        "date_of_change": today().isoformat(),
        "estimated_value": "2000",
        "chances_pct": "0",
        "estimated_close_date": (today() + 30 * DAY).isoformat(),
        "version": opportunity.version,
    } | data
    return client.post(
        reverse("opportunities:advance", args=[opportunity.number]), data
    )


def test_the_update_page_refuses_a_date_after_today(rep_client, own):
    opp = in_progress(salesperson=own)

    response = post_move(rep_client, opp, date_of_change="2030-01-01")

    assert field_codes(response, "date_of_change") == ["date_in_future"]
    assert opp.entries.count() == 1


def test_the_update_page_refuses_a_close_date_too_far(rep_client, own):
    response = post_move(
        rep_client,
        in_progress(salesperson=own),
        estimated_close_date=(rules.years_after(today(), 10) + DAY).isoformat(),
    )

    assert field_codes(response, "estimated_close_date") == ["close_date_too_far"]


@pytest.mark.parametrize(
    "value", [TOO_LARGE, "1e50", "12345678901234567890", "1,000,000,000,000.00"]
)
def test_the_update_page_says_plainly_an_amount_is_too_large(rep_client, own, value):
    response = post_move(
        rep_client, in_progress(salesperson=own), estimated_value=value
    )

    assert field_codes(response, "estimated_value") == ["amount_too_large"]
    text = field_text(response, "estimated_value")
    assert text.startswith("The amount is too large")
    assert "digits" not in text and "1e" not in text.lower()


def test_the_update_page_takes_the_largest_amount(rep_client, own):
    opp = in_progress(salesperson=own)

    post_move(rep_client, opp, estimated_value="999999999999.99")

    opp.refresh_from_db()
    assert opp.estimated_value == rules.MAX_AMOUNT


def close_page(client, opportunity, **data):
    data = {
        "outcome": "won",
        "close_reason": CloseReasonFactory(won=True).pk,
        "date_closed": today().isoformat(),
        "sale_value": "100",
        "cancel_open_tasks": "on",
        "version": opportunity.version,
    } | data
    return client.post(reverse("opportunities:close", args=[opportunity.number]), data)


def test_the_close_page_refuses_a_date_after_today(rep_client, own):
    response = close_page(
        rep_client, in_progress(salesperson=own), date_closed="9999-12-31"
    )

    assert field_codes(response, "date_closed") == ["date_in_future"]


def test_the_close_page_refuses_a_sale_value_too_large(rep_client, own):
    response = close_page(rep_client, in_progress(salesperson=own), sale_value="1e50")

    assert field_codes(response, "sale_value") == ["amount_too_large"]
    assert field_text(response, "sale_value").startswith("The amount is too large")


def test_the_quote_page_refuses_an_amount_too_large(rep_client, own):
    opp = in_progress(salesperson=own)

    response = rep_client.post(
        reverse("opportunities:quote", args=[opp.number]),
        {"date": today().isoformat(), "amount": TOO_LARGE},
    )

    assert field_codes(response, "amount") == ["amount_too_large"]
    assert "digits" not in field_text(response, "amount")
    assert not hasattr(opp, "quote") or opp.quote is None


@pytest.mark.parametrize("date", ["1999-12-31", "2100-01-01"])
def test_the_task_page_refuses_a_date_out_of_range(rep_client, own, date):
    opp = in_progress(salesperson=own)

    response = rep_client.post(
        reverse("opportunities:task", args=[opp.number]),
        {"description": "Call", "date": date, "type": "none", "priority": "normal"},
    )

    assert field_codes(response, "date") == ["task_date_out_of_range"]
    assert not opp.tasks.exists()


# -- the admin -------------------------------------------------------------------------


def test_close_as_lost_in_the_admin_refuses_a_date_after_today(client, manager):
    running = in_progress()
    reason = CloseReasonFactory(code="COMPETE", type="lost")
    client.force_login(manager)

    response = run_action(
        client,
        "close_as_lost",
        [running],
        apply="True",
        close_reason=reason.pk,
        date_closed=(today() + DAY).isoformat(),
    )

    running.refresh_from_db()
    assert running.status == Status.IN_PROGRESS
    assert messages_of(response) == [
        f"{running.number}: The date cannot be in the future."
    ]


def test_the_task_admin_refuses_a_date_out_of_range(client, manager):
    salesperson = SalespersonFactory()
    client.force_login(manager)

    response = client.post(
        reverse("admin:opportunities_task_add"),
        {
            "type": "none",
            "description": "Call",
            "date": "1999-01-01",
            "priority": "normal",
            "status": "not_started",
            "salesperson": salesperson.pk,
        },
    )

    # The service refuses it; the admin shows its message on the page again.
    assert response.status_code == 302
    assert messages_of(response) == [
        "The task's date must be between 1 Jan 2000 and "
        f"{date_format(rules.years_after(today(), 10), 'SHORT_DATE_FORMAT')}."
    ]
    assert not Task.objects.exists()


# -- the imports -----------------------------------------------------------------------

HEADER = (
    "number,description,contact,salesperson,sales_cycle,creation_date,status,"
    "stage,estimated_value,chances_pct,estimated_close_date,date_closed,close_reason"
)
ENTRIES = (
    "entry_no,opportunity,stage,date_of_change,action_taken,estimated_value,"
    "estimated_close_date\n"
)


@pytest.fixture
def world():
    salesperson = SalespersonFactory(code="AH")
    contact = CompanyFactory(number="C1")
    cycle = cycle_with_stages(code="CYC")
    CloseReasonFactory(code="PRICE", type=LOST)
    return OpportunityFactory(
        number="OP1",
        contact=contact,
        salesperson=salesperson,
        sales_cycle=cycle,
        creation_date=D(2026, 1, 5),
    )


def problems(tmp_path, kind, text):
    """(line, column, code) of each of the file's errors."""
    result = run_import(registry()[kind], str(write(tmp_path, text)), Options())
    return sorted((p.line, p.column, p.code) for p in result.problems.errors)


@pytest.mark.parametrize(
    ("cells", "column", "code"),
    [
        ("2026-01-05,Lost,10,100,,,2099-01-01,PRICE", "date_closed", "date_in_future"),
        (
            "2026-01-05,In Progress,10,100,,2036-01-06,,",
            "estimated_close_date",
            "close_date_too_far",
        ),
        (
            f"2026-01-05,In Progress,10,{TOO_LARGE},,,,",
            "estimated_value",
            "amount_too_large",
        ),
    ],
)
def test_the_opportunities_import_reports_dates_and_amounts(
    tmp_path, world, cells, column, code
):
    text = f"{HEADER}\nX,ok,C1,AH,CYC,2026-01-05,,,,,,,\nY,d,C1,AH,CYC,{cells}\n"

    found = problems(tmp_path, "opportunities", text)

    assert found == [(3, column, code)]


def test_the_opportunities_import_takes_a_close_date_ten_years_ahead(tmp_path, world):
    text = f"{HEADER}\nY,d,C1,AH,CYC,2026-01-05,In Progress,10,100,,2036-01-05,\n"

    assert problems(tmp_path, "opportunities", text) == []
    assert Opportunity.objects.get(number="Y").estimated_close_date == D(2036, 1, 5)


@pytest.mark.parametrize(
    ("second", "column", "code"),
    [
        ("2,OP1,20,2099-01-01,Next,100,", "date_of_change", "date_in_future"),
        (
            "2,OP1,20,2026-02-01,Next,100,2036-02-02",
            "estimated_close_date",
            "close_date_too_far",
        ),
        (
            f"2,OP1,20,2026-02-01,Next,{TOO_LARGE},",
            "estimated_value",
            "amount_too_large",
        ),
    ],
)
def test_the_entries_import_reports_dates_and_amounts(
    tmp_path, world, second, column, code
):
    text = f"{ENTRIES}1,OP1,10,2026-01-10,,100,2026-03-01\n{second}\n"

    assert problems(tmp_path, "opportunity-entries", text) == [(3, column, code)]


def test_the_quotes_import_says_plainly_an_amount_is_too_large(tmp_path, world):
    OpportunityFactory(in_progress=True, number="OP2")
    text = f"number,opportunity,amount\nQ1,OP2,{TOO_LARGE}\n"
    result = run_import(registry()["quotes"], str(write(tmp_path, text)), Options())

    assert [(p.line, p.column, p.code) for p in result.problems.errors] == [
        (2, "amount", "amount_too_large")
    ]
    assert result.problems.errors[0].message.startswith("The amount is too large")


@pytest.mark.parametrize("date", ["1999-12-31", "2100-01-01"])
def test_the_tasks_import_reports_a_date_out_of_range(tmp_path, world, date):
    text = (
        "number,description,date,salesperson\n"
        f"T1,Call,2026-01-10,AH\nT2,Call,{date},AH\n"
    )

    assert problems(tmp_path, "tasks", text) == [(3, "date", "task_date_out_of_range")]
