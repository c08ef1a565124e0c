"""The pipeline board: a column per stage of a cycle, not started ones first.

Cards are the opportunities the user may see (``visible_opportunities``); a
manager may narrow them to one salesperson. A card dropped on a column is one
POST to ``BoardMoveView``, which moves it through the forms and services of the
opportunity's own pages and answers with the board again: moved, or with a
small dialog when the move needs something (a quote, a value, a close reason),
or saying which moves are possible. Without JavaScript, a card's Update button
leads to the full update form.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from contacts.models import Salesperson
from opportunities import moves, selectors, services
from opportunities.forms import AdvanceForm, CloseForm, QuickCreateForm, QuoteForm
from opportunities.models import CloseReasonType, Status
from opportunities.views import OpportunityMixin, close_initial, visible_opportunities
from salescycles.models import SalesCycle, Stage

MAX_OFFSET = 2**31  # far past any column's cards

# A card may always be closed: the Won and Lost drop zones.
CLOSING_TARGETS = list(CloseReasonType.values)


def error_codes(form) -> set[str]:
    return {e.code for errors in form.errors.as_data().values() for e in errors}


class BoardMixin:
    """Renders the board of a cycle: its columns, filter, quick-create card and
    dialog; ``_board.html`` alone for htmx, the whole page otherwise."""

    def chosen_salesperson(self, salespeople) -> Salesperson | None:
        code = self.request.GET.get("salesperson")
        return next((s for s in salespeople if s.code == code), None)

    def board_context(self, cycle: SalesCycle | None, stages=None, **extra) -> dict:
        user = self.request.user
        salespeople = (
            list(Salesperson.objects.order_by("code"))
            if user.has_perm("opportunities.view_all_opportunities")
            else []
        )
        chosen = self.chosen_salesperson(salespeople)
        scope = visible_opportunities(user)
        if chosen is not None:
            scope = scope.filter(salesperson=chosen)
        stages, columns = (
            selectors.board_columns(scope, cycle, stages=stages) if cycle else ([], [])
        )
        selectors.attach_next_tasks([c for column in columns for c in column["cards"]])
        for column in columns:  # the cards of a column share their targets
            targets = [
                *map(str, moves.reachable(stages, column["stage"])),
                *CLOSING_TARGETS,
            ]
            for card in column["cards"]:
                card.drop_targets = targets
        if cycle is not None and "quick_create" not in extra:
            extra["quick_create"] = QuickCreateForm(
                user=user, sales_cycle=cycle, salesperson=chosen
            )
        return {
            "cycle": cycle,
            "columns": columns,
            "salespeople": salespeople,
            "chosen_salesperson": chosen,
            "board_query": f"?{urlencode({'salesperson': chosen.code})}"
            if chosen
            else "",
            "per_column": selectors.BOARD_CARDS_PER_COLUMN,
            "today": timezone.localdate(),
            **extra,
        }

    def render_board(self, cycle: SalesCycle, **extra) -> TemplateResponse:
        """``extra`` goes to the template; ``stages``, when the caller read them,
        are not read again."""
        if self.request.htmx:
            template, context = "opportunities/_board.html", {}
        else:
            cycles = list(SalesCycle.objects.order_by("code"))
            template, context = "opportunities/board.html", {"cycles": cycles}
        context.update(self.board_context(cycle, **extra))
        return TemplateResponse(self.request, template, context)

    def board_url(self, cycle: SalesCycle) -> str:
        url = reverse("opportunities:board_cycle", args=[cycle.code])
        code = self.request.GET.get("salesperson")
        return f"{url}?{urlencode({'salesperson': code})}" if code else url

    def done(self, cycle: SalesCycle, message: str, **extra):
        """The board after a change: in place for htmx, else after a redirect."""
        if self.request.htmx:
            notice = {"level": "success", "text": message}
            return self.render_board(cycle, notice=notice, **extra)
        messages.success(self.request, message)
        return redirect(self.board_url(cycle))


class BoardView(BoardMixin, LoginRequiredMixin, TemplateView):
    template_name = "opportunities/board.html"

    def get_context_data(self, **kwargs):
        kwargs.pop("cycle", None)  # the URL's cycle code, read below
        cycles = list(SalesCycle.objects.order_by("code"))
        code = self.kwargs.get("cycle") or self.request.GET.get("cycle")
        if code:
            cycle = next((c for c in cycles if c.code == code), None)
            if cycle is None:
                raise Http404(_("No such sales cycle."))
        else:
            cycle = next((c for c in cycles if not c.blocked), None)
        return super().get_context_data(
            cycles=cycles, **self.board_context(cycle), **kwargs
        )


class BoardColumnView(LoginRequiredMixin, TemplateView):
    """More cards of one column, for "show more"."""

    template_name = "opportunities/_board_cards.html"

    def get_context_data(self, **kwargs):
        kwargs.pop("stage", None)  # the URL's stage id, read below
        stage = get_object_or_404(Stage, pk=self.kwargs["stage"])
        try:
            offset = int(self.request.GET.get("offset", 0))
        except ValueError:
            offset = 0
        # Past the last card is an empty column, whatever the number: a query
        # cannot take an offset beyond a 64-bit integer.
        offset = min(max(offset, 0), MAX_OFFSET)
        limit = selectors.BOARD_CARDS_PER_COLUMN
        cards = selectors.stage_cards(
            visible_opportunities(self.request.user), stage, offset=offset, limit=limit
        )
        selectors.attach_next_tasks(cards)
        stages = list(Stage.objects.filter(cycle_id=stage.cycle_id).order_by("number"))
        targets = [*map(str, moves.reachable(stages, stage)), *CLOSING_TARGETS]
        for card in cards:
            card.drop_targets = targets
        return super().get_context_data(
            stage=stage,
            cards=cards,
            next_offset=offset + limit if len(cards) == limit else None,
            today=timezone.localdate(),
            **kwargs,
        )


class QuickCreateView(BoardMixin, LoginRequiredMixin, View):
    """The quick-create card: a not-started opportunity in the board's cycle."""

    def post(self, request, *args, **kwargs):
        cycle = get_object_or_404(SalesCycle, code=self.kwargs["cycle"])
        salespeople = (
            Salesperson.objects.filter(code=request.GET.get("salesperson"))
            if request.user.has_perm("opportunities.view_all_opportunities")
            else Salesperson.objects.none()
        )
        form = QuickCreateForm(
            data=request.POST,
            user=request.user,
            sales_cycle=cycle,
            salesperson=salespeople.first(),
        )
        opportunity = form.save() if form.is_valid() else None
        if opportunity is None:
            return self.render_board(cycle, quick_create=form)
        message = _("Opportunity %(number)s created.") % {"number": opportunity}
        return self.done(cycle, message)


