"""CSV import and export: reading files, parsing values, the generic importer.

Files come from people and from NAV / Business Central, so the reader detects
the encoding (UTF-8, UTF-8 with BOM, Windows-1252) and the delimiter (comma,
semicolon, tab), matches headers by our field names or NAV's English captions
(case and surrounding spaces ignored), and parses decimals, dates, booleans and
option texts in the forms those files use. Every problem is collected as
``FILE:LINE: COLUMN: message``; a file is written all or nothing.

An importer describes one KIND: its columns, natural key, references and rules.
``run_import`` validates every row first and writes only when all are valid, in
one transaction, with bulk queries (one per referenced table, never one per row).
"""

from crm.dataio.export import export_rows, write_csv
from crm.dataio.importer import (
    BATCH,
    IN_CHUNK,
    Column,
    Importer,
    Options,
    Problems,
    Result,
    Row,
    choice_column,
    fetch,
    label_of,
    rule_message,
)
from crm.dataio.parsing import DELIMITERS, UnusableInput
from crm.dataio.registry import registry
from crm.dataio.run import progress_bar, run_import

__all__ = [
    "BATCH",
    "DELIMITERS",
    "IN_CHUNK",
    "Column",
    "Importer",
    "Options",
    "Problems",
    "Result",
    "Row",
    "UnusableInput",
    "choice_column",
    "export_rows",
    "fetch",
    "label_of",
    "progress_bar",
    "registry",
    "rule_message",
    "run_import",
    "write_csv",
]
