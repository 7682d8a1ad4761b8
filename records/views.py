from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from records.models import AuditEvent
from records.selectors import (
    awaiting_action_for_manager,
    drafts_for,
    record_get_for_user,
    records_search,
    submitted_by,
)
from records.services import audit_log
from records.utils import client_ip


@login_required
def home(request):
    user = request.user
    context = {}
    if user.can_decide:
        context["drafts"] = drafts_for(user)[:20]
        context["decisions"] = submitted_by(user)[:20]
    if user.is_manager:
        context["queue"] = awaiting_action_for_manager(user)[:50]
    return render(request, "records/home.html", context)


@login_required
def record_list(request):
    query = request.GET.get("q", "").strip()[:100]
    records = records_search(user=request.user, query=query)
    page = Paginator(records, 25).get_page(request.GET.get("page"))
    return render(request, "records/list.html", {"page": page, "query": query})


@login_required
def record_detail(request, reference: str):
    record = record_get_for_user(user=request.user, reference=reference)
    audit_log(
        event=AuditEvent.Event.VIEWED, actor=request.user, record=record, ip=client_ip(request)
    )
    return render(
        request,
        "records/detail.html",
        {
            "record": record,
            "snapshot": record.snapshot,
        },
    )
