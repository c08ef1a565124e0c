"""One service applied to many opportunities: the list's bulk actions and the
admin's actions.

Each opportunity goes through the service in a transaction of its own, so one
refusal leaves the others done and nothing half-done; the outcome says what
was done and what was refused, and why.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from opportunities.models import Opportunity

# The most a bulk action changes at once (an export has no such limit): each
# is a service call with its own transaction, within one request.
MOST = 500


@dataclass
class Outcome:
    """What a bulk action did: the opportunities done, those refused and why."""

    done: list[Opportunity] = field(default_factory=list)
    refused: list[tuple[Opportunity, str]] = field(default_factory=list)


def apply_to_each(
    opportunities: Iterable[Opportunity], service: Callable[[Opportunity], object]
) -> Outcome:
    """Run ``service`` on each opportunity in its own transaction."""
    outcome = Outcome()
    for opportunity in opportunities:
        try:
            with transaction.atomic():
                service(opportunity)
        except (ValidationError, PermissionDenied) as error:
            reason = " ".join(getattr(error, "messages", [str(error)]))
            outcome.refused.append((opportunity, reason))
        else:
            outcome.done.append(opportunity)
    return outcome
