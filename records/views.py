from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from records import record_markup, selectors, snapshot_markup, tables, workdays
from records.audit_filters import AuditEventFilter
from records.audit_table import events_html, trail_html, viewers_html
from records.filters import records_page
from records.forms import AddendumForm, ConfirmSharingForm, LegalHoldForm, ManagerDecisionForm
from records.models import AuditEvent, DecisionRecord, ManagerDecision
from records.search import parse_cursor
from records.selectors import (
    approval_get_for_manager,
    record_get_for_user,
)
from records.services import (
    OwnDecision,
    StaleState,
    addendum_add,
    audit_log,
    decision_act,
    decision_confirm_sharing,
    decision_reconsider,
    legal_hold_lift,
    legal_hold_set,
    record_open,
)
from records.utils import client_ip

QUEUE_PAGE_SIZE = 50


@login_required
def home(request):
    user = request.user
    context = {}
    if user.can_decide:
        for_you, drafts, decisions = selectors.home_lists(user, size=20)
        context["for_you"] = tables.list_rows(for_you)
        context["drafts"] = tables.list_rows(drafts, drafts=True)
        context["decisions"] = tables.list_rows(decisions)
    if user.is_manager:
        queue, context["queue_count"], context["overdue_count"] = selectors.queue_head(
            user, size=QUEUE_PAGE_SIZE
        )
        context["queue"] = _with_ages(queue)
    return render(request, "records/home.html", context)


def _with_ages(records):
    """The queue's rows, each with its age in working days (records.tables.queue_rows)."""
    return tables.queue_rows(records)


LIST_PAGE_SIZE = 25


@login_required
def record_list(request):
    """Search and filter what the user may see, a keyset page at a time (never counted)."""
    cursor = request.GET.get("cursor", "")
    filters, page = records_page(
        user=request.user, params=request.GET, cursor=cursor, size=LIST_PAGE_SIZE
    )
    show_author = not (request.user.can_decide and not request.user.is_manager)
    rows = tables.list_rows(page.object_list, show_author=show_author)
    query = request.GET.copy()  # the filters, without the cursor, for the pages' links
    query.pop("cursor", None)
    return render(
        request,
        "records/list.html",
        {
            "form": filters.form,
            "filter_fields": filters.fields_html(),
            "page": page,
            "rows": rows,
            "sort": filters.order,
            "filtered": filters.is_filtered,
            "query": query.urlencode(),
            "cursor_unknown": bool(cursor) and parse_cursor(cursor) is None,
            "show_author": show_author,
        },
    )


def _record_context(record, user) -> dict:
    """What every page that shows a submitted decision draws on."""
    # Rounds, decisions and the sharing read once, for the timeline, rounds and concerns.
    history = selectors.history_of(record)
    selectors.earlier_snapshots(record, history.submissions)
    rounds = selectors.rounds_for(record, history)
    return {
        "record": record,
        "decision_markup": record_markup.decision_html(
            record,
            snapshot_path=snapshot_markup.path_html(record.snapshot),
            snapshot_steps=snapshot_markup.steps_html(record.snapshot),
            reconsiderations=selectors.reconsideration_references(record, user),
            # The case's earlier decisions its author was shown: those this viewer may open.
            earlier_shown=selectors.references_visible_to(
                user, (record.snapshot or {}).get("earlier_decisions_shown")
            ),
            confirmation=history.confirmation,
            concerns=[d for d in history.decisions if d.kind == ManagerDecision.Kind.CONCERN],
        ),
        "timeline_markup": record_markup.timeline_html(selectors.record_timeline(record, history)),
        # Each round with its pages; the last is the decision above, its pages not drawn twice.
        "rounds": [
            (
                submission,
                decisions,
                ""
                if number == len(rounds) - 1
                else snapshot_markup.steps_html(
                    submission.snapshot, id_prefix=submission.anchor_prefix
                ),
            )
            for number, (submission, decisions) in enumerate(rounds)
        ],
    }


@login_required
def record_detail(request, reference: str):
    record = record_open(user=request.user, reference=reference, ip=client_ip(request))
    context = _record_context(record, request.user)
    context["returned_with"] = selectors.latest_return(record) if record.is_editable else None
    if record.is_draft:
        context["kept_until"] = selectors.draft_kept_until(record.updated_at)
    context["may_act"] = (
        record.awaits_manager
        and selectors.may_act_on(user=request.user, record=record)
        and record.author_id != request.user.pk
    )
    context.update(_trail_context(record, request.user))
    return render(request, "records/detail.html", context)


