"""Two-factor forms: one question each, GOV.UK style (crispy-forms-gds)."""

from __future__ import annotations

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Submit
from django import forms

from records.mfa_services import is_authenticator_code, normalise_code

CODE_MAX = 64  # far longer than any code: anything longer is refused before it is checked


class _CodeForm(forms.Form):
    submit_label = "Continue"
    label = ""
    hint = ""
    required_message = ""
    format_message = ""
    autocomplete = "one-time-code"
    label_size = "m"
    label_tag = None

    code = forms.CharField(max_length=CODE_MAX)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = self.label
        code.help_text = self.hint
        code.error_messages["required"] = self.required_message
        code.error_messages["max_length"] = self.format_message
        code.widget.attrs.pop("maxlength", None)
        code.widget.attrs.update(
            {"autocomplete": self.autocomplete, "spellcheck": "false", "autocapitalize": "none"}
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's <form> carries the token
        self.helper.layout = Layout(
            Field.text(
                "code", label_size=self.label_size, label_tag=self.label_tag, field_width=10
            ),
            Submit("submit", self.submit_label),
        )


class MFAEnrolForm(_CodeForm):
    label = "What is the 6-digit code your authenticator app shows?"
    hint = "The code changes every 30 seconds. Enter the one shown now."
    required_message = "Enter the 6-digit code from your authenticator app"
    format_message = "Enter the 6 digits your authenticator app shows, like 123456"
    submit_label = "Confirm and continue"

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if not is_authenticator_code(code):
            raise forms.ValidationError(self.format_message)
        return code


class MFAVerifyForm(_CodeForm):
    label_size = "l"
    label_tag = "h1"  # the one question on the page is its heading
    label = "What is the code from your authenticator app?"
    hint = (
        "Enter the 6-digit code your authenticator app shows now. If you do not have your "
        "phone, enter one of your 8-character backup codes instead."
    )
    required_message = "Enter the code from your authenticator app, or a backup code"
    format_message = (
        "Enter a 6-digit code from your authenticator app, or an 8-character backup code"
    )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if not (is_authenticator_code(code) or (len(code) == 8 and code.isalnum())):
            raise forms.ValidationError(self.format_message)
        return code
