"""The forms of a disagreement between agencies (section 14): raise it, record a step,
resolve it. GOV.UK forms; the services check the same limits again."""

from __future__ import annotations

from crispy_forms_gds.layout import Field, Size
from django import forms

from records.forms import _GdsForm
from records.models import Disagreement, DisagreementStep
from records.selectors import DISAGREEMENT_PARTY_MAX, DISAGREEMENT_TEXT_MAX


def _long_text(label: str, *, help_text: str, required: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=DISAGREEMENT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": required,
            "max_length": f"{label} must be {DISAGREEMENT_TEXT_MAX:,} characters or fewer",
        },
    )


class _TextForm(_GdsForm):
    long_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The character count says when it is too long; a maxlength would cut a paste short.
        for name in self.long_fields:
            self.fields[name].widget.attrs.pop("maxlength", None)


class DisagreementForm(_TextForm):
    submit_label = "Record the disagreement"
    long_fields = ("reason",)

    direction = forms.ChoiceField(
        label="Who disagrees?",
        choices=Disagreement.Direction.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select who disagrees with whom",
            "invalid_choice": "Select who disagrees with whom",
        },
    )
    party = forms.CharField(
        label="Which agency, and who there?",
        help_text="The agency and the person's role, for example Northshire Police, duty "
        "inspector.",
        max_length=DISAGREEMENT_PARTY_MAX,
        error_messages={
            "required": "Enter the agency and the role of the person who disagrees",
            "max_length": f"The agency and role must be {DISAGREEMENT_PARTY_MAX} characters "
            "or fewer",
        },
    )
    reason = _long_text(
        "Why do they disagree?",
        help_text="Their reasons in their words, and yours if you dispute their refusal.",
        required="Enter why they disagree",
    )

    def layout_items(self):
        return [
            Field.radios("direction", legend_size=Size.SMALL),
            Field.text("party"),
            Field.textarea("reason", label_size=Size.SMALL, max_characters=DISAGREEMENT_TEXT_MAX),
        ]


class DisagreementStepForm(_TextForm):
    submit_label = "Record this step"
    long_fields = ("note",)

    kind = forms.ChoiceField(
        label="What was done?",
        choices=DisagreementStep.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what was done",
            "invalid_choice": "Select what was done",
        },
    )
    note = _long_text(
        "What was done and said",
        help_text="Who took part, what was agreed or advised, and what happens next. It is "
        "added with your name and today's date, and cannot be changed afterwards.",
        required="Enter what was done and said",
    )

    def layout_items(self):
        return [
            Field.radios("kind", legend_size=Size.SMALL),
            Field.textarea("note", label_size=Size.SMALL, max_characters=DISAGREEMENT_TEXT_MAX),
        ]


class DisagreementResolveForm(_TextForm):
    submit_label = "Record the outcome and close the disagreement"
    long_fields = ("resolution",)

    resolution = _long_text(
        "How was it resolved?",
        help_text="What was agreed, who decided, and what was or was not shared as a result.",
        required="Enter how the disagreement was resolved",
    )

    def layout_items(self):
        return [
            Field.textarea(
                "resolution", label_size=Size.SMALL, max_characters=DISAGREEMENT_TEXT_MAX
            ),
        ]