class BoardMoveView(BoardMixin, OpportunityMixin, View):
    """A card dropped on a column (a stage, Won or Lost): the move, or the
    dialog it needs, or why it is refused."""

    def post(self, request, *args, **kwargs):
        opportunity = self.get_opportunity()
        target = self.kwargs["target"]
        if target in CLOSING_TARGETS:
            return self.close(opportunity, target)
        stages = list(opportunity.sales_cycle.stages.order_by("number"))
        stage = next((s for s in stages if str(s.pk) == target), None)
        if stage is None:
            raise Http404(_("No such stage in the opportunity's sales cycle."))
        current = opportunity.current_stage
        reachable = {} if opportunity.is_closed else moves.reachable(stages, current)
        move = reachable.get(stage.pk)
        if move is None:
            return self.refuse(opportunity, stage, stages, reachable)
        dialog = request.POST.get("dialog")
        if dialog == "quote":
            quote = QuoteForm(
                data=request.POST, opportunity=opportunity, user=request.user
            )
            if not (quote.is_valid() and quote.save()):
                return self.dialog(opportunity, "quote", quote, stage)
            del self._opportunity  # the quote made a new version
            opportunity = self.get_opportunity()
        context = {
            "opportunity": opportunity,
            "user": request.user,
            "options": moves.available(stages, current),
            "stages": stages,
        }
        if dialog == "advance":
            form = AdvanceForm(data=request.POST, **context)
        else:
            version = request.POST.get("version") if dialog is None else None
            proposed = AdvanceForm(
                initial={
                    "move": move,
                    "target_stage": stage.pk,
                    "version": version or opportunity.version,
                    **services.advance_defaults(opportunity, move, stage),
                },
                **context,
            )
            if move == moves.Move.START and not opportunity.estimated_value:
                return self.dialog(opportunity, "advance", proposed, stage)
            # The dialog's values, sent as they are: one path for both.
            values = {name: proposed[name].value() for name in proposed.fields}
            form = AdvanceForm(data=values, **context)
        if form.is_valid() and (moved := form.save()):
            message = _("%(number)s is now at stage %(stage)s.")
            return self.done(
                opportunity.sales_cycle,
                message % {"number": moved.number, "stage": stage},
                stages=stages,
            )
        codes = error_codes(form)
        if "stale" in codes:
            return self.stale(opportunity)
        if "quote_required" in codes:
            quote = QuoteForm(opportunity=opportunity, user=request.user)
            return self.dialog(opportunity, "quote", quote, stage)
        return self.dialog(opportunity, "advance", form, stage)

    def close(self, opportunity, outcome: str):
        if self.request.POST.get("dialog") == "close":
            form = CloseForm(
                data=self.request.POST, opportunity=opportunity, user=self.request.user
            )
            if form.is_valid() and (closed := form.save()):
                if closed.status == Status.WON:
                    message = _("%(number)s is won.")
                else:
                    message = _("%(number)s is lost.")
                return self.done(closed.sales_cycle, message % {"number": closed})
            if "stale" in error_codes(form):
                return self.stale(opportunity)
        else:
            form = CloseForm(
                initial=close_initial(opportunity, outcome),
                opportunity=opportunity,
                user=self.request.user,
            )
        return self.dialog(opportunity, "close", form, outcome=outcome)

    def stale(self, opportunity):
        """Someone changed it since the board was drawn: the board as it is
        now, the card included, to move again from there."""
        text = _(
            "Someone else changed %(number)s meanwhile; here is the board as it "
            "is now. Move the card again if you still want to."
        ) % {"number": opportunity.number}
        if self.request.htmx:
            notice = {"level": "warning", "text": text}
            return self.render_board(opportunity.sales_cycle, notice=notice)
        messages.warning(self.request, text)
        return redirect(self.board_url(opportunity.sales_cycle))

    def dialog(self, opportunity, kind: str, form, stage=None, outcome=None):
        target = str(stage.pk) if stage else outcome
        url = reverse("opportunities:board_move", args=[opportunity.number, target])
        query = self.request.GET.urlencode()
        dialog = {
            "kind": kind,
            "form": form,
            "opportunity": opportunity,
            "stage": stage,
            "outcome": outcome,
            "action": f"{url}?{query}" if query else url,
        }
        return self.render_board(opportunity.sales_cycle, dialog=dialog)

    def refuse(self, opportunity, stage, stages, reachable):
        if opportunity.is_closed:
            text = _("%(number)s is closed; it cannot move.")
        else:
            text = _(
                "%(number)s cannot move to stage %(stage)s from where it is. "
                "It can move to: %(targets)s."
            )
        names = [str(s) for s in stages if s.pk in reachable]
        names += [str(label) for label in CloseReasonType.labels]
        params = {
            "number": opportunity.number,
            "stage": stage,
            "targets": ", ".join(names),
        }
        if self.request.htmx:
            notice = {"level": "danger", "text": text % params}
            return self.render_board(opportunity.sales_cycle, notice=notice)
        messages.error(self.request, text % params)
        return redirect(self.board_url(opportunity.sales_cycle))
