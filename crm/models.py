"""Number series shared by the apps (NAV's No. Series)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.numbers import validate_prefix


class NumberSeries(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=10, validators=[validate_prefix])
    width = models.PositiveSmallIntegerField(
        _("digits"), default=6, help_text=_("Digits after the prefix.")
    )
    last_number = models.PositiveBigIntegerField(_("last number used"), default=0)

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def format(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.width}d}"
