from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM")

    def ready(self):
        # Connects the signals that make a change of role take effect at once.
        # Registers SQLite's crm_fold on every new connection.
        from crm import (
            permissions,  # noqa: F401
            textsearch,  # noqa: F401
        )
