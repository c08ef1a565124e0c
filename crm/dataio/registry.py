"""The KINDs import_data and export_data know."""

from crm.dataio.importer import Importer


def registry() -> dict[str, type[Importer]]:
    """The KINDs import_data and export_data know, in dependency order."""
    from contacts.importers import IMPORTERS as contacts
    from opportunities.importers import IMPORTERS as opportunities
    from salescycles.importers import IMPORTERS as salescycles

    return {i.kind: i for i in [*contacts, *salescycles, *opportunities]}
