"""A small history to check the statistics against, computed by hand.

The story (D = 5 Jan 2026, cycle stages 10/20/30/40 at 10/25/50/80 % completed
and 20/40/60/80 % chances, probability = chances × completed / 100):

- O1 (rep A, company C1): start D at 1,000, update D+2, next D+4, next D+10,
  won D+20 for 1,200.  Entries at 10: 2 + 2 days, at 20: 6, at 30: 10.
- O2 (rep A, person P of C1): start D at 2,000, next D+5, lost D+15 (PRICE).
  Entries at 10: 5 days, at 20: 10.
- O3 (rep B, person P): start D at 3,000, lost D+3 (PRICE), reopened D+8 by a
  manager: open again at stage 10 (3,000 × 2 % = 60), closing D+8.
  Entries at 10: 3 days (the closing entry stands on no stage).
- O4 (rep B, C1): not started.
- O5 (rep A, C1): start D at 500, closing 10 Mar 2026 (500 × 2 % = 10).

Salesperson A is linked to the user ``rep`` when one is given.
"""

import datetime
from decimal import Decimal

from contacts.models import Salesperson
from opportunities import services
from opportunities.models import Opportunity
from opportunities.moves import Move
from tests.factories import (
    START_DATE,
    CloseReasonFactory,
    CompanyFactory,
    OpportunityFactory,
    PersonFactory,
    SalespersonFactory,
    cycle_with_stages,
)

D = START_DATE
DAY = datetime.timedelta(days=1)


def advance(opportunity, move, on, **kwargs):
    return services.opportunity_advance(
        user=None, opportunity=opportunity, move=move, date_of_change=on, **kwargs
    )


def close(opportunity, outcome, reason, on, **kwargs):
    return services.opportunity_close(
        user=None,
        opportunity=opportunity,
        outcome=outcome,
        close_reason=reason,
        date_closed=on,
        **kwargs,
    )


def tell(manager, rep=None) -> dict:
    """Write the story; return its records by name."""
    cycle = cycle_with_stages()
    if rep is None:
        a = SalespersonFactory(code="A")
    else:  # the rep fixture's own salesperson, renamed for the story
        a = Salesperson.objects.get(user=rep)
        Salesperson.objects.filter(pk=a.pk).update(code="A")
        a.refresh_from_db()
    b = SalespersonFactory(code="B")
    c1 = CompanyFactory(name="C1")
    p = PersonFactory(name="P", company=c1)
    price = CloseReasonFactory()
    won = CloseReasonFactory(won=True)

    def new(salesperson, contact):
        return OpportunityFactory(
            salesperson=salesperson, contact=contact, sales_cycle=cycle
        )

    o1 = new(a, c1)
    advance(o1, Move.START, D, estimated_value=Decimal(1000))
    advance(o1, Move.UPDATE, D + 2 * DAY)
    advance(o1, Move.NEXT, D + 4 * DAY)
    advance(o1, Move.NEXT, D + 10 * DAY)
    close(o1, "won", won, D + 20 * DAY, sale_value=Decimal(1200))

    o2 = new(a, p)
    advance(o2, Move.START, D, estimated_value=Decimal(2000))
    advance(o2, Move.NEXT, D + 5 * DAY)
    close(o2, "lost", price, D + 15 * DAY)

    o3 = new(b, p)
    advance(o3, Move.START, D, estimated_value=Decimal(3000))
    close(o3, "lost", price, D + 3 * DAY)
    services.opportunity_reopen(
        user=manager,
        opportunity=Opportunity.objects.get(pk=o3.pk),
        reason="New budget",
        date_of_change=D + 8 * DAY,
    )

    o4 = new(b, c1)

    o5 = new(a, c1)
    advance(
        o5,
        Move.START,
        D,
        estimated_value=Decimal(500),
        estimated_close_date=datetime.date(2026, 3, 10),
    )
    return {
        "cycle": cycle,
        "a": a,
        "b": b,
        "c1": c1,
        "p": p,
        "price": price,
        "won": won,
        "o": [Opportunity.objects.get(pk=o.pk) for o in (o1, o2, o3, o4, o5)],
    }
