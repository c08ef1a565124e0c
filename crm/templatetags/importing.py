"""Links to the import page, for those who may import (crm/import_pages.py)."""

from django import template

from crm.import_pages import importable_kinds

register = template.Library()


@register.simple_tag(takes_context=True)
def import_kind(context, opts=None) -> str:
    """The KIND of ``opts``'s model the signed-in user may import ("" for
    none); without ``opts``, any KIND they may import."""
    kinds = importable_kinds(context["request"].user)
    if opts is None:
        return next(iter(kinds), "")
    return next((k for k, i in kinds.items() if i.model._meta == opts), "")
