"""The development tooling's app, so Django finds its management commands."""

from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    name = "crm.devtools"
    label = "devtools"
