from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM")

    def ready(self):
        # Connects the signals that make a change of role take effect at once.
        # Before any URL pattern is read: ``<number:...>`` in every app's urls.
        from django.urls import register_converter

        # textsearch registers SQLite's crm_fold on every new connection.
        from crm import (
            permissions,  # noqa: F401
            textsearch,  # noqa: F401
        )
        from crm.numbers import NumberConverter

        register_converter(NumberConverter, "number")
