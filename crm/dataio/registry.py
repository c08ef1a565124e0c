"""The KINDs import_data and export_data know, found in the installed apps.

An app takes part by having an ``importers`` module with an ``IMPORTERS``
list, in the order its kinds load. Apps are visited in INSTALLED_APPS order,
which puts an app after those it depends on (contacts, sales cycles, then
opportunities), so the kinds come out in the order a full load needs.
"""

from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

from crm.dataio.importer import Importer

MODULE = "importers"


def registry() -> dict[str, type[Importer]]:
    """The KINDs import_data and export_data know, in dependency order."""
    kinds: dict[str, type[Importer]] = {}
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, MODULE):
            continue
        module = import_module(f"{config.name}.{MODULE}")
        for importer in getattr(module, "IMPORTERS", []):
            kinds[importer.kind] = importer
    return kinds
