"""The managers' setup pages in the admin: pipeline statistics, filters, inlines.

Statistics follow SPEC §9: open = not started or in progress. The ``pipeline``
fixture's figures are computed by hand in its comments.
"""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Contact, Salesperson
from opportunities import services, statistics
from opportunities.models import Opportunity
from opportunities.moves import Move
from salescycles import dateformula
from salescycles.models import Activity, ActivityStep, SalesCycle, Stage
from salescycles.probability import Method
from tests.factories import (
    START_DATE,
    CompanyFactory,
    OpportunityFactory,
    PersonFactory,
    SalesCycleFactory,
    SalespersonFactory,
    StageFactory,
    UserFactory,
    cycle_with_stages,
)

pytestmark = pytest.mark.django_db


def url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def column(response, name: str) -> list[str]:
    """The text of a changelist column, row by row."""
    cells = re.findall(
        rf'<t[dh] class="field-{name}[^"]*">(.*?)</t[dh]>', response.text, re.S
    )
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]


def management_form(prefix: str, total: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def day(n: int) -> datetime.date:
    return START_DATE + datetime.timedelta(days=n)


def advance(opportunity, move, *, on_day: int, value: str):
    return services.opportunity_advance(
        user=None,
        opportunity=opportunity,
        move=move,
        date_of_change=day(on_day),
        estimated_value=Decimal(value),
    )


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def pipeline():
    """Two cycles with open, not started, won and lost opportunities.

    Every opportunity starts on day 0 at the first stage with value 1,000; won
    and lost ones close on day 10 (so their stage-10 entry has 10 days open).
    """
    # ALPHA multiplies: stages 10/20/30/40 give 2 / 10 / 30 / 64 % probability.
    alpha = cycle_with_stages(code="ALPHA")
    first = OpportunityFactory(in_progress=True, sales_cycle=alpha)
    advance(first, Move.NEXT, on_day=7, value="1000")  # 20: 1,000 -> 100.00
    second = OpportunityFactory(in_progress=True, sales_cycle=alpha)
    advance(second, Move.NEXT, on_day=3, value="2000")
    # 30: 1,250,000.50 x 30 % = 375,000.15
    advance(second, Move.NEXT, on_day=13, value="1250000.50")
    OpportunityFactory(sales_cycle=alpha)  # not started: open, no stage, no value
    OpportunityFactory(won=True, sales_cycle=alpha)  # stays on 10, closed
    OpportunityFactory(lost=True, sales_cycle=alpha)  # stays on 10, closed
    # BETA adds: stage 10 at 20 % completed, 40 % chances is 30 %.
    beta = cycle_with_stages(
        (10, 20, 40, {}), (20, 60, 80, {}), code="BETA", probability_method=Method.ADD
    )
    third = OpportunityFactory(in_progress=True, sales_cycle=beta)
    advance(third, Move.UPDATE, on_day=4, value="2000")  # 10: 2,000 -> 600.00
    OpportunityFactory(won=True, sales_cycle=beta)
    return alpha, beta


# Open count, estimated value, calculated current value per cycle.
CYCLE_FIGURES = {
    "ALPHA": (3, Decimal("1251000.50"), Decimal("375100.15")),
    "BETA": (1, Decimal("2000.00"), Decimal("600.00")),
}
# Per stage, and the average days open of its superseded entries:
# ALPHA 10: first 7, second 3, won 10, lost 10 days -> 30 / 4 = 7.5;
# ALPHA 20: second 10 days (first's entry there is still active);
# BETA 10: third 4 days before its update, won 10 days -> 7.
STAGE_FIGURES = {
    ("ALPHA", 10): (0, Decimal("0.00"), Decimal("0.00"), 7.5),
    ("ALPHA", 20): (1, Decimal("1000.00"), Decimal("100.00"), 10.0),
    ("ALPHA", 30): (1, Decimal("1250000.50"), Decimal("375000.15"), None),
    ("ALPHA", 40): (0, Decimal("0.00"), Decimal("0.00"), None),
    ("BETA", 10): (1, Decimal("2000.00"), Decimal("600.00"), 7.0),
    ("BETA", 20): (0, Decimal("0.00"), Decimal("0.00"), None),
}


# -- the selectors ------------------------------------------------------------------


def test_cycle_pipeline_counts_open_opportunities_only(pipeline):
    cycles = statistics.cycles_with_pipeline()

    assert {
        cycle.code: (
            cycle.open_count,
            cycle.open_estimated_value,
            cycle.open_current_value,
        )
        for cycle in cycles
    } == CYCLE_FIGURES


def test_stage_pipeline_counts_open_opportunities_and_averages_days_open(pipeline):
    stages = statistics.stages_with_pipeline().select_related("cycle")

    assert {
        (stage.cycle.code, stage.number): (
            stage.open_count,
            stage.open_estimated_value,
            stage.open_current_value,
            stage.average_days_open,
        )
        for stage in stages
    } == STAGE_FIGURES


def test_stage_pipeline_of_one_cycle(pipeline):
    alpha, _beta = pipeline

    stages = statistics.stages_with_pipeline(alpha)

    assert [(stage.number, stage.open_count) for stage in stages] == [
        (10, 0),
        (20, 1),
        (30, 1),
        (40, 0),
    ]


def test_pipeline_limited_to_an_estimated_close_date_range(pipeline):
    # The stages have no date formula: the estimated close date is the day of
    # the last change (first: day 7, second: day 13, third: day 4).
    closing = (day(5), day(13))

    cycles = statistics.cycles_with_pipeline(closing_between=closing)
    stages = statistics.stages_with_pipeline(closing_between=closing)

    assert {c.code: (c.open_count, c.open_estimated_value) for c in cycles} == {
        "ALPHA": (2, Decimal("1251000.50")),
        "BETA": (0, Decimal("0.00")),
    }
    assert sum(stage.open_count for stage in stages) == 2


def test_the_admin_and_the_statistics_pages_agree(pipeline):
    # The admin's columns are subqueries per cycle and stage, the pages' tables
    # grouped queries: both from opportunities.statistics, with one rounding.
    alpha, _beta = pipeline
    # An average that rounds: ALPHA 20 gets superseded entries of 10, 1 and 2
    # days (13 / 3 = 4.333...), the pages' 4.3.
    for on_day in (1, 2):
        extra = OpportunityFactory(in_progress=True, sales_cycle=alpha)
        advance(extra, Move.NEXT, on_day=0, value="10")
        advance(extra, Move.NEXT, on_day=on_day, value="10")
    everything = Opportunity.objects.all()
    by_stage = statistics.open_by_stage(everything)
    durations = statistics.stage_durations(everything)
    empty = {"count": 0, "estimated_value": 0, "current_value": 0}

    stages = list(statistics.stages_with_pipeline())
    for stage in stages:
        page = by_stage.get((stage.cycle_id, stage.pk), empty)
        assert (stage.open_count, stage.open_estimated_value) == (
            page["count"],
            page["estimated_value"],
        )
        assert stage.open_current_value == page["current_value"]
        assert statistics.tenths(stage.average_days_open) == durations.get(
            stage.pk, {}
        ).get("average_days_open")
    assert statistics.tenths(
        next(s.average_days_open for s in stages if s.cycle == alpha and s.number == 20)
    ) == Decimal("4.3")
    for cycle in statistics.cycles_with_pipeline():
        rows = [row for key, row in by_stage.items() if key[0] == cycle.pk]
        assert cycle.open_count == sum(row["count"] for row in rows)
        assert cycle.open_estimated_value == sum(row["estimated_value"] for row in rows)
        assert cycle.open_current_value == sum(row["current_value"] for row in rows)


# -- the changelists ----------------------------------------------------------------


def test_cycle_changelist_shows_open_pipeline_formatted(manager_client, pipeline):
    response = manager_client.get(url(SalesCycle, "changelist"))

    assert column(response, "code") == ["ALPHA", "BETA"]
    assert column(response, "open_opportunities") == ["3", "1"]
    assert column(response, "estimated_value") == ["1,251,000.50", "2,000.00"]
    assert column(response, "current_value") == ["375,100.15", "600.00"]


@pytest.mark.parametrize(
    ("field", "direction", "codes"),
    [
        ("open_opportunities", "", ["EMPTY", "BETA", "ALPHA"]),
        ("estimated_value", "-", ["ALPHA", "BETA", "EMPTY"]),
        ("current_value", "", ["EMPTY", "BETA", "ALPHA"]),
    ],
)
def test_cycle_statistics_columns_sort(
    manager_client, pipeline, field, direction, codes
):
    SalesCycleFactory(code="EMPTY")
    changelist = url(SalesCycle, "changelist")
    index = manager_client.get(changelist).context["cl"].list_display.index(field)

    response = manager_client.get(changelist, {"o": f"{direction}{index}"})

    assert column(response, "code") == codes


def test_stage_changelist_shows_stage_pipeline_formatted(manager_client, pipeline):
    response = manager_client.get(url(Stage, "changelist"))

    assert column(response, "number") == ["10", "20", "30", "40", "10", "20"]
    assert column(response, "open_opportunities") == ["0", "1", "1", "0", "1", "0"]
    assert column(response, "estimated_value") == [
        "0.00",
        "1,000.00",
        "1,250,000.50",
        "0.00",
        "2,000.00",
        "0.00",
    ]
    assert column(response, "current_value") == [
        "0.00",
        "100.00",
        "375,000.15",
        "0.00",
        "600.00",
        "0.00",
    ]
    assert column(response, "average_days_open") == [
        "7.5",
        "10.0",
        "-",
        "-",
        "7.0",
        "-",
    ]


def test_average_days_open_column_sorts(manager_client, pipeline):
    changelist = url(Stage, "changelist")
    index = (
        manager_client.get(changelist)
        .context["cl"]
        .list_display.index("average_days_open")
    )

    response = manager_client.get(changelist, {"o": f"-{index}"})

    numbers = [s.number for s in response.context["cl"].result_list]
    days = column(response, "average_days_open")
    figures = [d for d in days if d != "-"]
    assert figures == sorted(figures, key=float, reverse=True)
    assert numbers[days.index("10.0")] == 20


def test_the_cycle_stage_inline_shows_each_stages_pipeline(manager_client, pipeline):
    alpha, _beta = pipeline

    response = manager_client.get(url(SalesCycle, "change", alpha.pk))

    (inline,) = response.context["inline_admin_formsets"]
    rows = []
    for admin_form in inline:
        if admin_form.form.instance.pk is None:
            continue  # the blank row "Add another" copies
        cells = {
            field.field["name"]: field.contents()
            for fieldset in admin_form
            for line in fieldset
            for field in line
            if field.is_readonly
        }
        rows.append(
            (
                admin_form.form.instance.number,
                cells["open_opportunities"],
                cells["estimated_value"],
                cells["current_value"],
                cells["average_days_open"],
            )
        )
    assert rows == [
        (10, "0", "0.00", "0.00", "7.5"),
        (20, "1", "1,000.00", "100.00", "10.0"),
        (30, "1", "1,250,000.50", "375,000.15", "-"),
        (40, "0", "0.00", "0.00", "-"),
    ]


def make_pipelines(n):
    """n cycles of one stage, each with an opportunity on it and a superseded entry."""
    for _ in range(n):
        cycle = cycle_with_stages((10, 50, 50, {}))
        opportunity = OpportunityFactory(in_progress=True, sales_cycle=cycle)
        advance(opportunity, Move.UPDATE, on_day=2, value="1500")


# Where the queries come from, whatever the rows: the session, the user, the
# user's own and group permissions (2), the cycle filter's choices (stages
# only), the filtered and the unfiltered count ("N total"), and the rows with
# their statistics as subqueries.
CHANGELIST_QUERIES = {SalesCycle: 7, Stage: 8}


@pytest.mark.parametrize("model", [SalesCycle, Stage], ids=["cycle", "stage"])
def test_statistics_changelists_queries_do_not_grow_with_rows(manager_client, model):
    changelist = url(model, "changelist")
    make_pipelines(3)
    manager_client.get(changelist)  # session and content-type caches warm up

    with CaptureQueriesContext(connection) as few:
        response = manager_client.get(changelist)
    rows_few = response.context["cl"].result_count
    make_pipelines(27)
    with CaptureQueriesContext(connection) as many:
        response = manager_client.get(changelist)
    rows_many = response.context["cl"].result_count

    assert (rows_few, rows_many) == (3, 30)
    assert len(few) == len(many) == CHANGELIST_QUERIES[model], "\n".join(
        query["sql"] for query in many.captured_queries
    )


# -- contacts -----------------------------------------------------------------------


@pytest.fixture
def contacts():
    acme = CompanyFactory(number="CT000100", name="Acme Oy")
    beta = CompanyFactory(number="CT000200", name="Beta Ab")
    seller = SalespersonFactory(code="SELLER")
    return {
        "acme": acme,
        "beta": beta,
        "seller": seller,
        "pat": PersonFactory(
            number="CT000101", name="Pat", company=acme, salesperson=seller
        ),
        "kim": PersonFactory(
            number="CT000102", name="Kim", company=acme, email="kim@acme.example"
        ),
        "lee": PersonFactory(
            number="CT000201", name="Lee", company=beta, salesperson=seller
        ),
    }


def listed(response) -> set[str]:
    return {contact.number for contact in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type__exact": "company"}, {"CT000100", "CT000200"}),
        ({"type__exact": "person"}, {"CT000101", "CT000102", "CT000201"}),
        ({"company": "acme"}, {"CT000100", "CT000101", "CT000102"}),
        ({"company": "ct000200"}, {"CT000200", "CT000201"}),
        ({"company": "acme", "type__exact": "person"}, {"CT000101", "CT000102"}),
        ({"company": "nobody"}, set()),
        ({"salesperson__id__exact": "SELLER"}, {"CT000101", "CT000201"}),
        (
            {"salesperson__id__exact": "SELLER", "company": "Acme"},
            {"CT000101"},
        ),
    ],
)
def test_contact_filters(manager_client, contacts, params, expected):
    seller = contacts["seller"].pk
    params = {k: seller if v == "SELLER" else v for k, v in params.items()}

    response = manager_client.get(url(Contact, "changelist"), params)

    assert response.status_code == 200
    assert listed(response) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("CT000201", {"CT000201"}),
        ("kim", {"CT000102"}),
        ("kim@acme", {"CT000102"}),
    ],
)
def test_contact_search_by_number_name_and_email(
    manager_client, contacts, query, expected
):
    response = manager_client.get(url(Contact, "changelist"), {"q": query})

    assert listed(response) == expected


