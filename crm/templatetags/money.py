"""``{{ amount|money }}``: see crm.money."""

from django import template

from crm.money import format_money

register = template.Library()


@register.filter
def money(value):
    """The amount with the currency, in the active language's format."""
    return format_money(value)
