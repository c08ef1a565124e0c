"""The opportunity list's bulk actions: reassign (managers), close as lost,
cancel open tasks, export.

The rows are those ticked on the list, or all that match its filters. An
action that changes opportunities asks for what it needs and a confirmation,
then runs its service on each opportunity on its own (``opportunities.bulk``)
and shows what was done and what was refused, and why.
"""

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import QueryDict
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from contacts.models import Salesperson
from opportunities import bulk, services
from opportunities.exports import opportunities_download
from opportunities.filters import OpportunityFilter
from opportunities.models import CloseReason, CloseReasonType, Opportunity
from opportunities.saved_views import list_redirect

REASSIGN, CLOSE_LOST, CANCEL_TASKS, EXPORT = (
    "reassign",
    "close_lost",
    "cancel_tasks",
    "export",
)
ACTIONS = [
    (CLOSE_LOST, gettext_lazy("Close as lost")),
    (CANCEL_TASKS, gettext_lazy("Cancel open tasks")),
    (EXPORT, gettext_lazy("Export as CSV")),
    (REASSIGN, gettext_lazy("Reassign to a salesperson")),
]
MANAGERS_ONLY = {REASSIGN}
SHOWN = 20  # rows the confirmation lists


def bulk_actions(user) -> list[tuple[str, str]]:
    """The actions ``user`` may take on many opportunities."""
    manager = user.has_perm("opportunities.view_all_opportunities")
    return [(k, v) for k, v in ACTIONS if manager or k not in MANAGERS_ONLY]


class BulkForm(forms.Form):
    """Which rows, which action and, once asked for, what the action needs."""

    action = forms.ChoiceField(label=gettext_lazy("With the chosen"), choices=ACTIONS)
    scope = forms.ChoiceField(
        choices=[
            ("selected", gettext_lazy("the ticked rows")),
            ("all", gettext_lazy("all that match the filters")),
        ],
        initial="selected",
        widget=forms.RadioSelect,
    )
    selected = forms.TypedMultipleChoiceField(coerce=int, required=False)
    filters = forms.CharField(required=False, widget=forms.HiddenInput)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    salesperson = forms.ModelChoiceField(
        label=gettext_lazy("New salesperson"),
        queryset=Salesperson.objects.active(),
        required=False,
    )
    close_reason = forms.ModelChoiceField(
        label=gettext_lazy("Close reason"),
        queryset=CloseReason.objects.filter(type=CloseReasonType.LOST),
        required=False,
    )
    date_closed = forms.DateField(
        label=gettext_lazy("Closing date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id may be sent; only those the user may see are ever used.
        self.fields["selected"].choices = [
            (value, value) for value in self.data.getlist("selected")
        ]
        self.fields["action"].choices = bulk_actions(user)
        self.helper = FormHelper()
        self.helper.form_tag = False

    @staticmethod
    def needs(action: str) -> list[str]:
        """The fields an action asks for."""
        return {
            REASSIGN: ["salesperson"],
            CLOSE_LOST: ["close_reason", "date_closed"],
        }.get(action, [])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("confirm") and "action" in cleaned:
            for name in self.needs(cleaned["action"]):
                if not cleaned.get(name):
                    self.add_error(
                        name,
                        forms.ValidationError(
                            _("This field is required."), code="required"
                        ),
                    )
        return cleaned


class BulkView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        form = BulkForm(request.POST, user=request.user)
        filters = request.POST.get("filters", "")
        valid = form.is_valid()
        data = form.cleaned_data
        if any(name in form.errors for name in ("action", "scope", "selected")):
            messages.error(request, _("Choose an action for the chosen rows."))
            return list_redirect(filters)
        chosen = self.chosen(request, data)
        count = chosen.count()
        if not count:
            messages.error(request, _("Tick the rows to act on, or choose all."))
            return list_redirect(filters)
        if data["action"] == EXPORT:
            return opportunities_download(chosen.order_by("-number"))
        if count > bulk.MOST:
            messages.error(
                request,
                _(
                    "%(count)d opportunities match: at most %(most)d can be "
                    "changed at once. Narrow the filters."
                )
                % {"count": count, "most": bulk.MOST},
            )
            return list_redirect(filters)
        if not data.get("confirm"):
            # The first time: ask for what the action needs, with defaults.
            form = BulkForm(user=request.user, initial=self.defaults(request))
        elif valid:
            outcome = bulk.apply_to_each(
                chosen.order_by("number"), self.service(request.user, data)
            )
            return TemplateResponse(
                request,
                "opportunities/bulk_done.html",
                {
                    "outcome": outcome,
                    "action": dict(ACTIONS)[data["action"]],
                    "filters": filters,
                },
            )
        return TemplateResponse(
            request,
            "opportunities/bulk_form.html",
            {
                "form": form,
                "needed": form.needs(data["action"]),
                "count": count,
                "action": dict(ACTIONS)[data["action"]],
                "hidden": {
                    name: request.POST.getlist(name)
                    for name in ("action", "scope", "filters", "selected")
                },
                "shown": chosen.for_list().order_by("number")[:SHOWN],
            },
        )

    @staticmethod
    def defaults(request) -> dict:
        reasons = list(
            CloseReason.objects.filter(type=CloseReasonType.LOST).values_list(
                "pk", flat=True
            )[:2]
        )
        return {
            "date_closed": timezone.localdate(),
            "close_reason": reasons[0] if len(reasons) == 1 else None,
        }

    @staticmethod
    def chosen(request, data):
        visible = Opportunity.objects.for_user(request.user)
        if data.get("scope") == "all":
            return OpportunityFilter(
                QueryDict(data.get("filters", "")), queryset=visible, request=request
            ).qs
        return visible.filter(pk__in=data.get("selected") or [])

    @staticmethod
    def service(user, data):
        if data["action"] == REASSIGN:
            return lambda opportunity: services.opportunity_change_salesperson(
                user=user, opportunity=opportunity, salesperson=data["salesperson"]
            )
        if data["action"] == CLOSE_LOST:
            return lambda opportunity: services.opportunity_close(
                user=user,
                opportunity=opportunity,
                outcome=CloseReasonType.LOST,
                close_reason=data["close_reason"],
                date_closed=data["date_closed"],
            )
        return lambda opportunity: services.opportunity_cancel_open_tasks(
            user=user, opportunity=opportunity
        )
