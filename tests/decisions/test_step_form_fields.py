"""Each wizard form's fields, copied for each form without walking every choice
(decisions.forms._FieldsToCopy): the same fields Django's deepcopy gives, each the form's own."""

import copy

import pytest

from decisions.forms import _FieldsToCopy
from decisions.steps import STEPS_BY_ID
from decisions.views import STEP_FORMS

FORMS = sorted(STEP_FORMS.items())


def _state(thing) -> dict:
    """Its attributes; its parts (a date's inputs), each copied, by their types."""
    return {
        key: [type(part) for part in value] if key in ("fields", "widgets") else value
        for key, value in vars(thing).items()
        if key != "widget"
    }


@pytest.mark.parametrize(("step_id", "form_class"), FORMS)
def test_it_copies_every_field_as_django_does(step_id, form_class):
    ours = copy.deepcopy(_FieldsToCopy(form_class.base_fields))
    djangos = copy.deepcopy(form_class.base_fields)

    assert list(ours) == list(djangos)
    for name, field in ours.items():
        original = form_class.base_fields[name]
        assert type(field) is type(djangos[name])
        assert _state(field) == _state(djangos[name]), name
        assert type(field.widget) is type(djangos[name].widget)
        assert _state(field.widget) == _state(djangos[name].widget), name
        # Nothing a form may change is shared with the class.
        assert field is not original
        assert field.widget is not original.widget
        assert field.widget.attrs is not original.widget.attrs
        assert field.error_messages is not original.error_messages
        assert field.validators is not original.validators
        if hasattr(original, "_choices"):
            assert field._choices is not original._choices
            assert field.widget.choices is not original.widget.choices


def test_what_one_form_changes_stays_in_that_form():
    form_class = STEP_FORMS["consent"]
    step = STEPS_BY_ID["consent"]
    first, second = form_class(step=step), form_class(step=step)

    field = first.fields["consent_absent_reason"]
    field.label = "Changed"
    field.error_messages["required"] = "Changed"
    field.widget.attrs["class"] = "changed"
    field.choices = [("only", "Only")]
    field.validators.append(lambda value: None)

    untouched = second.fields["consent_absent_reason"]
    assert untouched.label != "Changed"
    assert untouched.error_messages["required"] != "Changed"
    assert "class" not in untouched.widget.attrs
    assert len(untouched.choices) > 1 and len(untouched.widget.choices) > 1
    assert untouched.validators == form_class.base_fields["consent_absent_reason"].validators
    assert form_class(step=step).fields["consent_absent_reason"].label != "Changed"


def test_a_field_with_a_copying_of_its_own_is_copied_as_django_does():
    """A date's several inputs (MultiValueField, MultiWidget) copy their parts themselves."""
    dated = [
        (form_class, name)
        for _, form_class in FORMS
        for name, field in form_class.base_fields.items()
        if hasattr(field, "fields")
    ]
    assert dated, "no wizard page asks for a date"
    for form_class, name in dated:
        original = form_class.base_fields[name]
        field = copy.deepcopy(_FieldsToCopy(form_class.base_fields))[name]
        assert field is not original
        assert all(a is not b for a, b in zip(field.fields, original.fields, strict=True))
        assert field.widget.widgets[0] is not original.widget.widgets[0]
