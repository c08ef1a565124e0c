"""Forms of the opportunities app."""

from decimal import Decimal
from typing import NamedTuple

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, Salesperson
from contacts.selectors import contact_label, contact_search
from crm.filter_bar import FilterBarField
from opportunities import rules, services
from opportunities.filters import posted_pk
from opportunities.models import (
    INTERACTION_LENGTH,
    NOTE_LENGTH,
    CloseReason,
    CloseReasonType,
    InteractionKind,
    Opportunity,
    Status,
)
from opportunities.moves import Move
from salescycles.models import ActivityStepType, Priority, SalesCycle


def reopen_reason_field() -> forms.CharField:
    """Why a closed opportunity is reopened: kept on its ``reopened`` entry."""
    return forms.CharField(
        label=_("Reason for reopening"),
        max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the history with the reopening."),
    )


class ServiceFormMixin:
    """Runs a service on valid data and shows the service's errors on the form."""

    def run(self, service, **kwargs):
        """The service's result, or None after its ValidationError is on the form."""
        try:
            return service(**kwargs)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            else:
                self.add_error(None, error)
            return None


def date_input() -> forms.DateInput:
    """The browser's date picker; it posts ISO dates, which every locale accepts."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def decimal_field(**kwargs) -> forms.DecimalField:
    """A number typed the active language's way: 1 234,50 or 1,234.50."""
    return forms.DecimalField(
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        **kwargs,
    )


def _amount_within_limit(value) -> None:
    error = rules.amount_within_limit(value)
    if error is not None:
        raise error


def amount_field(**kwargs) -> forms.DecimalField:
    """An amount of money: two decimals, not negative, and the rules' limit
    with its plain message (not the digits count of ``max_digits``)."""
    return decimal_field(
        min_value=0,
        decimal_places=2,
        validators=[_amount_within_limit],
        **kwargs,
    )


def _helper(submit_label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", submit_label))
    return helper


class ContactInput(NamedTuple):
    """What the picker posts: the chosen contact's pk and the text in the box."""

    pk: str
    query: str


class ContactPickerWidget(forms.TextInput):
    """A search-as-you-type contact field: shows the contact, posts its pk.

    Without JavaScript the text box is posted as it is and the field looks
    the contact up by number or name (see ``ContactChoiceField``).
    """

    template_name = "opportunities/widgets/contact_picker.html"

    def value_from_datadict(self, data, files, name):
        return ContactInput(
            pk=data.get(name) or "", query=(data.get(f"{name}_query") or "").strip()
        )

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_query" not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        pk, query = value if isinstance(value, ContactInput) else (value, None)
        contact = None
        if posted_pk(pk or "") is not None:
            contact = Contact.objects.filter(pk=pk).select_related("company").first()
        if query is None:
            query = contact_label(contact) if contact else ""
        context["widget"].update(pk=contact.pk if contact else "", query=query)
        return context


class ContactChoiceField(forms.ModelChoiceField):
    """A contact chosen in the picker, or typed as a number or name."""

    widget = ContactPickerWidget
    shown = 5

    def clean(self, value):
        if not isinstance(value, ContactInput):
            return super().clean(value)
        if value.pk:
            if posted_pk(value.pk) is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice"
                )
            contact = super().clean(value.pk)
            # Without JavaScript the old pk stays when the text is changed.
            if not value.query or value.query == contact_label(contact):
                return contact
        if not value.query:
            return super().clean(None)
        return self._find(value.query)

    def _find(self, query):
        found = contact_search(query=query, limit=self.shown + 1)
        if found and (found[0].number.lower() == query.lower() or len(found) == 1):
            return found[0]
        if not found:
            raise ValidationError(
                _("No contact matches “%(query)s”."),
                code="no_match",
                params={"query": query},
            )
        names = ", ".join(contact_label(c) for c in found[: self.shown])
        raise ValidationError(
            _(
                "More than one contact matches “%(query)s”: %(names)s. "
                "Type the contact's number."
            ),
            code="ambiguous",
            params={"query": query, "names": names},
        )

    def has_changed(self, initial, data):
        if isinstance(data, ContactInput):
            data = data.pk
        return super().has_changed(initial, data)


