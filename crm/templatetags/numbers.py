"""``{% number_url 'opportunities:detail' opportunity.number %}``: see crm.numbers."""

from django import template

from crm import numbers

register = template.Library()


@register.simple_tag
def number_url(viewname, *args):
    """The address of a page for a number; "" for a number the rule refuses."""
    return numbers.number_url(viewname, *args)
