"""Layout pieces the GDS template pack lacks."""

from crispy_forms.utils import TEMPLATE_PACK, render_field
from crispy_forms_gds.layout import ConditionalQuestion, ConditionalRadios
from django.template.loader import render_to_string
from django.utils.html import format_html_join


class RevealChoice(ConditionalQuestion):
    """One radio choice, with the fields it reveals when chosen.

    Numbered from 1 like the pack's plain radios (its own conditional choices count from 0),
    so the error summary's links always land on the first radio.
    """

    def render(self, bound_field, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        choices = list(bound_field.field.choices)
        index = [label for _, label in choices].index(self.value)
        # Each part is a template's (escaped, safe) output; joined, it stays safe.
        revealed = format_html_join(
            "",
            "{}",
            (
                (render_field(field, form, context, template_pack=template_pack, **kwargs),)
                for field in self.fields
            ),
        )
        with context.push(
            choice=choices[index],
            field=bound_field,
            position=index + 1,
            conditional_content=revealed,
        ):
            return render_to_string(self.get_template_name(template_pack), context.flatten())


class RevealRadios(ConditionalRadios):
    """Radios where some choices reveal more fields (GOV.UK conditional reveal)."""

    legend = {}

    def render_choices(self, bound_field, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        return "".join(
            (c if isinstance(c, ConditionalQuestion) else RevealChoice(c)).render(
                bound_field, form, context, template_pack, **kwargs
            )
            for c in self.choices
        )

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        bound_field = form[self.field]
        choices = self.render_choices(bound_field, form, context, template_pack, **kwargs)
        # Pushed only around this field's own template: revealed fields keep their legends.
        with context.push(field=bound_field, choices=choices, **self.legend):
            return render_to_string(self.get_template_name(template_pack), context.flatten())


class QuestionRadios(RevealRadios):
    """The page's question: radios whose legend is the page's <h1>."""

    legend = {"legend_size": "govuk-fieldset__legend--l", "legend_tag": "h1"}
