"""Tables of figures that a page shows and downloads as CSV from one definition.

A statistics view builds ``Table``s; the template renders each with
``includes/_report_table.html`` and ``?csv=<slug>`` (``?xlsx=<slug>``) returns
the same rows as a CSV file (an Excel workbook), so what is downloaded is what
was shown.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone

from crm.spreadsheets import csv_response, xlsx_response

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Column:
    """A column's heading and how its cells are written: text, count, money,
    number, percent or days."""

    label: str
    kind: str = "text"

    @property
    def numeric(self) -> bool:
        return self.kind != "text"


@dataclass(frozen=True)
class Link:
    """A cell that links somewhere (a list filtered to it, a record's page)."""

    value: object
    href: str

    def __str__(self) -> str:
        return str(self.value)


@dataclass
class Row:
    cells: list
    indent: int = 0


@dataclass
class Table:
    slug: str
    title: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    footer: Row | None = None
    note: str = ""

    def add(self, *cells, indent: int = 0) -> None:
        self.rows.append(Row(list(cells), indent=indent))

    def total(self, *cells) -> None:
        self.footer = Row(list(cells))

    def body(self) -> list[tuple[Row, list]]:
        """Each row with its cells paired with their columns, for the template."""
        return [
            (row, list(zip(self.columns, row.cells, strict=True))) for row in self.rows
        ]

    def foot(self) -> list | None:
        if self.footer is None:
            return None
        return list(zip(self.columns, self.footer.cells, strict=True))

    def values(self):
        """The heading and the rows (the total last) as values: text, numbers."""
        yield [str(column.label) for column in self.columns]
        for row in [*self.rows, *([self.footer] if self.footer else [])]:
            yield [
                _value(cell, column)
                for column, cell in zip(self.columns, row.cells, strict=True)
            ]

    def download(self, kind: str) -> HttpResponse:
        """The table as a CSV file (``kind`` csv) or an Excel workbook (xlsx),
        named after it and today."""
        filename = f"{self.slug}-{timezone.localdate().isoformat()}"
        if kind == "xlsx":
            kinds = [column.kind for column in self.columns]
            return xlsx_response(self.values(), filename, kinds)
        return csv_response(self.values(), filename)


def _value(cell, column: Column):
    """A cell's value as a file has it: amounts with their cents, text as text."""
    if isinstance(cell, Link):
        cell = cell.value
    if cell is None or column.kind == "text":
        return "" if cell is None else str(cell)
    if column.kind == "money" and not isinstance(cell, str):
        return Decimal(cell).quantize(CENT)
    return cell
