"""The contact list's filters."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, ContactType, Salesperson
from crm.filter_bar import FilterBarForm


class ContactFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    type = django_filters.ChoiceFilter(label=_("Type"), choices=ContactType.choices)
    # 20,000 companies make no select: the company is typed, number or name.
    company = django_filters.CharFilter(
        label=_("Company (no. or name)"), method="filter_company"
    )
    salesperson = django_filters.ModelChoiceFilter(
        label=_("Salesperson"), queryset=Salesperson.objects.order_by("code")
    )
    o = django_filters.OrderingFilter(
        fields=[("number", "number"), ("name", "name"), ("city", "city")],
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Contact
        fields = []
        form = FilterBarForm

    def search(self, queryset, name, value):
        # The same match as the menu bar's search.
        return queryset.matching(value)

    def filter_company(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(company__number__iexact=value) | Q(company__name__icontains=value)
        )
