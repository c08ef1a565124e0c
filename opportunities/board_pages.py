"""The pipeline board: a column per stage of a cycle, and a card's move.

Cards are the opportunities the user may see (``visible_opportunities``); a
move dropped on a column goes through the update form's rules.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from opportunities import moves, selectors
from opportunities.views import OpportunityMixin, visible_opportunities
from salescycles.models import SalesCycle, Stage

MAX_OFFSET = 2**31  # far past any column's cards


class BoardView(LoginRequiredMixin, TemplateView):
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
        columns = (
            selectors.board_columns(visible_opportunities(self.request.user), cycle)
            if cycle
            else []
        )
        return super().get_context_data(
            cycles=cycles,
            cycle=cycle,
            columns=columns,
            per_column=selectors.BOARD_CARDS_PER_COLUMN,
            today=timezone.localdate(),
            **kwargs,
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
        return super().get_context_data(
            stage=stage,
            cards=cards,
            next_offset=offset + limit if len(cards) == limit else None,
            today=timezone.localdate(),
            **kwargs,
        )


class MoveToStageView(OpportunityMixin, View):
    """A card dropped on a column: the update form for that move, or why not."""

    def get(self, request, *args, **kwargs):
        opportunity = self.get_opportunity()
        stage = get_object_or_404(
            Stage, pk=self.kwargs["stage"], cycle_id=opportunity.sales_cycle_id
        )
        board = reverse(
            "opportunities:board_cycle", args=[opportunity.sales_cycle.code]
        )
        stages = list(opportunity.sales_cycle.stages.order_by("number"))
        options = (
            {}
            if opportunity.is_closed
            else moves.available(stages, opportunity.current_stage)
        )
        # The most direct move that leads there: next/previous before skip/jump.
        order = [
            moves.Move.START,
            moves.Move.NEXT,
            moves.Move.PREVIOUS,
            moves.Move.SKIP,
            moves.Move.JUMP_BACK,
        ]
        for move in order:
            if any(target.pk == stage.pk for target in options.get(move, [])):
                url = reverse("opportunities:advance", args=[opportunity.number])
                return redirect(f"{url}?move={move}&target_stage={stage.pk}")
        if stage.pk == opportunity.stage_id and not opportunity.is_closed:
            reason = _("%(number)s already stands on stage %(stage)s.")
        elif opportunity.is_closed:
            reason = _("%(number)s is closed; it cannot move.")
        else:
            reason = _(
                "%(number)s cannot move to stage %(stage)s from where it is: "
                "only the next stage, the previous one, skippable stages and "
                "a jump back are allowed."
            )
        messages.error(request, reason % {"number": opportunity.number, "stage": stage})
        return redirect(board)
