"""Cells of CSV files that people open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is a formula to Excel and LibreOffice: ``=HYPERLINK(...)`` typed into a contact's
name would run in everyone's spreadsheet. Such a text gets a leading
apostrophe (OWASP's advice), which spreadsheets take as "text follows" and
do not show. Numbers and dates are written as they are: ``-5`` stays a number.

The lists' and statistics' downloads are written here too, as CSV in the
manner of the reader's language or as an Excel workbook (XlsxWriter).
"""

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

import xlsxwriter
from django.http import HttpResponse
from django.utils import translation

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The backup files (export_data) also mark a text that starts with the mark
# itself, so that import_data takes exactly one mark off and gets the text back.
MARK = "'"
ESCAPED_STARTS = (*FORMULA_STARTS, MARK)


def spreadsheet_cell(value):
    """``value`` as a spreadsheet shows it but never runs it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return MARK + value
    return value


def escape_text(text: str) -> str:
    """A text for a file ``unescape_text`` reads back: a formula is marked."""
    return MARK + text if text.startswith(ESCAPED_STARTS) else text


def unescape_text(text: str) -> str:
    """The text ``escape_text`` wrote (a mark before a formula or a mark dropped)."""
    if text.startswith(MARK) and text[1:].startswith(ESCAPED_STARTS):
        return text[1:]
    return text


# -- downloads ---------------------------------------------------------------------

# How a language's spreadsheet programs read a CSV file: the field separator
# and the decimal mark (Finnish Excel splits on ";" and takes "1,5" for a
# number). Every file starts with a byte-order mark, so that Excel reads UTF-8
# (å, ä, ö) rather than the system's code page.
CSV_MANNERS = {"fi": (";", ","), "en": (",", ".")}
BOM = "\ufeff"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Cell formats of the kinds the tables know.
NUMBER_FORMATS = {
    "money": "#,##0.00",
    "percent": "0.00",
    "number": "0.##",
    "days": "0.0",
    "count": "0",
    "date": "yyyy-mm-dd",
}


def csv_text(value, decimal_mark: str = ".") -> str:
    """A value as a CSV cell has it (a number with this decimal mark)."""
    if value is None:
        return ""
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        return str(value).replace(".", decimal_mark)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return spreadsheet_cell(str(value))


def csv_response(rows: Iterable[Sequence], filename: str) -> HttpResponse:
    """``rows`` (the header first; cells as values: text, numbers, dates) as a
    CSV attachment in the manner of the current language's spreadsheets."""
    separator, decimal_mark = CSV_MANNERS.get(
        translation.get_language() or "en", CSV_MANNERS["en"]
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response.write(BOM)
    writer = csv.writer(response, delimiter=separator)
    for row in rows:
        writer.writerow([csv_text(cell, decimal_mark) for cell in row])
    return response


def xlsx_response(
    rows: Iterable[Sequence], filename: str, kinds: Sequence[str] = ()
) -> HttpResponse:
    """``rows`` (the header first) as an Excel workbook: real numbers and dates
    in the cells, formatted by ``kinds`` (a column's kind, as the tables name
    them); text is always text, never a formula."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    bold = workbook.add_format({"bold": True})
    formats = {
        kind: workbook.add_format({"num_format": f})
        for kind, f in NUMBER_FORMATS.items()
    }
    widths: dict[int, int] = {}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            kind = kinds[c] if c < len(kinds) else ""
            if r == 0:
                sheet.write_string(r, c, str(value), bold)
            elif value is None or value == "":
                continue
            elif isinstance(value, datetime.date):
                sheet.write_datetime(r, c, value, formats["date"])
            elif isinstance(value, Decimal | float | int) and not isinstance(
                value, bool
            ):
                sheet.write_number(r, c, float(value), formats.get(kind or "number"))
            else:
                sheet.write_string(r, c, str(value))
            widths[c] = max(widths.get(c, 8), min(len(str(value)) + 2, 50))
    for c, width in widths.items():
        sheet.set_column(c, c, width)
    sheet.freeze_panes(1, 0)
    workbook.close()
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
