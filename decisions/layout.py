"""Layout pieces the GDS template pack lacks."""

from crispy_forms.utils import TEMPLATE_PACK
from crispy_forms_gds.layout import ConditionalRadios
from django.template.loader import render_to_string


class QuestionRadios(ConditionalRadios):
    """Radios whose legend is the page's <h1>, with optional conditional reveals.

    The heading context is pushed only around this field's own template, so radios
    revealed inside it keep their normal legends.
    """

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        bound_field = form[self.field]
        choices = self.render_choices(bound_field, form, context, template_pack, **kwargs)
        with context.push(
            field=bound_field,
            choices=choices,
            legend_size="govuk-fieldset__legend--l",
            legend_tag="h1",
        ):
            return render_to_string(self.get_template_name(template_pack), context.flatten())