class OpportunityForm(ServiceFormMixin, forms.ModelForm):
    """Create or edit an opportunity through the services."""

    class Meta:
        model = Opportunity
        fields = ["description", "contact", "salesperson", "sales_cycle", "priority"]
        field_classes = {"contact": ContactChoiceField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["contact"].queryset = Contact.objects.all()
        self.fields["salesperson"].queryset = Salesperson.objects.active()
        self.fields["sales_cycle"].queryset = SalesCycle.objects.active()
        if self.instance.pk:
            # A running opportunity keeps what it was given, even if blocked since.
            self.fields["salesperson"].queryset = Salesperson.objects.filter(
                Q(blocked=False) | Q(pk=self.instance.salesperson_id)
            )
            self.fields["sales_cycle"].queryset = SalesCycle.objects.filter(
                Q(blocked=False) | Q(pk=self.instance.sales_cycle_id)
            )
            # The version the user saw: a change made since is not overwritten
            # (the page always sends it; a post without one is not checked).
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=self.instance.version, required=False
            )
            if self.instance.status != Status.NOT_STARTED:
                self.fields["sales_cycle"].disabled = True
                self.fields["sales_cycle"].help_text = _(
                    "The sales cycle cannot change once the opportunity started."
                )
        if not user.has_perm("opportunities.view_all_opportunities"):
            own = getattr(user, "salesperson", None)
            # Reps make opportunities for themselves.
            self.fields["salesperson"].queryset = Salesperson.objects.filter(
                pk=own.pk if own else None
            )
            self.fields["salesperson"].initial = own
        if self.instance.pk is None:
            # One step: the first estimate, and started at once unless unticked.
            self.fields["estimated_value"] = decimal_field(
                label=_("Estimated value"),
                required=False,
                min_value=0,
                max_digits=15,
                decimal_places=2,
            )
            self.fields["estimated_close_date"] = forms.DateField(
                label=_("Estimated close date"), required=False, widget=date_input()
            )
            self.fields["start_now"] = forms.BooleanField(
                label=_("Start it now at the cycle's first stage"),
                required=False,
                initial=True,
            )
        self.helper = _helper(_("Save"))

    def _post_clean(self):
        # The services validate and save; the model's own validation would
        # refuse the number the series has not given yet.
        pass

    def save(self, commit=True):
        data = self.cleaned_data
        if self.instance.pk:
            return self.run(
                services.opportunity_edit,
                user=self.user,
                opportunity=self.instance,
                description=data["description"],
                priority=data["priority"],
                contact=data["contact"],
                salesperson=data["salesperson"],
                sales_cycle=data["sales_cycle"],
                expected_version=data.get("version"),
            )
        return self.run(
            services.opportunity_create,
            user=self.user,
            description=data["description"],
            contact=data["contact"],
            salesperson=data["salesperson"],
            sales_cycle=data["sales_cycle"],
            priority=data["priority"],
            estimated_value=data["estimated_value"] or Decimal(0),
            estimated_close_date=data["estimated_close_date"],
            start=data["start_now"],
        )


