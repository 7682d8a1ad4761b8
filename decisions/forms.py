"""One form per wizard page. Each owns the answer keys it saves.

Forms check what one page can check (required reasons, conditional details). They never
decide where the practitioner goes next: that is the engine's job (``decisions.steps``).
"""

from __future__ import annotations

import copy
import datetime

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import (
    Div,
    Field,
    Layout,
    Size,
    Submit,
)
from django import forms
from django.forms.widgets import ChoiceWidget
from django.utils import timezone
from django.utils.functional import cached_property

from decisions import flowchart
from decisions.layout import QuestionRadios, RevealChoice, RevealRadios
from decisions.steps import Step
from records.forms import RealDateField
from records.models import Organisation

YES_NO = [("yes", "Yes"), ("no", "No")]
TEXTAREA = forms.Textarea(attrs={"rows": 4})


def _choices(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return list(mapping.items())


def _radio(label: str, choices, **messages) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": messages.get("required", f"Select an answer: {label}")},
    )


def _too_long(label: str, max_length: int) -> str:
    """A message that names the question, without its "(optional ...)" note."""
    question = label.split(" (optional", 1)[0]
    return f"The answer to ‘{question}’ must be {max_length:,} characters or fewer"


def _text(label: str, *, required=True, help_text="", max_length=200, error="") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=max_length,
        error_messages={
            "required": error or f"Enter {label[0].lower()}{label[1:]}",
            "max_length": _too_long(label, max_length),
        },
    )


TEXTAREA_MAX = 5000


def _textarea(label: str, *, required=True, help_text="", error="") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=TEXTAREA_MAX,
        widget=TEXTAREA,
        error_messages={
            "required": error or f"Enter {label[0].lower()}{label[1:]}",
            "max_length": _too_long(label, TEXTAREA_MAX),
        },
    )


# Django copies each form's fields (BaseForm: copy.deepcopy(base_fields)), and the generic
# deepcopy walks every choice: 0.16 ms of the consent page's 0.18 ms form. A field or widget
# whose copying is Django's own plain one is copied here the same way, without the walk.
_PLAIN_FIELD_COPIES = (forms.Field.__deepcopy__, forms.ChoiceField.__deepcopy__)
_PLAIN_WIDGET_COPIES = (forms.Widget.__deepcopy__, ChoiceWidget.__deepcopy__)


class _FieldsToCopy(dict):
    """A form class's fields, copied for each form as Django copies them: the field, its
    widget, the widget's attributes and choices, its error messages and validators, each
    the form's own. A choice field's choices are copied one level down, as its widget
    copies them (each choice is a tuple, which nothing changes). A field or widget with a
    copying of its own (a date's several inputs) is deep-copied as Django does."""

    def __deepcopy__(self, memo):
        return {name: _copy_field(field, memo) for name, field in self.items()}


def _copy_field(field, memo):
    widget = field.widget
    if (
        type(field).__deepcopy__ not in _PLAIN_FIELD_COPIES
        or type(widget).__deepcopy__ not in _PLAIN_WIDGET_COPIES
    ):
        return copy.deepcopy(field, memo)
    copied = copy.copy(field)
    copied.widget = copy.copy(widget)
    copied.widget.attrs = widget.attrs.copy()
    if isinstance(widget, ChoiceWidget):  # normalised already: not through the setter again
        copied.widget._choices = copy.copy(widget._choices)
    copied.error_messages = field.error_messages.copy()
    copied.validators = field.validators[:]
    if isinstance(field, forms.ChoiceField):
        copied._choices = copy.copy(field._choices)
    return copied


_FIELDS_TO_COPY: dict[type, _FieldsToCopy] = {}


