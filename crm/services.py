"""Writes for the shared setup: number series, the lists' saved views."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from crm.audit import delete_logged, save_logged
from crm.models import DefaultView, NumberSeries, SavedView

# The series the apps use, created on first use (and by a data migration).
DEFAULT_SERIES = {
    "CONTACT": ("CT", "Contacts"),
    "OPPORTUNITY": ("OP", "Opportunities"),
    "TASK": ("TD", "Tasks"),
    "QUOTE": ("SQ", "Sales quotes"),
}


def number_series_take(
    *, code: str, model: type[models.Model], count: int = 1, field: str = "number"
) -> list[str]:
    """Draw ``count`` new numbers from a series, stepping over numbers in use.

    Typed and imported numbers are kept as they are, so a drawn number may
    already be taken by one of them; such numbers are skipped, not reused.
    """
    numbers: list[str] = []
    if count <= 0:
        return numbers
    with transaction.atomic():
        prefix, description = DEFAULT_SERIES.get(code, (code[:3], code))
        series, _created = NumberSeries.objects.select_for_update().get_or_create(
            code=code, defaults={"prefix": prefix, "description": description}
        )
        while len(numbers) < count:
            wanted = count - len(numbers)
            first = series.last_number + 1
            candidates = [series.format(n) for n in range(first, first + wanted)]
            series.last_number += wanted
            taken = set(
                model.objects.filter(**{f"{field}__in": candidates}).values_list(
                    field, flat=True
                )
            )
            numbers += [n for n in candidates if n not in taken]
        series.save(update_fields=["last_number"])
    return numbers


def number_series_next(*, code: str, model: type[models.Model]) -> str:
    """Draw the next number of a series (see ``number_series_take``)."""
    return number_series_take(code=code, model=model)[0]


def saved_view_save(
    *, user, page: str, name: str, query: str, shared: bool = False
) -> SavedView:
    """Save a list's filters under ``name`` (the user's view of that name on
    that page is overwritten). Only a user with ``crm.share_savedview`` (the
    sales managers) may share a view with everyone."""
    if shared and not user.has_perm("crm.share_savedview"):
        raise ValidationError(
            _("Only a sales manager can share a view with everyone."),
            code="share_not_allowed",
        )
    view = SavedView.objects.filter(owner=user, page=page, name=name.strip()).first()
    view = view or SavedView(owner=user, page=page, name=name.strip())
    view.query, view.shared = query, shared
    return save_logged(view, user=user)


def saved_view_delete(*, user, view: SavedView) -> None:
    """Delete one of the user's own saved views."""
    if view.owner_id != user.pk:
        raise ValidationError(
            _("Only its owner can delete a saved view."), code="not_the_owner"
        )
    delete_logged(view, user=user)


def default_view_set(*, user, page: str, name: str, query: str) -> DefaultView:
    """Make ``query`` the filters the user's list ``page`` opens with."""
    default, _created = DefaultView.objects.update_or_create(
        user=user, page=page, defaults={"name": name, "query": query}
    )
    return default
