"""``{% url %}`` as Django's, remembering what it reversed when the view name and arguments
are written in the template (``{% url 'home' %}``, ``{% url 'guidance:page' 'faq' %}``).

Every page's header and footer reverse some fifteen such names: on the records list that was
a third of the template's time, for URLs that cannot change while the process runs. The
remembered URL is keyed by everything ``reverse()`` depends on (the names, the script prefix,
the URL configuration and the current application), so it is the one ``reverse()`` gives.
Anything else (a variable, ``as var``) is Django's tag unchanged. A builtin
(``TEMPLATES['OPTIONS']['builtins']``), so every template uses it."""

from __future__ import annotations

from django.conf import settings
from django.template import Library
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = Library()


def _literal(expression) -> bool:
    """A quoted string in the template, with no filter: the same at every render."""
    # Django's FilterExpression keeps a quoted string as the string (a Variable otherwise).
    return not expression.filters and isinstance(expression.var, str)


class RememberedURLNode(URLNode):
    _reversed: dict[tuple, str] = {}

    def render(self, context):
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        view_name = str(self.view_name.var)
        args = [str(arg.var) for arg in self.args]
        key = (
            view_name,
            tuple(args),
            get_script_prefix(),
            get_urlconf() or settings.ROOT_URLCONF,
            current_app,
        )
        url = self._reversed.get(key)
        if url is None:  # as Django's tag: a name that does not reverse raises NoReverseMatch
            url = reverse(view_name, args=args, current_app=current_app)
            self._reversed[key] = url
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    if (
        node.asvar is None
        and not node.kwargs
        and _literal(node.view_name)
        and all(_literal(arg) for arg in node.args)
    ):
        return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
    return node
