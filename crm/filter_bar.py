"""The filter bars above the lists and statistics pages.

Every list and statistics page draws its filters again, and crispy's general
field template (checkboxes, radios, files, layouts) made up a fifth of the
opportunity list's time at 100,000 opportunities (docs/benchmarks.md). A
filter bar holds only text, date and select inputs, so its fields are drawn by
a small template of their own, ``includes/filter_field.html``, in the same
Bootstrap markup crispy writes.
"""

from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _


class FilterBarField(BoundField):
    template_name = "includes/filter_field.html"

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if widget.is_hidden:
            return attrs
        if isinstance(
            widget, forms.CheckboxInput | forms.RadioSelect | forms.FileInput
        ):
            raise TypeError(
                f"A filter bar draws text, date and select inputs, not the "
                f"{type(widget).__name__} of {self.name!r}: extend "
                f"includes/filter_field.html first."
            )
        classes = [
            widget.attrs.get("class", ""),
            "form-select" if isinstance(widget, forms.Select) else "form-control",
        ]
        if self.errors:
            # aria-invalid and aria-describedby (the help, the message): Django.
            classes.append("is-invalid")
        attrs["class"] = " ".join(filter(None, classes))
        return attrs


class FilterBarForm(forms.Form):
    """A form whose fields render as a filter bar's: ``{{ field.as_field_group }}``.

    ``RANGES`` names pairs of (start, end) fields: an end before its start is
    an error on the end field.
    """

    bound_field_class = FilterBarField
    RANGES: list[tuple[str, str]] = []

    def clean(self):
        data = super().clean()
        for start, end in self.RANGES:
            if None not in (data.get(start), data.get(end)) and data[end] < data[start]:
                self.add_error(
                    end,
                    forms.ValidationError(
                        _("The end of the range cannot be before its start."),
                        code="range_reversed",
                    ),
                )
        return data
