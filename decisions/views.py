"""Thin views: fetch what the user may see, bind the page's form, call a service, redirect.

Where to go next is always the plan's answer (``decisions.steps``), never the view's.
"""

import contextlib
import copy
import datetime
import re
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from decisions import wizard
from decisions.forms import STEP_FORMS
from decisions.steps import CHECK, STEPS_BY_ID
from records.models import DecisionRecord
from records.selectors import (
    draft_get_for_author,
    editable_get_for_author,
    latest_return,
    record_get_for_user,
)
from records.services import StaleState, decision_discard, decision_save_step, decision_start
from records.snapshot_markup import consent_limits_html, outcome_html, steps_html
from records.utils import client_ip


def _returned_with(record):
    # Only a returned decision has a manager's comment: a draft's page asks nothing for it.
    return latest_return(record) if record.state == DecisionRecord.State.RETURNED else None


def _page_url(record, step_id: str) -> str:
    if step_id == CHECK:
        return reverse("decisions:check", args=[record.reference])
    return reverse("decisions:step", args=[record.reference, step_id])


# Rendering a page's form through crispy-forms' templates was about two thirds of a question
# page's time (profiled, DEBUG off). An unbound form renders the same HTML for the same choices
# every time: each process renders it once. Saved text and dates are never kept (nothing
# personal stays in memory): the form is rendered with a stand-in for each text and each box of
# a date, and each request puts its own, escaped as the widget's template escapes it, in the
# stand-in's place. Bound forms (errors) always render.
FORM_HTML_LIMIT = 512
_form_html: dict[tuple, str | None] = {}  # None: a form whose values could not be stood in for
_PLAIN_TEXT_WIDGETS = (forms.TextInput, forms.Textarea)
_SOME_TEXT = object()
_STAND_IN = "saved-text-{}-stands-here"
_STAND_INS = re.compile(r"saved-text-(\w+)-stands-here")


@dataclass(frozen=True)
class _Kept:
    key: tuple  # what the HTML is kept under: the form, its page, its choices
    texts: dict[str, str]  # each stand-in's text, as its widget draws it
    stand_ins: dict[str, str | list[str]]  # each field's value to render the stand-ins with


def _kept(form) -> _Kept | None:
    """How the form's HTML is kept; None where it is not."""
    if form.is_bound:
        return None
    values, texts, stand_ins = [], {}, {}
    for name, value in sorted(form.initial.items()):
        field = form.fields.get(name)
        widget = getattr(field, "widget", None)
        if value in ("", None, []) or isinstance(field, forms.ChoiceField):
            values.append((name, tuple(value) if isinstance(value, list) else value))
            continue
        if type(field) is forms.CharField and type(widget) in _PLAIN_TEXT_WIDGETS:
            parts = {name: value} if isinstance(value, str) else None
            stand_ins[name] = _STAND_IN.format(name)
        elif (
            isinstance(widget, forms.MultiWidget)
            and all(type(box) is forms.TextInput for box in widget.widgets)
            and isinstance(value, datetime.date)
        ):  # a date's day, month and year boxes, each drawn as str() of its number
            boxes = widget.decompress(value)
            parts = {f"{name}_{i}": str(box) for i, box in enumerate(boxes) if box is not None}
            if len(parts) != len(widget.widgets):
                parts = None
            stand_ins[name] = [_STAND_IN.format(part) for part in parts or ()]
        else:
            parts = None
        if parts is None:
            return None
        texts.update(parts)
        values.append((name, _SOME_TEXT))  # which value, only this request knows
    return _Kept((type(form), form.step.id, tuple(values)), texts, stand_ins)


def form_html(form) -> str:
    """The form's fields and buttons as crispy-forms renders them."""
    kept = _kept(form)
    if kept is None:
        return _rendered(form)
    if kept.key not in _form_html:
        if len(_form_html) >= FORM_HTML_LIMIT:
            _form_html.clear()
        _form_html[kept.key] = _with_stand_ins(form, kept)
    html = _form_html[kept.key]
    if html is None:
        return _rendered(form)
    # Safe: the HTML is the form's own, and each value goes in escaped.
    filled = _STAND_INS.sub(lambda found: escape(kept.texts[found.group(1)]), html)
    return mark_safe(filled)  # noqa: S308


def _rendered(form) -> str:
    return render_to_string("decisions/_form.html", {"form": form})


def _with_stand_ins(form, kept: _Kept) -> str | None:
    """The form rendered with its stand-ins (on a copy: the page's own form keeps its
    values); None unless each stand-in is drawn exactly once."""
    standing = copy.copy(form)
    standing.initial = {**form.initial, **kept.stand_ins}
    standing._bound_fields_cache = {}
    html = _rendered(standing)
    drawn = [found.group(1) for found in _STAND_INS.finditer(html)]
    if sorted(drawn) != sorted(kept.texts):
        return None
    return html


