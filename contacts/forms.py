"""Forms of the contacts app."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from contacts import services
from contacts.duplicates import possible_duplicates
from contacts.models import Contact, Salesperson

CONTACT_FIELDS = [
    "number",
    "type",
    "name",
    "company",
    "salesperson",
    "email",
    "phone",
    "mobile",
    "street",
    "postcode",
    "city",
    "country",
]


class CompanyPickerWidget(forms.TextInput):
    """A search-as-you-type company field: shows the company, posts its pk.

    Driven by static/js/contact_picker.js against ``contacts:search_companies``.
    """

    template_name = "contacts/widgets/company_picker.html"
    known: Contact | None = None  # the instance's company, already loaded

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        company = None
        if self.known is not None and str(self.known.pk) == str(value):
            company = self.known
        elif value and str(value).isdigit():
            company = Contact.objects.filter(pk=value).first()
        context["widget"]["company"] = company
        return context


class ContactForm(forms.ModelForm):
    """Create or edit a contact through ``contact_create`` / ``contact_update``.

    A new name, e-mail or phone that another contact already has is refused
    once, with links to the contacts it matches (``duplicates``), until the
    user ticks "save anyway".
    """

    # The fields whose change makes the form look for duplicates again.
    IDENTIFYING = ("name", "email", "phone", "mobile")

    save_anyway = forms.BooleanField(
        label=_("Save anyway: it is not one of these"),
        required=False,
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Contact
        fields = CONTACT_FIELDS
        widgets = {"company": CompanyPickerWidget}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Any contact is accepted here so the service can say *why* one is
        # wrong (company_not_a_company) instead of a bare "invalid choice".
        self.fields["company"].queryset = Contact.objects.all()
        self.fields["salesperson"].queryset = Salesperson.objects.order_by("code")
        if self.instance.company_id:
            # Loaded with the instance (select_related): no query to show it.
            self.fields["company"].widget.known = self.instance.company
        if self.instance.pk:
            self.fields["number"].disabled = True
            self.fields["number"].help_text = ""
            # The version the user saw (the page always sends it).
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=self.instance.version, required=False
            )
        self.duplicates: list[Contact] = []
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))

    def clean(self):
        cleaned = super().clean()
        identifying = [name for name in self.IDENTIFYING if name in self.changed_data]
        if self.errors or not identifying or cleaned.get("save_anyway"):
            return cleaned
        self.duplicates = possible_duplicates(
            name=cleaned.get("name") or "",
            email=cleaned.get("email") or "",
            phones=(cleaned.get("phone") or "", cleaned.get("mobile") or ""),
            exclude_pk=self.instance.pk,
        )
        if self.duplicates:
            self.fields["save_anyway"].widget = forms.CheckboxInput()
            raise ValidationError(
                _(
                    "This may be a contact you already have: check the ones below, "
                    'or tick "Save anyway".'
                ),
                code="possible_duplicate",
            )
        return cleaned

    def _post_clean(self):
        # The services validate, with their own error codes; the model's
        # full_clean here would answer first with generic messages.
        pass

    def save(self, commit=True) -> Contact | None:
        """The saved contact, or None once the service's errors are on the form."""
        fields = {name: self.cleaned_data[name] for name in CONTACT_FIELDS}
        try:
            if self.instance.pk:
                fields.pop("number")
                return services.contact_update(
                    user=self.user,
                    contact=self.instance,
                    expected_version=self.cleaned_data.get("version"),
                    **fields,
                )
            return services.contact_create(user=self.user, **fields)
        except ValidationError as error:
            if self.instance.pk:
                # The service set the refused values on it; the page shows it.
                self.instance.refresh_from_db()
            self.add_service_error(error)
            return None

    def add_service_error(self, error: ValidationError) -> None:
        """Put a service's ValidationError on the form, by field where it has one."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            known = field in self.fields or field == NON_FIELD_ERRORS
            self.add_error(field if known else None, errors)
