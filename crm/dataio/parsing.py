"""Reading what files hold: encodings, delimiters, headers and values."""

import codecs
import datetime
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from crm.spreadsheets import unescape_text

DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\t": "\t"}
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252")
TRUE = {"yes", "true", "1", "kyllä", "y", "k"}
FALSE = {"no", "false", "0", "ei", "n", ""}


class UnusableInput(Exception):
    """Arguments or a file that cannot be used at all (exit status 2)."""


class EncodingProblem(ValueError):
    """A file whose encoding would garble its text, found at ``line``."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


# -- reading ---------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """UTF-8 with BOM, else UTF-8 when the whole file decodes, else Windows-1252.

    A UTF-16 file (Excel's "Unicode text") and a file whose lines mix UTF-8
    with another encoding are refused: read as either, their text is garbled.
    """
    with open(path, "rb") as file:
        start = file.read(4)
        if start[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or (
            b"\x00" in start  # a header's letters are one byte, not two
        ):
            raise EncodingProblem(
                1,
                _(
                    "The file is UTF-16 (Excel's “Unicode text”): save it as "
                    "“CSV UTF-8”, or import it with --encoding utf-16."
                ),
            )
        file.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := file.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            file.seek(0)
            _refuse_mixed_encodings(file)
            return "cp1252"
    return "utf-8-sig" if start.startswith(codecs.BOM_UTF8) else "utf-8"


def _refuse_mixed_encodings(file) -> None:
    """Refuse a file with both UTF-8 lines and lines UTF-8 cannot decode."""
    not_utf8 = utf8 = None
    for number, line in enumerate(file, start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            not_utf8 = not_utf8 or number
        else:
            utf8 = utf8 or number
        if not_utf8 and utf8:
            raise EncodingProblem(
                not_utf8,
                _(
                    "This line is not UTF-8 but line %(line)s is: the file mixes "
                    "encodings and its text would be garbled. Save it again in "
                    "one encoding (“CSV UTF-8”)."
                )
                % {"line": utf8},
            )


def detect_delimiter(header_line: str) -> str:
    """The most frequent of comma, semicolon and tab in the header line."""
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def normalize_header(text: str) -> str:
    return " ".join(text.split()).casefold()


# -- values ----------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_DIGITS = re.compile(r"^[+-]?(\d+)(\.\d+)?$")
_PLAIN = re.compile(r"-?\d+(?:\.\d+)?\Z")  # as most files write numbers


def parse_text(text: str) -> str:
    """The text without surrounding spaces or the mark export_data put before
    a formula-like text (crm/spreadsheets.py)."""
    return unescape_text(text.strip())


def parse_decimal(text: str) -> Decimal:
    """`1234.5`, `1234,5`, `1 234,50`, `1,234.50`, `1.234,50`, `1.234.567`.

    The last of point or comma is the decimal mark when both appear; a single
    comma or point alone is a decimal mark; repeated ones separate thousands.
    """
    if _PLAIN.match(text):
        return Decimal(text)
    value = _SPACES.sub("", text)
    if "," in value and "." in value:
        if value.rfind(",") > value.rfind("."):
            value = value.replace(".", "").replace(",", ".")
        else:
            value = value.replace(",", "")
    elif value.count(",") > 1 or value.count(".") > 1:
        value = value.replace(",", "").replace(".", "")
    else:
        value = value.replace(",", ".")
    if not _DIGITS.match(value):
        raise ValueError(_("“%(value)s” is not a number.") % {"value": text})
    try:
        return Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the regex guards this
        raise ValueError(_("“%(value)s” is not a number.") % {"value": text}) from exc


def parse_integer(text: str) -> int:
    value = parse_decimal(text)
    if value != value.to_integral_value():
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text})
    return int(value)


def parse_boolean(text: str) -> bool:
    value = text.strip().casefold()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValueError(
        _("“%(value)s” is not a yes/no value (Yes, No, true, false, 1, 0, Kyllä, Ei).")
        % {"value": text}
    )


def date_parser(date_format: str | None) -> Callable[[str], datetime.date]:
    """A parser of ISO (2026-11-25) and Finnish (25.11.2026) dates, or the format."""

    def parse(text: str) -> datetime.date:
        value = text.strip()
        if not date_format and len(value) == 10 and value[4] == "-":
            try:
                return datetime.date.fromisoformat(value)  # the fast, usual case
            except ValueError:
                pass
        formats = [date_format] if date_format else ["%Y-%m-%d", "%d.%m.%Y"]
        for fmt in formats:
            try:
                return datetime.datetime.strptime(value, fmt).date()
            except ValueError:
                continue
        raise ValueError(_("“%(value)s” is not a date.") % {"value": text})

    return parse


def choice_parser(choices: type[models.TextChoices], **aliases: str):
    """A parser accepting a choice's value, its label or NAV's text (aliases)."""
    table = {}
    for value, label in choices.choices:
        table[normalize_header(value)] = value
        table[normalize_header(str(label))] = value
        table[normalize_header(value.replace("_", " "))] = value
    for text, value in aliases.items():
        table[normalize_header(text)] = value

    def parse(text: str) -> str:
        try:
            return table[normalize_header(text)]
        except KeyError:
            allowed = ", ".join(str(label) for _v, label in choices.choices)
            raise ValueError(
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": text, "allowed": allowed}
            ) from None

    return parse


def format_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
