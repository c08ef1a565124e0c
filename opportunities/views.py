"""The reps' opportunity pages: list, board, opportunity page and its actions.

Every view starts from what the user may see (``for_user``): another rep's
opportunity is a 404 everywhere. Every state change is a POST to its own URL
through a form that calls one service. The board is in ``board_pages``, the
task list in ``task_pages``.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from contacts.models import Contact
from opportunities import (
    deleting,
    history,
    moves,
    rules,
    saved_views,
    selectors,
    services,
)
from opportunities.bulk_pages import bulk_actions
from opportunities.exports import opportunities_download
from opportunities.filters import OpportunityFilter
from opportunities.forms import (
    AdvanceForm,
    CloseForm,
    OpportunityForm,
    ReopenForm,
)
from opportunities.models import (
    CloseReasonType,
    Opportunity,
    SalesQuote,
    Status,
)
from opportunities.move_preview import move_preview
from opportunities.saved_view_pages import SavedViewForm
from opportunities.timeline import timeline
from salescycles.models import SalesCycle, Stage


def visible_opportunities(user):
    """The opportunities ``user`` may see and act on."""
    return Opportunity.objects.for_user(user)


class OpportunityMixin(LoginRequiredMixin):
    """Views of one opportunity, found by number among those the user may see."""

    # What a page shows with the opportunity; a POST, which redirects, needs
    # only what the moves are computed from.
    related = (
        "sales_cycle",
        "stage",
        "contact__company",
        "contact_company",
        "salesperson",
        "close_reason",
    )
    posted_related = ("sales_cycle", "stage")

    def get_opportunity(self) -> Opportunity:
        if not hasattr(self, "_opportunity"):
            posted = self.request.method == "POST"
            self._opportunity = get_object_or_404(
                visible_opportunities(self.request.user).select_related(
                    *(self.posted_related if posted else self.related)
                ),
                number=self.kwargs["number"],
            )
        return self._opportunity

    def get_context_data(self, **kwargs):
        return super().get_context_data(opportunity=self.get_opportunity(), **kwargs)

    def get_success_url(self):
        return reverse("opportunities:detail", args=[self.get_opportunity().number])


class ServiceFormView(OpportunityMixin, FormView):
    """A form on one opportunity whose ``save`` calls a service."""

    success_message = ""

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "opportunity": self.get_opportunity(),
            "user": self.request.user,
        }

    def form_valid(self, form):
        result = form.save()
        if result is None:
            return self.form_invalid(form)
        messages.success(self.request, self.get_success_message(form, result))
        return super().form_valid(form)

    def get_success_message(self, form, result) -> str:
        return self.success_message


# -- list -------------------------------------------------------------------------


class OpportunityListView(LoginRequiredMixin, FilterView):
    filterset_class = OpportunityFilter
    template_name = "opportunities/opportunity_list.html"
    paginate_by = 50
    strict = False

    def get_queryset(self):
        # What the rows show; the CSV adds the rest (exports.py).
        return (
            visible_opportunities(self.request.user)
            .select_related("contact", "salesperson", "stage")
            .order_by("-number")
        )

    def get(self, request, *args, **kwargs):
        if request.GET.get("view") == "default":
            # The menu's link: the user's default view (else the open ones).
            return saved_views.list_redirect(saved_views.default_query(request.user))
        if any(not value.strip() for value in request.GET.values()):
            # An empty filter leaves no empty parameter in the address.
            kept = request.GET.copy()
            for name, values in request.GET.lists():
                kept.setlist(name, [v for v in values if v.strip()])
            return saved_views.list_redirect(kept.urlencode())
        if request.GET.get("format") in ("csv", "xlsx"):
            # The rows in the order the list shows them.
            filterset = self.get_filterset(self.get_filterset_class())
            return opportunities_download(filterset.qs, request.GET["format"])
        return super().get(request, *args, **kwargs)

    def paginate_queryset(self, queryset, page_size):
        self.totals = selectors.list_totals(queryset)
        paginator = self.get_paginator(queryset, page_size)
        # A page past the end (an old link, a shorter list) shows the last one.
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_paginator(self, queryset, per_page, **kwargs):
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        paginator.count = self.totals["count"]  # counted with the totals already
        return paginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        query.pop("o", None)
        context["query_without_order"] = query.urlencode()
        # The rows with their next activity (one query for the page).
        rows = selectors.attach_next_tasks(list(context["object_list"]))
        context["object_list"] = context["page_obj"].object_list = rows
        context["totals"] = self.totals
        context["today"] = timezone.localdate()
        context["ordering"] = self.request.GET.get("o", "")
        filters = saved_views.filters_of(self.request.GET)
        context["active_filters"] = len(
            [name for name in self.request.GET if name not in ("o", "view", "page")]
        )
        context["shipped_views"] = saved_views.shipped_views(self.request.user)
        context["saved_views"] = saved_views.saved_views(self.request.user)
        context["current_view"] = next(
            (
                view
                for view in [*context["shipped_views"], *context["saved_views"]]
                if view.query == filters
            ),
            None,
        )
        context["view_form"] = SavedViewForm(user=self.request.user, query=filters)
        context["filters"] = filters
        context["bulk_actions"] = bulk_actions(self.request.user)
        return context


# -- one opportunity --------------------------------------------------------------


class OpportunityDetailView(OpportunityMixin, DetailView):
    template_name = "opportunities/opportunity_detail.html"

    def get_object(self, queryset=None):
        return self.get_opportunity()

    def get_context_data(self, **kwargs):
        opportunity = self.get_opportunity()
        user = self.request.user
        stages = list(opportunity.sales_cycle.stages.order_by("number"))
        options = (
            {}
            if opportunity.is_closed
            else moves.available(stages, opportunity.current_stage)
        )
        entries = list(
            opportunity.entries.select_related(
                "stage", "previous_stage", "close_reason", "created_by", "salesperson"
            ).order_by("id")
        )
        tasks = list(
            opportunity.tasks.select_related("salesperson").order_by(
                "closed", "date", "number"
            )
        )
        interactions = list(opportunity.interactions.select_related("salesperson"))
        open_tasks = [task for task in tasks if not task.closed]
        return super().get_context_data(
            stages=stages,
            moves=[
                (move, label) for move, label in moves.Move.choices if move in options
            ],
            entries=entries,
            open_tasks=open_tasks,
            next_task=min(
                open_tasks, key=lambda task: (task.date, task.number), default=None
            ),
            interactions=interactions,
            timeline=timeline(entries, interactions, tasks),
            quote=SalesQuote.objects.filter(opportunity=opportunity).first(),
            can_reopen=opportunity.is_closed
            and user.has_perm("opportunities.reopen_opportunity"),
            can_delete=rules.deletable(opportunity, user) is None,
            today=timezone.localdate(),
            **kwargs,
        )


class OpportunityCreateView(LoginRequiredMixin, FormView):
    template_name = "opportunities/opportunity_form.html"
    form_class = OpportunityForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        # The salesperson: the user's own, else the contact's default; the
        # cycle: the default one (NAV's Marketing Setup), if not blocked.
        own = getattr(self.request.user, "salesperson", None)
        initial = {"salesperson": own.pk if own else None}
        default_cycle = SalesCycle.objects.default()
        if default_cycle is not None:
            initial["sales_cycle"] = default_cycle.pk
        contact = self.request.GET.get("contact")
        if contact and contact.isdigit() and int(contact) < 2**63:
            contact = Contact.objects.filter(pk=contact).first()
            if contact:
                initial["contact"] = contact.pk
                if own is None and contact.salesperson_id:
                    initial["salesperson"] = contact.salesperson_id
        salesperson = self.request.GET.get("salesperson")
        if salesperson and salesperson.isdigit() and int(salesperson) < 2**63:
            initial["salesperson"] = salesperson
        return initial

    def form_valid(self, form):
        opportunity = form.save()
        if opportunity is None:
            return self.form_invalid(form)
        message = _("Opportunity %(number)s created.") % {"number": opportunity}
        messages.success(self.request, message)
        return redirect("opportunities:detail", opportunity.number)


class OpportunityEditView(OpportunityMixin, FormView):
    template_name = "opportunities/opportunity_form.html"
    form_class = OpportunityForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "user": self.request.user,
            "instance": self.get_opportunity(),
        }

    def form_valid(self, form):
        opportunity = form.save()
        if opportunity is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Opportunity saved."))
        return super().form_valid(form)

    def form_invalid(self, form):
        if any(e.code == "stale" for e in form.non_field_errors().as_data()):
            # Someone saved it meanwhile: show what is saved now beside what
            # the user typed, which stays; saving again applies the typed values.
            saved = Opportunity.objects.for_list().get(pk=self.get_opportunity().pk)
            form.data = form.data.copy()
            form.data["version"] = saved.version
            return self.render_to_response(
                self.get_context_data(form=form, saved=saved)
            )
        return super().form_invalid(form)


# The keyword arguments a form on one opportunity takes besides its data.
FORM_CONTEXT = ("opportunity", "user", "options", "stages", "prefix")


class AdvanceView(ServiceFormView):
    """NAV's "Update opportunity": start, next, previous, skip, jump back, update."""

    template_name = "opportunities/advance_form.html"
    form_class = AdvanceForm

    def get_success_message(self, form, result) -> str:
        move = form.cleaned_data["move"]
        params = {"number": result.number, "stage": result.stage}
        if move == moves.Move.START:
            return _("Opportunity %(number)s started at stage %(stage)s.") % params
        if move == moves.Move.UPDATE:
            return _("The estimates of opportunity %(number)s were updated.") % params
        return _("Opportunity %(number)s moved to stage %(stage)s.") % params

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.get_opportunity().is_closed:
            messages.error(request, _("The opportunity is closed; reopen it first."))
            return redirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "options": self.move_options,
            "stages": self.stages,
        }

    def get_initial(self):
        """The defaults of the chosen move and target, as the spec sets them."""
        if self.request.method == "POST":
            return {}  # a posted form carries its values; nothing to propose
        options = self.move_options
        move = self.request.GET.get("move")
        if move not in options:
            move = next(iter(options), None)
        if move is None:
            return {}
        targets = options[move]
        target = next(
            (s for s in targets if str(s.pk) == self.request.GET.get("target_stage")),
            moves.default_target(move, targets),
        )
        opportunity = self.get_opportunity()
        return {
            "move": move,
            "target_stage": target.pk,
            "version": opportunity.version,
            **services.advance_defaults(opportunity, move, target),
        }

    def get(self, request, *args, **kwargs):
        if request.GET.get("preview"):
            return TemplateResponse(
                request,
                "opportunities/_advance_preview.html",
                move_preview(self.get_opportunity(), self.stages, request.GET),
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        values = (
            form.data
            if form.is_bound
            else {
                name: form.initial.get(name, field.initial)
                for name, field in form.fields.items()
            }
        )
        context.update(move_preview(self.get_opportunity(), self.stages, values))
        return context

    @cached_property
    def stages(self) -> list[Stage]:
        """The stages of the opportunity's cycle, in order."""
        return list(self.get_opportunity().sales_cycle.stages.order_by("number"))

    @cached_property
    def move_options(self) -> dict:
        """The available moves with their target stages."""
        return moves.available(self.stages, self.get_opportunity().current_stage)

    def get_template_names(self):
        if self.request.htmx:
            return ["opportunities/_advance_form.html"]
        return [self.template_name]

    def post(self, request, *args, **kwargs):
        if "refresh" in request.POST:
            return self.refresh_defaults()
        return super().post(request, *args, **kwargs)

    def refresh_defaults(self):
        """The defaults of the move and target chosen, from the date and value
        the rep typed (the page without JavaScript; a POST, so the CSRF token
        stays out of the URL)."""
        typed = self.get_form()
        typed.is_valid()  # what could be read of it is in cleaned_data
        data = typed.cleaned_data
        move, target = data.get("move"), data.get("target_stage")
        if move not in self.move_options:
            return self.render_to_response(self.get_context_data(form=typed))
        targets = self.move_options[move]
        if target not in targets:
            target = moves.default_target(move, targets)
        initial = services.advance_defaults(
            self.get_opportunity(),
            move,
            target,
            date_of_change=data.get("date_of_change"),
        )
        if data.get("estimated_value"):
            initial["estimated_value"] = data["estimated_value"]
        form = self.form_class(
            initial={
                **initial,
                "move": move,
                "target_stage": target.pk,
                "version": data.get("version", self.get_opportunity().version),
                "cancel_stage_tasks": data.get("cancel_stage_tasks", True),
            },
            **{k: v for k, v in self.get_form_kwargs().items() if k in FORM_CONTEXT},
        )
        return self.render_to_response(self.get_context_data(form=form))

    def form_invalid(self, form):
        stale = any(e.code == "stale" for e in form.non_field_errors().as_data())
        if stale:
            # Someone moved it meanwhile: the page shows its new state and
            # keeps what the rep typed, against the new version, to send again.
            del self._opportunity
            for name in ("stages", "move_options"):
                self.__dict__.pop(name, None)
            data = self.request.POST.copy()
            data["version"] = self.get_opportunity().version
            form = self.form_class(
                data=data,
                **{
                    k: v for k, v in self.get_form_kwargs().items() if k in FORM_CONTEXT
                },
            )
            messages.warning(
                self.request,
                _(
                    "Someone else changed this opportunity while you were editing. "
                    "Here is its new state, with what you typed: check it and "
                    "update again."
                ),
            )
            return self.render_to_response(self.get_context_data(form=form, stale=True))
        return super().form_invalid(form)


def close_initial(opportunity: Opportunity, outcome: str | None) -> dict:
    """What the close form proposes: won unless ``outcome`` says lost."""
    last = history.active_entry(opportunity)
    quote = SalesQuote.objects.filter(opportunity=opportunity).first()
    if outcome not in CloseReasonType.values:
        outcome = CloseReasonType.WON
    return {
        "outcome": outcome,
        "date_closed": rules.default_date(rules.date_floor(opportunity, last)),
        "sale_value": quote.amount if quote else opportunity.estimated_value,
        "version": opportunity.version,
    }


class CloseView(ServiceFormView):
    template_name = "opportunities/close_form.html"
    form_class = CloseForm

    def get_success_message(self, form, result) -> str:
        params = {"number": result.number, "reason": result.close_reason}
        if result.status == Status.WON:
            return _("Opportunity %(number)s is won (%(reason)s).") % params
        return _("Opportunity %(number)s is lost (%(reason)s).") % params

    def get_initial(self):
        return close_initial(self.get_opportunity(), self.request.GET.get("outcome"))

    def get_template_names(self):
        if self.request.htmx:
            return ["opportunities/_close_form.html"]
        return [self.template_name]

    def form_invalid(self, form):
        if any(e.code == "stale" for e in form.non_field_errors().as_data()):
            messages.warning(
                self.request,
                _(
                    "Someone else changed this opportunity while you were closing "
                    "it. Here is its new state; nothing of yours was saved."
                ),
            )
            return redirect(self.get_success_url())
        return super().form_invalid(form)


class OpportunityActionView(OpportunityMixin, View):
    """A POST-only action on one opportunity; errors become messages."""

    http_method_names = ["post"]
    success_message = ""

    def act(self, opportunity):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        opportunity = self.get_opportunity()
        try:
            response = self.act(opportunity)
        except (ValidationError, PermissionDenied) as error:
            text = " ".join(getattr(error, "messages", [str(error)]))
            messages.error(request, text)
            return redirect(self.get_success_url())
        messages.success(request, self.success_message)
        return response or redirect(self.get_success_url())


class ReopenView(ServiceFormView):
    """The confirmation of a reopening, with its reason (managers only)."""

    template_name = "opportunities/reopen_form.html"
    form_class = ReopenForm
    success_message = gettext_lazy("The opportunity is open again.")

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not user.has_perm(
            "opportunities.reopen_opportunity"
        ):
            self.get_opportunity()  # another rep's is a 404, as everywhere
            messages.error(request, _("Only sales managers can reopen opportunities."))
            return redirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"version": self.get_opportunity().version}


class DeleteView(OpportunityActionView):
    """GET: what goes with the opportunity, and the button; POST: delete it."""

    http_method_names = ["get", "post"]
    success_message = gettext_lazy("The opportunity was deleted.")

    def get(self, request, *args, **kwargs):
        opportunity = self.get_opportunity()
        refusal = rules.deletable(opportunity, request.user)
        if refusal is not None:
            messages.error(request, " ".join(refusal.messages))
            return redirect(self.get_success_url())
        context = {"opportunity": opportunity, **deleting.what_goes(opportunity)}
        template = "opportunities/opportunity_confirm_delete.html"
        return TemplateResponse(request, template, context)

    def act(self, opportunity):
        services.opportunity_delete(user=self.request.user, opportunity=opportunity)
        return HttpResponseRedirect(reverse("opportunities:list"))
