"""``{% url %}`` as Django's, remembering what it reversed when the view name is written in the
template (``{% url 'home' %}``, ``{% url 'guidance:page' 'faq' %}``, ``{% url 'records:detail'
record.reference %}``).

Every page's header and footer reverse some fifteen such names: on the records list that was
a third of the template's time, for URLs that cannot change while the process runs; a record's
page reverses three more with its reference. The remembered URL is keyed by everything
``reverse()`` depends on (the name, each argument's value and type, the script prefix, the URL
configuration and the current application), so it is the one ``reverse()`` gives; at most
4,096 are kept (URLs carry references and codes, never a person's details). A name that does
not reverse raises every time, as Django's tag does. A variable name, keyword arguments and
``as var`` are Django's tag unchanged. A builtin (``TEMPLATES['OPTIONS']['builtins']``), so
every template uses it."""

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
        args = [arg.resolve(context) for arg in self.args]
        key = (
            view_name,
            tuple((type(arg), str(arg)) for arg in args),
            get_script_prefix(),
            get_urlconf() or settings.ROOT_URLCONF,
            current_app,
        )
        url = self._reversed.get(key)
        if url is None:  # as Django's tag: a name that does not reverse raises NoReverseMatch
            url = reverse(view_name, args=args, current_app=current_app)
            if len(self._reversed) >= 4096:
                self._reversed.clear()
            self._reversed[key] = url
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    if node.asvar is None and not node.kwargs and _literal(node.view_name):
        return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
    return node