def test_the_company_filter_is_a_text_box_not_a_list_of_companies(
    manager_client, contacts
):
    response = manager_client.get(
        url(Contact, "changelist"), {"type__exact": "person", "company": "acme"}
    )

    sidebar = response.text.split('id="changelist-filter"', 1)[1]
    assert "Beta Ab" not in sidebar  # no company is listed
    form = re.search(
        r'<form method="get" class="input-filter">(.*?)</form>', sidebar, re.S
    )
    assert form is not None
    # Typing another company keeps the type filter.
    assert '<input type="hidden" name="type__exact" value="person">' in form[1]
    assert 'name="company" value="acme"' in form[1]
    assert 'name="company"' not in form[1].split('type="search"')[0]


def test_a_manager_picks_a_salespersons_user_by_autocomplete(manager_client):
    UserFactory(username="alice.smith")
    UserFactory(username="bob")

    page = manager_client.get(url(Salesperson, "add"))
    response = manager_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "contacts",
            "model_name": "salesperson",
            "field_name": "user",
            "term": "alice",
        },
    )

    assert 'class="admin-autocomplete"' in page.text.split('name="user"', 1)[1][:80]
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["alice.smith"]


# -- one POST of the add forms --------------------------------------------------------


def test_a_manager_adds_a_cycle_with_two_stages_in_one_post(manager_client):
    data = {
        "code": "NEW",
        "description": "New business",
        "probability_method": Method.MULTIPLY,
        **management_form("stages", 2),
        "stages-0-number": "20",
        "stages-0-description": "Proposal",
        "stages-0-completed_pct": "50",
        "stages-0-chances_pct": "60",
        "stages-0-quote_required": "on",
        "stages-0-date_formula": "CM+1M",
        "stages-1-number": "10",
        "stages-1-description": "Qualify",
        "stages-1-completed_pct": "10",
        "stages-1-chances_pct": "20",
        "stages-1-allow_skip": "on",
        "stages-1-date_formula": "2W",
    }

    response = manager_client.post(url(SalesCycle, "add"), data)

    assert response.status_code == 302
    cycle = SalesCycle.objects.get(code="NEW")
    assert list(
        cycle.stages.order_by("number").values_list(
            "number",
            "description",
            "completed_pct",
            "chances_pct",
            "quote_required",
            "allow_skip",
            "date_formula",
        )
    ) == [
        (10, "Qualify", Decimal(10), Decimal(20), False, True, "2W"),
        (20, "Proposal", Decimal(50), Decimal(60), True, False, "CM+1M"),
    ]


