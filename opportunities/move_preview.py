"""What a stage move's form would make of the typed values, before it is sent:
the target stage, its probability and weighted value (computed as the services
compute them, ``history.Figures``), and whether it wants a quote first."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from opportunities.history import Figures
from opportunities.models import Opportunity, SalesQuote
from opportunities.moves import Move
from salescycles.models import Stage


def move_preview(opportunity: Opportunity, stages: list[Stage], values) -> dict:
    """``values`` are the move form's (typed, in the reader's number format):
    ``target`` (None if unknown), ``figures`` (None if a value is unreadable)
    and ``quote_needed``. A query only for a target that requires a quote."""
    target = next(
        (s for s in stages if str(s.pk) == str(values.get("target_stage"))), None
    )
    if target is None:
        return {"target": None}
    number = forms.DecimalField(localize=True, required=False)
    try:
        value = number.clean(values.get("estimated_value")) or Decimal(0)
        chances = number.clean(values.get("chances_pct")) or target.chances_pct
        figures = Figures.calculated(
            opportunity.sales_cycle,
            estimated_value=value,
            chances_pct=min(chances, Decimal(100)),
            completed_pct=target.completed_pct,
            estimated_close_date=None,
        )
    except ValidationError:
        figures = None
    quote_needed = (
        target.quote_required
        and values.get("move") in (Move.NEXT, Move.SKIP)
        and not SalesQuote.objects.filter(opportunity=opportunity).exists()
    )
    return {"target": target, "figures": figures, "quote_needed": quote_needed}
