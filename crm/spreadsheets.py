"""Cells of CSV files that people open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is a formula to Excel and LibreOffice: ``=HYPERLINK(...)`` typed into a contact's
name would run in everyone's spreadsheet. Such a text gets a leading
apostrophe (OWASP's advice), which spreadsheets take as "text follows" and
do not show. Numbers and dates are written as they are: ``-5`` stays a number.
"""

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