def test_an_invalid_date_formula_in_the_new_cycles_inline_saves_nothing(
    manager_client,
):
    data = {
        "code": "NEW",
        "probability_method": Method.MULTIPLY,
        **management_form("stages", 2),
        "stages-0-number": "10",
        "stages-0-description": "Qualify",
        "stages-0-completed_pct": "10",
        "stages-0-chances_pct": "20",
        "stages-1-number": "20",
        "stages-1-description": "Proposal",
        "stages-1-completed_pct": "50",
        "stages-1-chances_pct": "60",
        "stages-1-date_formula": "2X",
    }

    response = manager_client.post(url(SalesCycle, "add"), data)

    assert response.status_code == 200
    (inline,) = response.context["inline_admin_formsets"]
    assert not inline.formset.forms[0].errors
    errors = inline.formset.forms[1].errors.as_data()
    assert [error.code for error in errors["date_formula"]] == [
        dateformula.INVALID_CODE
    ]
    # Shown in the stage's row, next to the field.
    assert "&#x27;2X&#x27; is not a valid date formula" in response.text
    assert not SalesCycle.objects.exists()
    assert not Stage.objects.exists()


def test_a_manager_adds_an_activity_with_steps_in_one_post(manager_client):
    data = {
        "code": "VISIT",
        "description": "Customer visit",
        **management_form("steps", 2),
        "steps-0-step_no": "2",
        "steps-0-type": "meeting",
        "steps-0-description": "Visit",
        "steps-0-priority": "high",
        "steps-0-date_formula": "1W",
        "steps-1-step_no": "1",
        "steps-1-type": "phone_call",
        "steps-1-description": "Book the visit",
        "steps-1-priority": "normal",
        "steps-1-date_formula": "",
    }

    response = manager_client.post(url(Activity, "add"), data)

    assert response.status_code == 302
    activity = Activity.objects.get(code="VISIT")
    assert list(
        ActivityStep.objects.filter(activity=activity).values_list(
            "step_no", "type", "description", "priority", "date_formula"
        )
    ) == [
        (1, "phone_call", "Book the visit", "normal", ""),
        (2, "meeting", "Visit", "high", "1W"),
    ]
    page = manager_client.get(url(Activity, "change", activity.pk))
    (inline,) = page.context["inline_admin_formsets"]
    assert [form.instance.step_no for form in inline.formset.forms] == [1, 2]


def test_the_cycle_stage_inline_is_ordered_by_stage_number(manager_client):
    cycle = SalesCycleFactory()
    for number in (30, 10, 20):
        StageFactory(cycle=cycle, number=number)

    response = manager_client.get(url(SalesCycle, "change", cycle.pk))

    (inline,) = response.context["inline_admin_formsets"]
    assert [form.instance.number for form in inline.formset.forms] == [10, 20, 30]