@login_required
@require_http_methods(["GET", "POST"])
def start(request):
    if not request.user.can_decide:
        raise PermissionDenied("Auditors do not start decisions.")
    if request.method == "POST":
        record = decision_start(author=request.user, ip=client_ip(request))
        return redirect(_page_url(record, wizard.plan_for(record).current))
    return render(request, "decisions/start.html", {"draft_keep_days": settings.DRAFT_KEEP_DAYS})


@login_required
@require_http_methods(["GET", "POST"])
def step(request, reference: str, step_id: str):
    record = editable_get_for_author(user=request.user, reference=reference)
    plan = wizard.plan_for(record)
    if step_id not in STEP_FORMS or not plan.can_visit(step_id):
        return redirect(_page_url(record, plan.current))

    changing = request.GET.get("change") == "1"
    page = STEPS_BY_ID[step_id]
    form = STEP_FORMS[step_id](
        request.POST if request.method == "POST" else None, step=page, answers=record.answers
    )
    leaving = "save_and_exit" in request.POST
    if leaving and not form.has_changed():
        # Nothing new on this page: everything before it is saved already.
        return redirect("home")
    # The case's earlier decisions this page shows (none unless its step says so).
    history = wizard.case_history(page, record, request.user)
    if request.method == "POST" and form.is_valid():
        completed = [s for s in record.completed_steps if s != step_id] + [step_id]
        decision_save_step(
            record=record,
            author=request.user,
            step=step_id,
            values=wizard.with_history_shown(page, record, form.to_answers(), history),
            completed_steps=completed,
            ip=client_ip(request),
        )
        if leaving:
            messages.success(
                request,
                f"Your answers are saved. Continue {reference} from your drafts when you "
                "are ready.",
            )
            return redirect("home")
        target = wizard.plan_for(record).after(step_id, changing=changing)
        # While changing an answer, every page on the way back to the check page is a change.
        suffix = "?change=1" if changing and target != CHECK else ""
        return redirect(_page_url(record, target) + suffix)

    previous = plan.previous(step_id)
    if changing:
        back_url = _page_url(record, CHECK)
    else:
        back_url = _page_url(record, previous) if previous else reverse("home")
    return render(
        request,
        "decisions/step.html",
        {
            "record": record,
            "step": page,
            "form": form,
            "form_html": form_html(form),
            "back_url": back_url,
            "changing": changing,
            "urgent": plan.urgent,
            "returned_with": _returned_with(record),
            "case_history": history,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def check(request, reference: str):
    record = record_get_for_user(user=request.user, reference=reference)
    if not record.is_editable or record.author_id != request.user.pk:
        return redirect("records:detail", reference=record.reference)
    plan = wizard.plan_for(record)
    if not plan.complete:
        return redirect(_page_url(record, plan.current))
    if request.method == "POST":
        # Submitted already (a double click, another tab): show where it stands.
        with contextlib.suppress(StaleState):
            wizard.submit(record=record, author=request.user, ip=client_ip(request))
        return redirect("decisions:confirmation", reference=record.reference)

    answers = wizard.answers_on_path(plan, record.answers)
    snapshot = wizard.build_snapshot(plan, answers)
    return render(
        request,
        "decisions/check.html",
        {
            "record": record,
            "outcome_markup": outcome_html(snapshot.get("outcome"), snapshot.get("warnings")),
            "consent_limits_markup": consent_limits_html(snapshot.get("consent_limits")),
            "snapshot_steps": steps_html(snapshot, change_reference=record.reference),
            "back_url": _page_url(record, plan.steps[-1]),
            "urgent": plan.urgent,
            "returned_with": _returned_with(record),
        },
    )


@login_required
def confirmation(request, reference: str):
    record = record_get_for_user(user=request.user, reference=reference)
    if record.is_editable:
        return redirect("decisions:check", reference=record.reference)
    return render(
        request,
        "decisions/confirmation.html",
        {
            "record": record,
            "outcome": record.snapshot["outcome"],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def discard(request, reference: str):
    record = draft_get_for_author(user=request.user, reference=reference)
    if request.method == "POST":
        decision_discard(record=record, author=request.user, ip=client_ip(request))
        messages.success(request, f"Draft {reference} deleted.")
        return redirect("home")
    return render(
        request,
        "decisions/discard.html",
        {
            "record": record,
            "back_url": _page_url(record, wizard.plan_for(record).current),
        },
    )
