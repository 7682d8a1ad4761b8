"""Pages of a disagreement between agencies (section 14), under /records/<ref>/disagreements/.

Thin, as every view: the record is one the user may see (404 otherwise), who may record is
the selectors' and services' to say (403 for auditors and anyone else), then a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from records import selectors
from records.disagreement_forms import (
    DisagreementForm,
    DisagreementResolveForm,
    DisagreementStepForm,
)
from records.services import (
    StaleState,
    disagreement_add_step,
    disagreement_raise,
    disagreement_resolve,
)
from records.utils import client_ip


def _record_for(request, reference: str):
    record = selectors.record_get_for_user(user=request.user, reference=reference)
    if record.is_draft:
        # Only its author sees a draft; there is nothing to disagree about yet.
        raise PermissionDenied("A draft has no disagreements: submit it first.")
    if not selectors.may_record_disagreement(user=request.user, record=record):
        raise PermissionDenied(
            "Only the author or a manager of the team may record a disagreement."
        )
    return record


def _thread_url(reference: str, disagreement=None) -> str:
    anchor = f"#disagreement-{disagreement.pk}" if disagreement else "#disagreements"
    return reverse("records:detail", args=[reference]) + anchor


def _page(request, record, form, *, heading, intro, disagreement=None):
    return render(
        request,
        "records/disagreement_form.html",
        {
            "record": record,
            "form": form,
            "heading": heading,
            "intro": intro,
            "disagreement": disagreement,
            "record_url": _thread_url(record.reference, disagreement),
        },
    )


def _act(request, form, record, disagreement, action, done: str):
    """Call the service; its errors go back on the form, a race to the record page."""
    try:
        result = action()
    except ValidationError as error:
        form.add_error(None, error)
        return None
    except StaleState as stale:
        messages.error(request, str(stale))
        return redirect(_thread_url(record.reference, disagreement))
    messages.success(request, done)
    return redirect(_thread_url(record.reference, disagreement or result))


@login_required
@require_http_methods(["GET", "POST"])
def raise_disagreement(request, reference: str):
    record = _record_for(request, reference)
    form = DisagreementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        response = _act(
            request,
            form,
            record,
            None,
            lambda: disagreement_raise(
                record=record, user=request.user, ip=client_ip(request), **form.cleaned_data
            ),
            f"{reference}: disagreement recorded.",
        )
        if response is not None:
            return response
    return _page(
        request,
        record,
        form,
        heading="Record a disagreement",
        intro="Another agency disputes this decision, or you dispute their refusal to share. "
        "Record who disagrees and why; then record each step taken to settle it, and the "
        "outcome (section 14 of the guidance).",
    )


def _on_open_disagreement(request, reference, pk, *, form_class, service, done, heading, intro):
    """A page that acts on an open disagreement: a step taken, or how it was resolved."""
    record = _record_for(request, reference)
    disagreement = selectors.disagreement_get(record=record, pk=pk)
    if not disagreement.is_open:
        messages.error(request, "This disagreement has been resolved already: it is closed.")
        return redirect(_thread_url(reference, disagreement))
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        response = _act(
            request,
            form,
            record,
            disagreement,
            lambda: service(
                disagreement=disagreement,
                user=request.user,
                ip=client_ip(request),
                **form.cleaned_data,
            ),
            done.format(reference=reference),
        )
        if response is not None:
            return response
    return _page(request, record, form, heading=heading, intro=intro, disagreement=disagreement)


@login_required
@require_http_methods(["GET", "POST"])
def add_step(request, reference: str, pk: int):
    return _on_open_disagreement(
        request,
        reference,
        pk,
        form_class=DisagreementStepForm,
        service=disagreement_add_step,
        done="{reference}: step recorded.",
        heading="Record a step taken",
        intro="First go back over the flowchart together and talk about whether less "
        "information would meet the need. If you still disagree, ask your agency's nominated "
        "senior person for advice, then escalate under the partnership's escalation policy "
        "(section 14 of the guidance).",
    )


@login_required
@require_http_methods(["GET", "POST"])
def resolve(request, reference: str, pk: int):
    return _on_open_disagreement(
        request,
        reference,
        pk,
        form_class=DisagreementResolveForm,
        service=disagreement_resolve,
        done="{reference}: disagreement resolved and closed.",
        heading="Record how the disagreement was resolved",
        intro="Once recorded, the disagreement is closed. Its steps and outcome stay on the "
        "record.",
    )
