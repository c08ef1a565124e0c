"""What every opportunity service does: lock the row, save a new version, log."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from crm import audit
from crm.numbers import validate_number
from opportunities.models import Opportunity, SalesQuote


def lock(opportunity: Opportunity, expected_version: int | None) -> Opportunity:
    """Re-read the opportunity with its row locked until the transaction ends.

    Its sales cycle comes along, and its quote's amount as ``quote_amount``
    (None without a quote; a quote is made under this lock).
    """
    locked = (
        Opportunity.objects.select_related("sales_cycle", "furthest_stage")
        .annotate(quote_amount=quote_amount())
        .select_for_update(of=("self",))
        .get(pk=opportunity.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(
            _(
                "Someone else changed opportunity %(number)s after you opened it. "
                "Check its new state and try again."
            ),
            code="stale",
            params={"number": locked.number},
        )
    return locked


def quote_amount() -> Subquery:
    return Subquery(
        SalesQuote.objects.filter(opportunity=OuterRef("pk")).values("amount")[:1]
    )


def save(
    opportunity: Opportunity, *, user=None, action=None, message=""
) -> Opportunity:
    """Save the opportunity as its next version; with ``action``, log it too
    (in the caller's transaction, so the change and its log row commit together)."""
    opportunity.version += 1
    opportunity.save()
    if action is not None:
        audit.record(user, opportunity, action, message)
    return opportunity


def check_new_number(model, number: str) -> None:
    """A typed number: refused when the rule forbids it or it is taken."""
    if not number:
        return
    try:
        validate_number(number)
    except ValidationError as error:
        raise ValidationError({"number": error}) from error
    refuse_taken_number(model, number)


def refuse_taken_number(model, number: str) -> None:
    """A typed number another row has already: ``number_taken``."""
    if number and model.objects.filter(number=number).exists():
        raise ValidationError(
            {
                "number": ValidationError(
                    _("Number %(number)s is already in use."),
                    code="number_taken",
                    params={"number": number},
                )
            }
        )


@contextmanager
def typed_number(model, number: str):
    """Around the insert of a row with a typed ``number``: a request that took
    the number since ``check_new_number`` looked is the same refusal, not a
    server error (the unique index is what decides the race)."""
    try:
        with transaction.atomic():  # a savepoint: the check below can still run
            yield
    except IntegrityError:
        refuse_taken_number(model, number)
        raise
