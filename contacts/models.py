"""Salespeople and contacts (companies and the persons working for them)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.numbers import validate_number
from crm.textsearch import ranked, text_match

# The columns a search reads (crm migration 0003 indexes the contacts' ones).
SALESPERSON_SEARCHED = ("code", "name", "email", "phone")
CONTACT_SEARCHED = ("number", "name", "email", "phone", "mobile", "city")

PERCENT_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class SalespersonQuerySet(models.QuerySet):
    def active(self):
        """Salespeople who may be given new opportunities."""
        return self.filter(blocked=False)

    def matching(self, query: str):
        """Salespeople whose code, name, e-mail or phone contains ``query``."""
        return self.filter(text_match(query, SALESPERSON_SEARCHED, number="code"))

    def search(self, query: str):
        """``matching``, best match first (``crm.textsearch.ranked``)."""
        return ranked(self.matching(query), query, number="code", prefixed=("name",))


class Salesperson(models.Model):
    code = models.CharField(
        _("code"), max_length=20, unique=True, validators=[validate_number]
    )
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone no."), max_length=30, blank=True)
    job_title = models.CharField(_("job title"), max_length=50, blank=True)
    commission_pct = models.DecimalField(
        _("commission %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=PERCENT_VALIDATORS,
    )
    blocked = models.BooleanField(
        _("blocked"),
        default=False,
        help_text=_("A blocked salesperson cannot be given new opportunities."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="salesperson",
    )

    objects = SalespersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("salesperson")
        verbose_name_plural = _("salespeople")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_pct__gte=0) & Q(commission_pct__lte=100),
                name="salesperson_commission_pct_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ContactType(models.TextChoices):
    COMPANY = "company", _("Company")
    PERSON = "person", _("Person")


class ContactQuerySet(models.QuerySet):
    def companies(self):
        """Company-type contacts."""
        return self.filter(type=ContactType.COMPANY)

    def matching(self, query: str):
        """Contacts whose number, name, e-mail, phones or city contain ``query``
        (case and accents ignored)."""
        return self.filter(text_match(query, CONTACT_SEARCHED, number="number"))

    def search(self, query: str):
        """``matching``, best match first (``crm.textsearch.ranked``)."""
        return ranked(self.matching(query), query, number="number", prefixed=("name",))


class Contact(models.Model):
    number = models.CharField(
        _("no."),
        max_length=20,
        unique=True,
        blank=True,
        validators=[validate_number],
        help_text=_("Leave empty to take the next number of the series."),
    )
    type = models.CharField(
        _("type"), max_length=10, choices=ContactType, default=ContactType.COMPANY
    )
    name = models.CharField(_("name"), max_length=100)
    company = models.ForeignKey(
        "self",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="persons",
        limit_choices_to={"type": ContactType.COMPANY},
        help_text=_("For a person: the company contact they work for."),
    )
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone no."), max_length=30, blank=True)
    mobile = models.CharField(_("mobile phone no."), max_length=30, blank=True)
    street = models.CharField(_("address"), max_length=100, blank=True)
    postcode = models.CharField(_("post code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    country = models.CharField(_("country/region code"), max_length=10, blank=True)
    # Each save through the services adds one: a form that showed an older
    # version is refused instead of overwriting what was saved since.
    version = models.PositiveIntegerField(
        _("version"), default=0, db_default=0, editable=False
    )

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["number"]
        indexes = [models.Index(fields=["name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(type=ContactType.PERSON) | Q(company__isnull=True),
                name="contact_company_has_no_company",
            ),
            models.CheckConstraint(
                condition=~Q(company=models.F("pk")),
                name="contact_not_own_company",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def contact_company(self) -> "Contact | None":
        """The contact itself if a company, else the company the person works for."""
        return self if self.type == ContactType.COMPANY else self.company

    @property
    def contact_company_id(self) -> int | None:
        return self.pk if self.type == ContactType.COMPANY else self.company_id
