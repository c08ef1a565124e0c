"""Number series shared by the apps (NAV's No. Series), and the lists' saved views."""

from django.conf import settings
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


class SavedView(models.Model):
    """A list's filters and sort saved under a name: the user's own, or a
    manager's shared with everyone."""

    page = models.CharField(_("page"), max_length=40)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    name = models.CharField(_("name"), max_length=60)
    # The list's query string without its page number.
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    shared = models.BooleanField(
        _("shared"), default=False, help_text=_("Everyone sees a shared view.")
    )

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name"]
        permissions = [("share_savedview", _("Can share a saved view with everyone"))]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "page", "name"], name="saved_view_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class DefaultView(models.Model):
    """The filters a user's list opens with when none are asked for."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    page = models.CharField(_("page"), max_length=40)
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("default view")
        verbose_name_plural = _("default views")
        constraints = [
            models.UniqueConstraint(fields=["user", "page"], name="default_view_unique")
        ]

    def __str__(self) -> str:
        return self.name


class SentNotice(models.Model):
    """That a notice of a kind went to a recipient for a day (the daily task
    reminders), so that sending it again the same day sends nothing."""

    kind = models.CharField(_("kind"), max_length=40)
    recipient = models.CharField(_("recipient"), max_length=254)
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sent notice")
        verbose_name_plural = _("sent notices")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "day"], name="sent_notice_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.recipient} {self.day}"
