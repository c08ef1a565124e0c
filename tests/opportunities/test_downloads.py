"""The list's and statistics' downloads: CSV in the reader's language and Excel
workbooks with real numbers and dates, rows in the order shown (issue 19)."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from opportunities.models import Opportunity
from tests.factories import CompanyFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:list")


@pytest.fixture
def deals(manager):
    company = CompanyFactory(name="Hämeen Elintarvike Oy")
    small = OpportunityFactory(contact=company, in_progress=True)
    big = OpportunityFactory(contact=company, in_progress=True)
    # Figures set directly: the download reads what is stored.
    Opportunity.objects.filter(pk=small.pk).update(estimated_value=Decimal("1234.5"))
    Opportunity.objects.filter(pk=big.pk).update(
        estimated_value=Decimal("99000"), description="=HYPERLINK(1)"
    )
    return small, big


def test_a_finnish_csv_opens_in_columns_in_finnish_excel(client, manager, deals):
    client.force_login(manager)
    client.cookies["django_language"] = "fi"

    response = client.get(LIST, {"format": "csv", "o": "estimated_value"})

    body = response.content
    assert body.startswith("\ufeff".encode())  # UTF-8 byte-order mark
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Nro;")
    first = lines[1].split(";")
    assert "Hämeen Elintarvike Oy" in first
    assert "1234,50" in first  # a decimal comma, no thousands separator
    assert "1,234.50" not in lines[1]


def test_an_english_csv_keeps_commas_and_points(client, manager, deals):
    client.force_login(manager)
    response = client.get(LIST, {"format": "csv", "o": "estimated_value"})
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("No.,")
    assert "1234.50" in lines[1].split(",")


def test_downloads_follow_the_order_on_screen(client, manager, deals):
    small, big = deals
    client.force_login(manager)
    for order, expected in (
        ("-estimated_value", [big, small]),
        ("estimated_value", [small, big]),
    ):
        lines = (
            client.get(LIST, {"format": "csv", "o": order})
            .content.decode("utf-8-sig")
            .splitlines()
        )
        assert [line.split(",")[0] for line in lines[1:]] == [
            o.number for o in expected
        ]


def test_the_workbook_holds_real_numbers_dates_and_inert_text(client, manager, deals):
    small, big = deals
    client.force_login(manager)

    response = client.get(LIST, {"format": "xlsx", "o": "-estimated_value"})

    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert row["No."] == big.number
    assert row["Estimated value"] == 99000
    assert isinstance(row["Estimated value"], int | float)
    assert isinstance(row["Creation date"], datetime.datetime)
    # Text is text: no formula is written, whatever it starts with.
    assert row["Description"] == "=HYPERLINK(1)"
    assert sheet["B2"].data_type == "s"


def test_a_statistics_table_downloads_as_a_workbook(client, manager, deals):
    client.force_login(manager)
    response = client.get(reverse("statistics:salespeople"), {"xlsx": "salespeople"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[-1][0] == "Total"
    assert all(
        isinstance(value, int | float) for value in values[-1][1:] if value is not None
    )
    page = client.get(reverse("statistics:salespeople")).content.decode()
    assert "xlsx=salespeople" in page
