"""The filter bars' own field template: what it draws and what it refuses."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test.html import parse_html

from crm.filter_bar import FilterBarForm


class Filters(FilterBarForm):
    q = forms.CharField(label="Search", required=False, help_text="Name or no.")
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    flag = forms.BooleanField(required=False)


def test_a_text_and_a_select_field_get_bootstrap_classes_and_their_help():
    form = Filters({"q": "oy", "kind": "b"})

    q = form["q"].as_field_group()
    assert '<label for="id_q" class="form-label">Search</label>' in q
    assert 'class="form-control"' in q
    assert 'aria-describedby="id_q_helptext"' in q
    assert '<div id="id_q_helptext" class="form-text">Name or no.</div>' in q
    assert '<select name="kind" class="form-select" id="id_kind">' in str(form["kind"])


def test_a_field_in_error_names_its_message_and_its_help():
    form = Filters({"kind": "c"})

    kind = form["kind"].as_field_group()
    assert 'class="form-select is-invalid"' in kind
    assert 'aria-invalid="true"' in kind
    assert '<div id="id_kind_error" class="invalid-feedback"><p>Select a valid' in kind
    q = Filters({"q": "xxx"})
    q.add_error("q", "Too short.")
    assert 'aria-describedby="id_q_helptext id_q_error"' in str(q["q"])


def test_a_checkbox_is_refused_rather_than_drawn_as_a_text_box():
    with pytest.raises(TypeError, match="not the CheckboxInput of 'flag'"):
        str(Filters({})["flag"])


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (forms.Select, "b"),
        (forms.Select, None),
        (forms.SelectMultiple, ["a", 3]),
        (forms.NullBooleanSelect, True),
    ],
)
def test_the_select_written_in_place_is_djangos_select(widget, value):
    choices = [("", "---"), ("Group", [("a", "A & co"), ("b", "B")]), (3, "Three")]
    widget = widget() if widget is forms.NullBooleanSelect else widget(choices=choices)
    attrs = {"id": "id_x", "class": "form-select", "required": True}

    ours = widget.render("x", value, attrs=attrs)
    djangos = widget.render("x", value, attrs=attrs, renderer=DjangoTemplates())

    assert parse_html(ours) == parse_html(djangos)
    assert ours != djangos  # the override was the one rendered
