"""The forms of the opportunity admin's actions (their second step)."""

from django import forms
from django.contrib.admin import helpers
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Salesperson
from opportunities.forms import reopen_reason_field
from opportunities.models import CloseReason, CloseReasonType


class AdminActionForm(forms.Form):
    """The second step of an admin action: carries the chosen rows along."""

    action = forms.CharField(widget=forms.HiddenInput)
    select_across = forms.BooleanField(required=False, widget=forms.HiddenInput)
    apply = forms.BooleanField(initial=True, widget=forms.HiddenInput)

    def __init__(self, *args, selected=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.selected = [str(pk) for pk in selected]
        self.checkbox_name = helpers.ACTION_CHECKBOX_NAME


class ReassignForm(AdminActionForm):
    salesperson = forms.ModelChoiceField(
        label=_("New salesperson"),
        queryset=Salesperson.objects.active(),
    )


class CloseLostForm(AdminActionForm):
    close_reason = forms.ModelChoiceField(
        label=_("Close reason"),
        queryset=CloseReason.objects.filter(type=CloseReasonType.LOST),
    )
    date_closed = forms.DateField(label=_("Closing date"), initial=timezone.localdate)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reasons = self.fields["close_reason"].queryset
        if len(reasons) == 1:
            self.fields["close_reason"].initial = reasons[0]


class ReopenActionForm(AdminActionForm):
    reason = reopen_reason_field()
