"""Forms for what happens after submission: a manager's decision, confirming a share."""

from __future__ import annotations

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms
from django.utils import timezone

from records.models import Addendum, DecisionRecord, ManagerDecision
from records.selectors import ADDENDUM_MAX, LEGAL_HOLD_REASON_MAX

Kind = ManagerDecision.Kind
COMMENT_MAX = 5000

# The choices a manager has, by what the record awaits, with a hint for each.
PRIOR_CHOICES = [
    (Kind.APPROVED, "Approve"),
    (Kind.RETURNED, "Return it to the practitioner for changes"),
    (Kind.REJECTED, "Reject"),
]
REVIEW_CHOICES = [
    (Kind.ENDORSED, "Endorse the decision"),
    (Kind.CONCERN, "Record a concern"),
]
COMMENT_REQUIRED = {
    Kind.RETURNED: "Enter what the practitioner should change",
    Kind.REJECTED: "Enter why you are rejecting the decision",
    Kind.CONCERN: "Enter your concern about the decision",
}


class _GdsForm(forms.Form):
    submit_label = "Continue"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's <form> carries the token
        self.helper.layout = Layout(*self.layout_items(), Submit("submit", self.submit_label))

    def layout_items(self) -> list:
        return []


class ManagerDecisionForm(_GdsForm):
    submit_label = "Save your decision"

    kind = forms.ChoiceField(
        label="What is your decision?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select your decision",
            "invalid_choice": "Select your decision",
        },
    )
    comment = forms.CharField(
        label="Comment",
        help_text="Needed to return, reject or record a concern. The practitioner will see it; "
        "it becomes part of the record.",
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "max_length": f"The comment must be {COMMENT_MAX:,} characters or fewer",
        },
    )

    # The round the manager was shown, so a resubmission in between is not approved unread.
    # Rendered by the page's template (hidden), not by the layout.
    round = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, record: DecisionRecord, shown_round: int, **kwargs):
        self.awaiting_review = record.state == DecisionRecord.State.AWAITING_REVIEW
        kwargs.setdefault("initial", {"round": shown_round})
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = REVIEW_CHOICES if self.awaiting_review else PRIOR_CHOICES
        if self.awaiting_review:
            self.fields["kind"].label = "What is your review of this urgent share?"

    def layout_items(self):
        return [
            Field.radios("kind", legend_size=Size.MEDIUM),
            Field.textarea("comment", label_size=Size.SMALL),
        ]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in COMMENT_REQUIRED and not (data.get("comment") or "").strip():
            self.add_error("comment", COMMENT_REQUIRED[kind])
        return data


class RealDateField(DateInputField):
    """The pack's date input, with messages people can act on: the pack reports an
    impossible date (31 2 2026) in Python's words ("day is out of range for month")."""

    def __init__(self, *, required_message: str = "", **kwargs):
        super().__init__(**kwargs)
        if required_message:
            self.error_messages["required"] = required_message

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except forms.ValidationError:
            raise forms.ValidationError(
                "The date must be a real date, for example 27 3 2026", code="invalid"
            ) from None


class ConfirmSharingForm(_GdsForm):
    submit_label = "Confirm the sharing"

    shared_on = RealDateField(
        required_message="Enter the date the information was shared",
        label="When was the information shared?",
        help_text="For example, 27 3 2026",
        require_all_fields=False,
    )
    means = forms.CharField(
        label="How was it shared?",
        max_length=200,
        error_messages={
            "required": "Enter how the information was shared",
            "max_length": "How it was shared must be 200 characters or fewer",
        },
    )
    recipient = forms.CharField(
        label="Who received it?",
        help_text="Their role and organisation.",
        max_length=300,
        error_messages={
            "required": "Enter who received the information",
            "max_length": "Who received it must be 300 characters or fewer",
        },
    )

    def layout_items(self):
        return [
            Field("shared_on", context={"legend_size": "govuk-fieldset__legend--s"}),
            Field.text("means"),
            Field.text("recipient"),
        ]

    def __init__(self, *args, record: DecisionRecord, **kwargs):
        self.started_on = timezone.localdate(record.created_at)
        super().__init__(*args, **kwargs)

    def clean_shared_on(self):
        value = self.cleaned_data.get("shared_on")
        if value is None:
            raise forms.ValidationError("Enter the date the information was shared")
        if value > timezone.localdate():
            raise forms.ValidationError("The date of sharing must be today or in the past")
        if value < self.started_on:
            # A mistyped year (26 for 2026) would otherwise be kept on the record for good.
            raise forms.ValidationError(
                f"The date of sharing must be on or after {self.started_on:%-d %B %Y}, "
                "when this decision was started"
            )
        return value


class AddendumForm(_GdsForm):
    submit_label = "Add the addendum"

    kind = forms.ChoiceField(
        label="What are you adding?",
        choices=[
            (Addendum.Kind.CORRECTION, "A correction"),
            (Addendum.Kind.FURTHER_INFORMATION, "Further information"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether this is a correction or further information",
            "invalid_choice": "Select whether this is a correction or further information",
        },
    )
    text = forms.CharField(
        label="Addendum",
        help_text="It is added to the record with your name and today's date, and cannot be "
        "changed afterwards. The decision as submitted stays as it was.",
        max_length=ADDENDUM_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Enter the addendum",
            "max_length": f"The addendum must be {ADDENDUM_MAX:,} characters or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The character count says when it is too long; a maxlength would cut a paste short.
        self.fields["text"].widget.attrs.pop("maxlength", None)

    def layout_items(self):
        return [
            Field.radios("kind", legend_size=Size.SMALL),
            Field.textarea("text", label_size=Size.SMALL, max_characters=ADDENDUM_MAX),
        ]


class LegalHoldForm(_GdsForm):
    """Set a legal hold when there is none, lift it when there is: a reason either way."""

    action = forms.ChoiceField(choices=[("set", "set"), ("lift", "lift")], widget=forms.HiddenInput)
    reason = forms.CharField(
        max_length=LEGAL_HOLD_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, record: DecisionRecord, **kwargs):
        self.lifting = record.legal_hold
        self.submit_label = "Lift the legal hold" if self.lifting else "Put on legal hold"
        kwargs.setdefault("initial", {"action": "lift" if self.lifting else "set"})
        super().__init__(*args, **kwargs)
        reason = self.fields["reason"]
        if self.lifting:
            reason.label = "Why is the legal hold being lifted?"
            # (A help text also keeps the pack's character count working.)
            reason.help_text = "It is kept in the audit trail, with why the hold was set."
            reason.error_messages["required"] = "Enter why the legal hold is being lifted"
        else:
            reason.label = "Why must this record be kept?"
            reason.help_text = (
                "For example, the litigation, inquiry or complaint it is needed for. While on "
                "hold it is kept past its retain-until date."
            )
            reason.error_messages["required"] = "Enter why the record must be kept"
        reason.error_messages["max_length"] = (
            f"The reason must be {LEGAL_HOLD_REASON_MAX:,} characters or fewer"
        )
        reason.widget.attrs.pop("maxlength", None)

    def layout_items(self):
        return [
            Field("action"),
            Field.textarea("reason", label_size=Size.SMALL, max_characters=LEGAL_HOLD_REASON_MAX),
        ]