class AdvanceForm(ServiceFormMixin, forms.Form):
    """NAV's "Update opportunity" wizard as one form: move, target and values."""

    move = forms.ChoiceField(label=_("Action"), widget=forms.RadioSelect)
    # Its choices are the move's targets, which the view has already read.
    target_stage = forms.TypedChoiceField(
        label=_("To stage"), required=False, empty_value=None
    )
    date_of_change = forms.DateField(label=_("Date of change"), widget=date_input())
    estimated_value = amount_field(label=_("Estimated value"))
    chances_pct = decimal_field(
        label=_("Chances of success %"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text=_("Leave 0 to take the stage's value."),
    )
    estimated_close_date = forms.DateField(
        label=_("Estimated close date"), widget=date_input()
    )
    cancel_stage_tasks = forms.BooleanField(
        label=_("Cancel the open tasks of the stage being left"),
        help_text=_("Tasks made by hand stay open."),
        required=False,
        initial=True,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, opportunity, user, options, stages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.opportunity = opportunity
        self.user = user
        self.options = options
        self.stages = stages
        self.fields["move"].choices = [
            (move, label) for move, label in Move.choices if move in options
        ]
        move = self["move"].value()
        targets = {str(stage.pk): stage for stage in options.get(move, [])}
        field = self.fields["target_stage"]
        field.choices = [
            (pk, f"{stage.number} {stage.description}") for pk, stage in targets.items()
        ]
        field.coerce = targets.__getitem__
        if len(targets) > 1:
            field.required = True
        else:
            field.widget = forms.HiddenInput()
        if move == Move.UPDATE:
            # An update proposes the rep's own figures, never the stage's.
            self.fields["chances_pct"].help_text = _(
                "Proposed: the current chances, not the stage's. Leave 0 to keep them."
            )
            self.fields["estimated_close_date"].help_text = _(
                "Proposed: the current estimated close date, not the stage's."
            )

    def save(self):
        data = self.cleaned_data
        return self.run(
            services.opportunity_advance,
            user=self.user,
            opportunity=self.opportunity,
            move=data["move"],
            target_stage=data["target_stage"],
            date_of_change=data["date_of_change"],
            estimated_value=data["estimated_value"],
            chances_pct=data["chances_pct"],
            estimated_close_date=data["estimated_close_date"],
            cancel_stage_tasks=data["cancel_stage_tasks"],
            expected_version=data["version"],
            stages=self.stages,
        )


class CloseForm(ServiceFormMixin, forms.Form):
    """Close as won or lost with a reason of that type."""

    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=CloseReasonType.choices, widget=forms.RadioSelect
    )
    close_reason = forms.ModelChoiceField(
        label=_("Close reason"), queryset=CloseReason.objects.all()
    )
    date_closed = forms.DateField(label=_("Closing date"), widget=date_input())
    sale_value = amount_field(
        label=_("Sale value"),
        required=False,
        help_text=_("For a won opportunity: what was sold."),
    )
    cancel_open_tasks = forms.BooleanField(
        label=_("Cancel the open tasks of this opportunity"),
        required=False,
        initial=True,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional; kept in the history with the closing."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, opportunity, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.opportunity = opportunity
        self.user = user
        outcome = self["outcome"].value() or CloseReasonType.WON
        reasons = CloseReason.objects.filter(type=outcome)
        self.fields["close_reason"].queryset = reasons
        if not self.is_bound:
            only = list(reasons[:2])
            if len(only) == 1:
                self.initial["close_reason"] = only[0].pk

    def save(self):
        data = self.cleaned_data
        won = data["outcome"] == CloseReasonType.WON
        return self.run(
            services.opportunity_close,
            user=self.user,
            opportunity=self.opportunity,
            outcome=data["outcome"],
            close_reason=data["close_reason"],
            date_closed=data["date_closed"],
            sale_value=data["sale_value"] if won else None,
            cancel_open_tasks=data["cancel_open_tasks"],
            expected_version=data["version"],
            note=data["note"],
        )


class ReopenForm(ServiceFormMixin, forms.Form):
    """Reopen a closed opportunity, saying why."""

    reason = reopen_reason_field()
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, opportunity, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.opportunity = opportunity
        self.user = user
        self.helper = _helper(_("Reopen"))

    def save(self):
        return self.run(
            services.opportunity_reopen,
            user=self.user,
            opportunity=self.opportunity,
            reason=self.cleaned_data["reason"],
            expected_version=self.cleaned_data["version"],
        )


class QuoteForm(ServiceFormMixin, forms.Form):
    number = forms.CharField(
        label=_("No."),
        max_length=20,
        required=False,
        help_text=_("Leave empty to take the next number of the series."),
    )
    date = forms.DateField(
        label=_("Date"), initial=timezone.localdate, widget=date_input()
    )
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=date_input()
    )
    amount = amount_field(label=_("Amount excl. VAT"))
    description = forms.CharField(
        label=_("Description"), max_length=100, required=False
    )

    def __init__(self, *args, opportunity, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.opportunity = opportunity
        self.user = user
        self.helper = _helper(_("Create quote"))

    def save(self):
        return self.run(
            services.sales_quote_create,
            user=self.user,
            opportunity=self.opportunity,
            **self.cleaned_data,
        )


class InteractionForm(ServiceFormMixin, forms.Form):
    date = forms.DateField(
        label=_("Date"), initial=timezone.localdate, widget=date_input()
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=InteractionKind.choices)
    description = forms.CharField(
        label=_("What happened"),
        max_length=INTERACTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, opportunity, user, interaction=None, **kwargs):
        if interaction is not None:
            kwargs["initial"] = {
                "date": interaction.date,
                "kind": interaction.kind,
                "description": interaction.description,
            }
        super().__init__(*args, **kwargs)
        self.opportunity, self.user, self.interaction = opportunity, user, interaction
        self.helper = _helper(
            _("Save the correction") if interaction else _("Log interaction")
        )

    def save(self):
        if self.interaction is not None:
            return self.run(
                services.interaction_update,
                user=self.user,
                interaction=self.interaction,
                **self.cleaned_data,
            )
        return self.run(
            services.interaction_log,
            user=self.user,
            opportunity=self.opportunity,
            **self.cleaned_data,
        )


class TaskForm(ServiceFormMixin, forms.Form):
    description = forms.CharField(label=_("Description"), max_length=100)
    date = forms.DateField(
        label=_("Date"), initial=timezone.localdate, widget=date_input()
    )
    time = forms.TimeField(
        label=_("Time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    type = forms.ChoiceField(label=_("Type"), choices=ActivityStepType.choices)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )

    def __init__(self, *args, opportunity, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.opportunity = opportunity
        self.user = user
        self.helper = _helper(_("Add task"))

    def save(self):
        return self.run(
            services.task_create,
            user=self.user,
            opportunity=self.opportunity,
            **self.cleaned_data,
        )


class QuickCreateForm(ServiceFormMixin, forms.Form):
    """The board's quick-create card: a not-started opportunity in four fields,
    in the board's cycle, for the salesperson the board shows (or the user's).

    Its text and date inputs draw as a filter bar's do, without crispy's
    general template: the board draws the card every time.
    """

    bound_field_class = FilterBarField

    description = forms.CharField(label=_("Description"), max_length=100)
    contact = ContactChoiceField(label=_("Contact"), queryset=Contact.objects.all())
    estimated_value = amount_field(label=_("Estimated value"), required=False)
    estimated_close_date = forms.DateField(
        label=_("Estimated close date"), required=False, widget=date_input()
    )

    def __init__(self, *args, user, sales_cycle, salesperson=None, **kwargs):
        super().__init__(*args, prefix="new", **kwargs)
        self.user = user
        self.sales_cycle = sales_cycle
        self.salesperson = salesperson

    def save(self):
        data = self.cleaned_data
        salesperson = (
            self.salesperson
            or getattr(self.user, "salesperson", None)
            or data["contact"].salesperson
        )
        if salesperson is None:
            self.add_error(
                None,
                _("Choose whose board this is (Salesperson above) to create one."),
            )
            return None
        return self.run(
            services.opportunity_create,
            user=self.user,
            description=data["description"],
            contact=data["contact"],
            salesperson=salesperson,
            sales_cycle=self.sales_cycle,
            estimated_value=data["estimated_value"] or 0,
            estimated_close_date=data["estimated_close_date"],
        )
