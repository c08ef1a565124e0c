"""Import and export of the opportunities app's kinds (see docs/import-export.md)."""

from opportunities.importers.entries import OpportunityEntryImporter
from opportunities.importers.opportunities import OpportunityImporter
from opportunities.importers.records import (
    CloseReasonImporter,
    InteractionImporter,
    QuoteImporter,
    TaskImporter,
)

# In the order they load: each kind refers only to those before it.
IMPORTERS = [
    CloseReasonImporter,
    OpportunityImporter,
    OpportunityEntryImporter,
    QuoteImporter,
    TaskImporter,
    InteractionImporter,
]
