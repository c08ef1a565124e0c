"""Writes for the shared setup: number series."""

from django.db import models, transaction

from crm.models import NumberSeries

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