class StepForm(forms.Form):
    """A wizard page. Subclasses set ``primary`` (the radio that is the question, if any)."""

    primary: str | None = None

    def __init__(self, *args, step: Step, answers: dict | None = None, **kwargs):
        kwargs.setdefault("initial", self.initial_from(answers or {}))
        form_class = type(self)
        if form_class not in _FIELDS_TO_COPY:
            _FIELDS_TO_COPY[form_class] = _FieldsToCopy(form_class.base_fields)
        self.base_fields = _FIELDS_TO_COPY[form_class]  # what BaseForm copies
        super().__init__(*args, **kwargs)
        self.step = step
        # What the page explains above its form, from the answers saved so far: the page's
        # declaration in decisions.steps decides, never a view.
        self.warnings = step.warnings_for(answers or {})
        # Reminders of earlier answers the page shows beside its form (decisions.steps
        # declares which and when): each a template and what it draws on.
        self.reminders = [
            (reminder.template, REMINDER_CONTEXT[reminder.id](answers or {}))
            for reminder in step.reminders_for(answers or {})
        ]
        if self.primary:
            self.fields[self.primary].label = step.heading
            self.fields[self.primary].help_text = step.hint
            self.fields[self.primary].error_messages["required"] = self.primary_required_message()

    @cached_property
    def helper(self) -> FormHelper:
        """crispy-forms' layout of the page: made when the form is drawn, not for a save
        that redirects, nor when the page's HTML is kept (decisions.views.form_html)."""
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True  # the page's <form> carries the token
        helper.layout = Layout(
            *self.layout_items(),
            Div(
                Submit("continue", "Save and continue"),
                Submit(
                    "save_and_exit", "Save and come back later", css_class="govuk-button--secondary"
                ),
                css_class="govuk-button-group",
            ),
        )
        return helper

    def primary_required_message(self) -> str:
        return f"Select yes or no: {self.step.heading[0].lower()}{self.step.heading[1:]}"

    def layout_items(self) -> list:
        return [Field(name) for name in self.fields]

    # Answers the page saves that are not its fields (set by the wizard, not typed).
    extra_keys: tuple[str, ...] = ()

    @classmethod
    def owned_keys(cls) -> list[str]:
        return [*cls.base_fields, *cls.extra_keys]

    @classmethod
    def initial_from(cls, answers: dict) -> dict:
        return {key: answers[key] for key in cls.base_fields if key in answers}

    def to_answers(self) -> dict:
        """The cleaned values as JSON-ready answers; every owned key is written."""
        values = {}
        for key in self.base_fields:
            value = self.cleaned_data.get(key)
            if isinstance(value, datetime.date):
                value = value.isoformat()
            elif value is None:
                value = ""
            values[key] = value
        return values

    def clear(self, *keys: str) -> None:
        """Drop details that belong to the answer not chosen (a hidden reveal keeps text)."""
        for key in keys:
            field = self.fields[key]
            self.cleaned_data[key] = [] if isinstance(field, forms.MultipleChoiceField) else ""

    def require(self, key: str, message: str) -> None:
        if not self.cleaned_data.get(key):
            self.add_error(key, message)

    def question(self, *reveals):
        """The page's question as radios; ``reveals`` maps a choice label to its details."""
        choices = [label for _, label in self.fields[self.primary].choices]
        revealed = dict(reveals)
        return QuestionRadios(
            self.primary,
            *(
                RevealChoice(label, *revealed[label]) if label in revealed else label
                for label in choices
            ),
        )


class UrgentForm(StepForm):
    primary = "urgent"
    urgent = _radio("", _choices(flowchart.URGENCY))

    def primary_required_message(self):
        return "Select yes if anyone is at immediate risk of serious harm"

    def layout_items(self):
        return [self.question()]


class ActNowForm(StepForm):
    """No questions: the page tells the practitioner who to contact at once."""


class DirectionForm(StepForm):
    primary = "direction"
    direction = _radio("", _choices(flowchart.DIRECTIONS))

    def primary_required_message(self):
        return "Select whether you want to share or another agency has asked"

    def layout_items(self):
        return [self.question()]


class AboutForm(StepForm):
    # The references of the case's earlier decisions shown (decisions.wizard).
    extra_keys = ("earlier_decisions_shown",)

    subject_type = _radio(
        "Who is the information about?",
        [("child", "A child or young person"), ("adult", "An adult"), ("family", "A family")],
        required="Select who the information is about",
    )
    subject_reference = _text(
        "Case reference",
        help_text="The reference from your case system. Do not enter the person's name.",
        max_length=100,
        error="Enter the case reference",
    )
    other_agency = _text(
        "Which agency is the other party?",
        help_text="For example, Northshire Police or Riverside Primary School.",
        error="Enter the other agency",
    )
    other_contact = _text(
        "Who is your contact there? (optional)",
        required=False,
        help_text="Their role, and name if you know it.",
    )
    repeat_request = _radio(
        "Have you shared information about this person with this agency before?",
        YES_NO,
        required="Select yes if you have shared about this person with this agency before",
    )
    repeat_changed = _textarea("Have the circumstances changed since then?", required=False)
    repeat_consent_again = _textarea("Should you seek consent again?", required=False)
    repeat_still_accurate = _textarea(
        "Is the information still relevant and accurate?", required=False
    )

    def layout_items(self):
        return [
            Field.radios("subject_type", legend_size=Size.MEDIUM),
            Field.text("subject_reference", field_width=20),
            Field.text("other_agency"),
            Field.text("other_contact"),
            RevealRadios(
                "repeat_request",
                RevealChoice(
                    "Yes", "repeat_changed", "repeat_consent_again", "repeat_still_accurate"
                ),
                "No",
            ),
        ]

    def clean(self):
        data = super().clean()
        if data.get("repeat_request") == "yes":
            self.require("repeat_changed", "Say whether the circumstances have changed")
            self.require("repeat_consent_again", "Say whether you should seek consent again")
            self.require(
                "repeat_still_accurate",
                "Say whether the information is still relevant and accurate",
            )
        else:
            self.clear("repeat_changed", "repeat_consent_again", "repeat_still_accurate")
        return data