@login_required
def approval_queue_view(request):
    if not request.user.is_manager:
        raise PermissionDenied("Only managers approve and review decisions.")
    # A page of the queue with its counts in one query (selectors.queue_head), numbered as
    # Paginator.get_page numbers it: not a number, page 1; out of range, the last page.
    asked = request.GET.get("page")
    number = _page_number(asked)
    rows, count, overdue = _queue_page(request.user, number)
    if not rows and number > 1:  # past the end: no rows, so no counts either
        _, count, overdue = _queue_page(request.user, 1)
    paginator = Paginator(range(count), QUEUE_PAGE_SIZE)
    page = paginator.get_page(asked)
    if page.number != number:
        rows, count, overdue = _queue_page(request.user, page.number)
    page.object_list = _with_ages(rows)
    return render(request, "records/approvals.html", {"page": page, "overdue_count": overdue})


def _page_number(asked) -> int:
    try:
        return max(1, int(asked or 1))
    except (TypeError, ValueError):
        return 1


def _queue_page(user, number: int):
    return selectors.queue_head(user, size=QUEUE_PAGE_SIZE, offset=(number - 1) * QUEUE_PAGE_SIZE)


@login_required
@require_http_methods(["GET", "POST"])
def approval_detail(request, reference: str):
    if not request.user.is_manager:
        own = DecisionRecord.objects.filter(
            reference=selectors.reference_or_404(reference), author=request.user
        )
        if own.exists():
            raise OwnDecision(
                "You made this decision, so you cannot approve or review it. A manager of your "
                "team will; their decision will show on the record's page."
            )
        raise PermissionDenied("Only managers approve and review decisions.")
    record = approval_get_for_manager(user=request.user, reference=reference)
    if record.author_id == request.user.pk:
        raise OwnDecision(
            "You made this decision, so you cannot approve or review it. Another manager of "
            "your team (or, where there is none, of your organisation) will."
        )
    context = _record_context(record, request.user)
    form = None
    if record.awaits_manager:
        form = ManagerDecisionForm(
            request.POST if request.method == "POST" else None,
            record=record,
            shown_round=len(context["rounds"]),
        )
    if request.method == "POST":
        if form is None:
            messages.error(request, selectors.no_longer_awaiting_message(record))
            return redirect("approvals:detail", reference=reference)
        if form.is_valid():
            try:
                decision = decision_act(
                    record=record,
                    manager=request.user,
                    kind=form.cleaned_data["kind"],
                    comment=form.cleaned_data["comment"],
                    ip=client_ip(request),
                    expected_round=form.cleaned_data["round"],
                )
            except StaleState as stale:
                messages.error(request, str(stale))
                return redirect("approvals:detail", reference=reference)
            messages.success(
                request,
                f"{reference}: {decision.get_kind_display().lower()}. The practitioner "
                "has been told.",
            )
            return redirect("approvals:queue")
    else:
        audit_log(
            event=AuditEvent.Event.VIEWED,
            actor=request.user,
            record=record,
            ip=client_ip(request),
            details={"page": "approval"},
        )
    context["form"] = form
    context["no_longer_awaiting"] = (
        None if form is not None else selectors.no_longer_awaiting_message(record)
    )
    return render(request, "records/approval.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def confirm_sharing(request, reference: str):
    record = record_get_for_user(user=request.user, reference=reference)
    if record.author_id != request.user.pk:
        raise PermissionDenied("Only the practitioner who made the decision confirms the sharing.")
    if record.state != record.State.APPROVED:
        messages.error(request, f"{reference} is not awaiting confirmation of sharing.")
        return redirect("records:detail", reference=reference)
    sharing = record.snapshot.get("sharing", {})
    form = ConfirmSharingForm(
        request.POST if request.method == "POST" else None,
        record=record,
        initial={
            "shared_on": workdays.today(),
            "means": sharing.get("means", ""),
            "recipient": sharing.get("recipient", ""),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            decision_confirm_sharing(
                record=record, author=request.user, ip=client_ip(request), **form.cleaned_data
            )
        except StaleState as stale:
            messages.error(request, str(stale))
            return redirect("records:detail", reference=reference)
        messages.success(request, f"{reference}: sharing confirmed. The record is complete.")
        return redirect("records:detail", reference=reference)
    return render(
        request,
        "records/confirm_sharing.html",
        {"record": record, "form": form, "record_url": reverse("records:detail", args=[reference])},
    )


@login_required
@require_POST
def reconsider(request, reference: str):
    record = record_get_for_user(user=request.user, reference=reference)
    try:
        new = decision_reconsider(record=record, user=request.user, ip=client_ip(request))
    except StaleState as stale:
        messages.error(request, str(stale))
        return redirect("records:detail", reference=reference)
    messages.success(
        request,
        f"{new.reference} reconsiders {reference}. Its answers are filled in from the earlier "
        "decision: check each page.",
    )
    return redirect("decisions:check", reference=new.reference)


# --- Addenda, legal hold and the audit trail --------------------------------------------------


def _trail_context(record, user) -> dict:
    """The record page's addenda, its own trail and who viewed it, retention: two or three
    queries, whatever the size of the audit table."""
    if record.is_draft:
        return {}
    trail = selectors.audit_events_for(record, user=user)
    viewers = selectors.viewers_of(record) if trail.full else None
    return {
        # Read only when there are some (``record_for_page`` says so in its one query).
        "addenda": selectors.addenda_for(record) if record.has_addenda else [],
        "may_add_addendum": selectors.may_add_addendum(user=user, record=record),
        "disagreements": selectors.disagreements_for(record) if record.has_disagreements else [],
        "may_disagree": selectors.may_record_disagreement(user=user, record=record),
        "trail": trail,
        "trail_rows": trail_html(trail.events),
        "viewers": viewers,
        "viewer_rows": viewers_html(viewers or []),
        "legal_hold_form": LegalHoldForm(record=record) if user.is_auditor else None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def add_addendum(request, reference: str):
    record = record_get_for_user(user=request.user, reference=reference)
    if request.user.is_auditor:
        raise PermissionDenied("Auditors read records; they do not add to them.")
    if record.is_draft:
        messages.error(request, f"{reference} is a draft: change its answers instead.")
        return redirect("records:detail", reference=reference)
    if not selectors.may_add_addendum(user=request.user, record=record):
        raise PermissionDenied("Only the author or a manager of the team may add an addendum.")
    form = AddendumForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            addendum_add(
                record=record, author=request.user, ip=client_ip(request), **form.cleaned_data
            )
        except StaleState as stale:
            messages.error(request, str(stale))
            return redirect("records:detail", reference=reference)
        messages.success(request, f"{reference}: addendum added.")
        return redirect(reverse("records:detail", args=[reference]) + "#addenda")
    return render(
        request,
        "records/addendum.html",
        {"record": record, "form": form, "record_url": reverse("records:detail", args=[reference])},
    )


@login_required
@require_http_methods(["GET", "POST"])
def legal_hold(request, reference: str):
    record = record_get_for_user(user=request.user, reference=reference)
    if not request.user.is_auditor:
        raise PermissionDenied("Only auditors set or lift a legal hold.")
    if record.is_draft:
        raise Http404("No such record.")
    form = LegalHoldForm(request.POST if request.method == "POST" else None, record=record)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["action"] != ("lift" if record.legal_hold else "set"):
            messages.error(
                request,
                f"{reference} is {'now' if record.legal_hold else 'no longer'} on legal hold: "
                "another auditor changed it. Nothing was changed.",
            )
            return redirect(reverse("records:detail", args=[reference]) + "#retention")
        change = legal_hold_lift if record.legal_hold else legal_hold_set
        try:
            change(
                record=record,
                auditor=request.user,
                reason=form.cleaned_data["reason"],
                ip=client_ip(request),
            )
        except StaleState as stale:
            messages.error(request, str(stale))
        else:
            messages.success(
                request,
                f"{reference} is on legal hold."
                if record.legal_hold
                else f"{reference}: the legal hold is lifted.",
            )
        return redirect(reverse("records:detail", args=[reference]) + "#retention")
    return render(
        request,
        "records/legal_hold.html",
        {"record": record, "form": form, "record_url": reverse("records:detail", args=[reference])},
    )


@login_required
def audit_log_view(request):
    if not request.user.is_auditor:
        raise PermissionDenied("Only auditors read the audit log.")
    filters = AuditEventFilter(request.GET or None, queryset=AuditEvent.objects.all())
    page = selectors.audit_page(
        filters.conditions(),
        before=request.GET.get("before", ""),
        after=request.GET.get("after", ""),
    )
    # The filters, without the cursors, for the pages' links.
    query = request.GET.copy()
    for cursor in ("before", "after"):
        query.pop(cursor, None)
    return render(
        request,
        "records/audit.html",
        {
            "filters": filters,
            "page": page,
            "rows": events_html(page.events),
            "query": query.urlencode(),
        },
    )