class PurposeForm(StepForm):
    primary = "purpose"
    purpose = _radio("", YES_NO)
    purpose_grounds = forms.MultipleChoiceField(
        label="What is the purpose? Select all that apply",
        choices=_choices(flowchart.PURPOSE_GROUNDS),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    purpose_text = _textarea(
        "Describe the purpose in your own words",
        help_text="If there is no clear purpose, say why.",
        error="Describe the purpose in your own words",
    )

    def layout_items(self):
        return [
            self.question(("Yes", [Field.checkboxes("purpose_grounds")])),
            Field.textarea("purpose_text"),
        ]

    def clean(self):
        data = super().clean()
        if data.get("purpose") == "yes":
            self.require("purpose_grounds", "Select at least one purpose")
        else:
            self.clear("purpose_grounds")
        return data


class _YesNoWithNotesForm(StepForm):
    notes_key: str

    def layout_items(self):
        return [self.question(), Field.textarea(self.notes_key)]


class IdentifiableForm(_YesNoWithNotesForm):
    primary = "identifiable"
    notes_key = "identifiable_notes"
    identifiable = _radio("", YES_NO)
    identifiable_notes = _textarea("Notes (optional)", required=False)


class ConfidentialForm(_YesNoWithNotesForm):
    primary = "confidential"
    notes_key = "confidential_notes"
    confidential = _radio("", YES_NO)
    confidential_notes = _textarea(
        "Why is it, or is it not, confidential? (optional)", required=False
    )


CONSENT_TYPES = [
    ("explicit", "Explicit: they agreed, in words or in writing, to this sharing"),
    ("implied", "Implied: it is clear from the circumstances that they agree"),
]
CONSENT_GIVERS = [
    ("individual", "The person themselves"),
    ("parent_carer", "A parent or carer, on a child's behalf"),
    ("child_with_capacity", "A child judged able to decide for themselves"),
]
NO_CONSENT_REASONS = [
    ("refused", "They refused"),
    ("withdrawn", "They gave consent and then withdrew it"),
    ("increase_risk", "Not sought: asking would increase the risk of harm"),
    ("prejudice_crime", "Not sought: asking would prejudice preventing or detecting serious crime"),
    ("undue_delay", "Not sought: asking would cause undue delay"),
    ("cannot_find", "The person cannot be found"),
    ("lacks_capacity", "The person lacks capacity to decide"),
    ("not_attempted", "Not attempted, for another reason"),
]


CONSENT_SCOPES = [
    ("no_limits", "Consent with no limits"),
    ("limits", "Consent, with limits"),
]
AGENCY_KINDS = list(Organisation.Kind.choices)
CONSENT_LIMIT_KEYS = (
    "consent_limit_agency_kinds",
    "consent_limit_agencies",
    "consent_limit_information",
    "consent_limit_until",
    "consent_limit_not_shared",
)


class ConsentForm(StepForm):
    primary = "consent"
    consent = _radio("", YES_NO)
    consent_type = _radio("What kind of consent?", CONSENT_TYPES)
    consent_given_by = _radio("Who gave consent?", CONSENT_GIVERS)
    # Appendix 1 ("recording limitations of consent to share"): what the consent covers.
    consent_scope = _radio("Does the consent have limits?", CONSENT_SCOPES)
    consent_limit_agency_kinds = forms.MultipleChoiceField(
        label="Which kinds of agency does the consent cover?",
        choices=AGENCY_KINDS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Select all that apply, or name the agencies below.",
    )
    consent_limit_agencies = _text(
        "Which agencies does the consent name? (optional if you selected kinds above)",
        required=False,
        max_length=300,
    )
    consent_limit_information = _textarea(
        "Which information does the consent cover?", required=False
    )
    consent_limit_until = _text(
        "For how long does the consent last?",
        required=False,
        help_text="A date, such as 31 March 2027, or an event, such as until the review meeting.",
    )
    consent_limit_not_shared = _textarea(
        "Did they ask for anything not to be shared?",
        required=False,
        help_text="Say what, or write that they asked for nothing to be held back.",
    )
    consent_absent_reason = _radio("Why do you not have consent?", NO_CONSENT_REASONS)
    consent_notes = _textarea(
        "Explain (optional)",
        required=False,
        help_text="If the person lacks capacity, say how capacity was assessed and why sharing "
        "is in their best interests.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in ("consent_type", "consent_given_by", "consent_absent_reason", "consent_scope"):
            self.fields[key].required = False

    def layout_items(self):
        limits = RevealRadios(
            "consent_scope",
            "Consent with no limits",
            RevealChoice(
                "Consent, with limits",
                Field.checkboxes("consent_limit_agency_kinds"),
                Field.text("consent_limit_agencies"),
                Field.textarea("consent_limit_information"),
                Field.text("consent_limit_until"),
                Field.textarea("consent_limit_not_shared"),
            ),
        )
        return [
            self.question(
                (
                    "Yes",
                    [Field.radios("consent_type"), Field.radios("consent_given_by"), limits],
                ),
                ("No", [Field.radios("consent_absent_reason")]),
            ),
            Field.textarea("consent_notes"),
        ]

    def clean(self):
        data = super().clean()
        if data.get("consent") == "yes":
            self.require("consent_type", "Select what kind of consent you have")
            self.require("consent_given_by", "Select who gave consent")
            self.require("consent_scope", "Select whether the consent has limits")
            self.clear("consent_absent_reason")
            if data.get("consent_scope") == "limits":
                if not (
                    data.get("consent_limit_agency_kinds") or data.get("consent_limit_agencies")
                ):
                    self.add_error(
                        "consent_limit_agency_kinds",
                        "Select the kinds of agency the consent covers, or name the agencies",
                    )
                self.require(
                    "consent_limit_information", "Enter which information the consent covers"
                )
                self.require("consent_limit_until", "Enter how long the consent lasts")
                self.require(
                    "consent_limit_not_shared",
                    "Say whether they asked for anything not to be shared",
                )
            else:
                self.clear(*CONSENT_LIMIT_KEYS)
        elif data.get("consent") == "no":
            self.require("consent_absent_reason", "Select why you do not have consent")
            self.clear("consent_type", "consent_given_by", "consent_scope", *CONSENT_LIMIT_KEYS)
            reason = data.get("consent_absent_reason")
            if reason in ("not_attempted", "lacks_capacity") and not data.get("consent_notes"):
                self.add_error(
                    "consent_notes",
                    "Explain why consent was not sought: not having asked is not a reason "
                    "to share without consent"
                    if reason == "not_attempted"
                    else "Explain how capacity was assessed and why sharing is in their best "
                    "interests",
                )
        return data


def consent_limits_summary(answers: dict) -> dict:
    """The limits of the consent in words, or {} when consent has none (or is not given):
    frozen into the snapshot, and shown beside what the practitioner is about to share."""
    if answers.get("consent") != "yes" or answers.get("consent_scope") != "limits":
        return {}
    kinds = dict(AGENCY_KINDS)
    agencies = [str(kinds.get(k, k)) for k in answers.get("consent_limit_agency_kinds") or []]
    if answers.get("consent_limit_agencies"):
        agencies.append(answers["consent_limit_agencies"])
    return {
        "agencies": "; ".join(agencies),
        "information": answers.get("consent_limit_information", ""),
        "until": answers.get("consent_limit_until", ""),
        "not_shared": answers.get("consent_limit_not_shared", ""),
    }


LEGAL_GROUNDS = [
    (
        "significant_harm_evidence",
        "There is evidence that a child is suffering, or is likely to "
        "suffer, significant harm (or an adult serious harm)",
    ),
    ("reasonable_cause", "There is reasonable cause to believe that is so"),
    (
        "prevent_harm",
        "To prevent significant harm to a child or serious harm to an adult, "
        "including through serious crime",
    ),
    ("vital_interests", "To protect someone's vital interests (life or death)"),
    ("court_order", "A court order requires it"),
    ("legal_duty", "A legal duty or power, such as section 115 of the Crime and Disorder Act 1998"),
]


class OtherReasonForm(StepForm):
    primary = "other_reason"
    other_reason = _radio("", YES_NO)
    legal_grounds = forms.MultipleChoiceField(
        label="What are the grounds? Select all that apply",
        choices=LEGAL_GROUNDS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    legal_detail = _text("Which duty, power or order? (optional)", required=False, max_length=300)
    proportionality = _textarea(
        "What may happen if you share, and what may happen if you do not?",
        help_text="Weigh the risk to the person and others against their right to privacy.",
        error="Explain what may happen if you share and if you do not",
    )

    def layout_items(self):
        return [
            self.question(("Yes", [Field.checkboxes("legal_grounds"), Field.text("legal_detail")])),
            Field.textarea("proportionality"),
        ]

    def clean(self):
        data = super().clean()
        if data.get("other_reason") == "yes":
            self.require("legal_grounds", "Select at least one ground for sharing without consent")
        else:
            self.clear("legal_grounds", "legal_detail")
        return data


MEANS = [
    ("secure_email", "Secure email"),
    ("secure_portal", "A secure portal or shared case system"),
    ("phone", "By phone"),
    ("meeting", "In person or at a meeting"),
    ("post", "Recorded post"),
    ("other", "Another way"),
]


class HowForm(StepForm):
    shared_what = _textarea(
        "What information will you share?",
        help_text="Only what is needed for the purpose. Keep facts apart from opinions.",
        error="Enter what information you will share",
    )
    recipient_organisation = _text(
        "Which organisation will receive it?", error="Enter the organisation that will receive it"
    )
    recipient_role = _text(
        "Who will receive it?",
        help_text="Their role, and name if known.",
        error="Enter who will receive it",
    )
    means = _radio("How will you share it?", MEANS, required="Select how you will share it")
    shared_when = _text(
        "When will you share it, or when did you?",
        help_text="For example, today by phone, then secure email confirming it.",
        error="Enter when you will share it",
    )

    @classmethod
    def initial_from(cls, answers):
        initial = super().initial_from(answers)
        initial.setdefault("recipient_organisation", answers.get("other_agency", ""))
        return initial

    def layout_items(self):
        return [
            Field.textarea("shared_what"),
            Field.text("recipient_organisation"),
            Field.text("recipient_role"),
            Field.radios("means", legend_size=Size.SMALL),
            Field.text("shared_when"),
        ]


CHECKS = [
    ("necessary_only", "I will share only what is necessary for the purpose"),
    ("fact_and_opinion", "I have made clear which parts are facts and which are opinions"),
    ("right_recipient", "I have confirmed the recipient's identity and that they need it"),
    ("secure", "I will send it securely"),
]


class ChecksForm(StepForm):
    checks = forms.MultipleChoiceField(
        label="Confirm each check",
        choices=CHECKS,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Confirm each check before you share"},
    )

    def layout_items(self):
        return [Field.checkboxes("checks", legend_size=Size.MEDIUM)]

    def clean_checks(self):
        value = self.cleaned_data["checks"]
        if set(value) != {key for key, _ in CHECKS}:
            raise forms.ValidationError(
                "Confirm each check. If you cannot, get advice before you share"
            )
        return value


TOLD = [
    ("already", "Yes, they already know"),
    ("will", "Yes, I will tell them"),
    ("no", "No"),
]


class InformingForm(StepForm):
    primary = "told"
    told = _radio("", TOLD)
    told_why_not = _textarea(
        "Why will you not tell them?",
        required=False,
        help_text="For example, telling them would put a child at greater risk.",
    )

    def primary_required_message(self):
        return "Select whether you will tell the person"

    def layout_items(self):
        return [self.question(("No", [Field.textarea("told_why_not")]))]

    def clean(self):
        data = super().clean()
        if data.get("told") == "no":
            self.require("told_why_not", "Explain why you will not tell them")
        else:
            self.clear("told_why_not")
        return data


ARTICLE_6 = [
    ("public_task", "Public task: part of your organisation's official functions"),
    ("legal_obligation", "Legal obligation: the law requires the sharing"),
    ("vital_interests", "Vital interests: to protect someone's life"),
    ("consent", "Consent"),
    ("legitimate_interests", "Legitimate interests (not for public authorities' tasks)"),
]
ARTICLE_9 = [
    (
        "safeguarding",
        "Safeguarding of children and of individuals at risk (DPA 2018 Schedule 1 paragraph 18)",
    ),
    ("vital_interests", "Vital interests of someone unable to consent"),
    ("health_social_care", "Health or social care purposes"),
    ("explicit_consent", "Explicit consent"),
    ("other", "Another condition"),
]


class LawfulBasisForm(StepForm):
    article6 = _radio(
        "Which lawful basis (UK GDPR Article 6) applies?",
        ARTICLE_6,
        required="Select the lawful basis",
    )
    special_category = _radio(
        "Does it include special category information?",
        YES_NO,
        required="Select yes if it includes special category information",
    )
    article9 = _radio("Which condition (Article 9) applies?", ARTICLE_9)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "special_category"
        ].help_text = "For example health, ethnicity, religion, sexual life or orientation."
        self.fields["article9"].required = False

    def layout_items(self):
        return [
            Field.radios("article6", legend_size=Size.MEDIUM),
            RevealRadios(
                "special_category",
                RevealChoice("Yes", Field.radios("article9")),
                "No",
            ),
        ]

    def clean(self):
        data = super().clean()
        if data.get("special_category") == "yes":
            self.require("article9", "Select the condition for special category information")
        else:
            self.clear("article9")
        return data


class AdviceForm(StepForm):
    primary = "advice_sought"
    advice_sought = _radio("", YES_NO)
    advice_from = _text(
        "Who did you ask?",
        required=False,
        help_text="Their role, for example safeguarding lead or Caldicott Guardian.",
    )
    advice_given = _textarea("What did they advise?", required=False)

    def primary_required_message(self):
        return "Select yes if you sought advice"

    def layout_items(self):
        return [self.question(("Yes", [Field.text("advice_from"), Field.textarea("advice_given")]))]

    def clean(self):
        data = super().clean()
        if data.get("advice_sought") == "yes":
            self.require("advice_from", "Enter who you asked for advice")
            self.require("advice_given", "Enter what they advised")
        else:
            self.clear("advice_from", "advice_given")
        return data


class FollowUpForm(StepForm):
    follow_up_actions = _textarea(
        "What actions follow from this decision?",
        help_text="Who will do what, and by when.",
        error="Enter the actions that follow from this decision",
    )
    review_date = RealDateField(
        label="When should this decision be reviewed?",
        help_text="For example, 27 3 2027",
        require_all_fields=False,
    )

    @classmethod
    def initial_from(cls, answers):
        initial = super().initial_from(answers)
        if answers.get("review_date"):
            initial["review_date"] = datetime.date.fromisoformat(answers["review_date"])
        return initial

    def layout_items(self):
        return [
            Field.textarea("follow_up_actions"),
            Field("review_date", context={"legend_size": "govuk-fieldset__legend--s"}),
        ]

    def clean_review_date(self):
        value = self.cleaned_data["review_date"]
        if value and value < timezone.localdate():
            raise forms.ValidationError("The review date must be today or in the future")
        return value


STEP_FORMS: dict[str, type[StepForm]] = {
    "urgent": UrgentForm,
    "act_now": ActNowForm,
    "direction": DirectionForm,
    "about": AboutForm,
    "purpose": PurposeForm,
    "identifiable": IdentifiableForm,
    "confidential": ConfidentialForm,
    "consent": ConsentForm,
    "other_reason": OtherReasonForm,
    "how": HowForm,
    "checks": ChecksForm,
    "informing": InformingForm,
    "lawful_basis": LawfulBasisForm,
    "advice": AdviceForm,
    "follow_up": FollowUpForm,
}


# What each reminder declared in decisions.steps draws on, from the answers saved so far.
REMINDER_CONTEXT = {
    "consent_limits": lambda answers: {"limits": consent_limits_summary(answers)},
}


def describe(step: Step, answers: dict) -> list[tuple[str, str]]:
    """(question, answer in words) for each answered field of a page, as shown on the
    check-answers page and frozen into the record's snapshot."""
    form_class = STEP_FORMS[step.id]
    rows = []
    for key, field in form_class.base_fields.items():
        value = answers.get(key)
        if value in (None, "", []):
            continue
        choices = dict(getattr(field, "choices", []) or [])
        if isinstance(value, list):
            text = "; ".join(str(choices.get(v, v)) for v in value)
        elif key == "review_date":
            text = datetime.date.fromisoformat(value).strftime("%-d %B %Y")
        else:
            text = str(choices.get(value, value))
        label = step.heading if key == form_class.primary else str(field.label)
        rows.append((label, text))
    return rows
