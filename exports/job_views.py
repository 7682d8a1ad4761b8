"""Bulk exports' pages: start one from the current search, watch it, download its ZIP.

Auditors start them; a job's page, status and file are for its requester and any auditor
(anyone else: 403). The ZIP is served from storage through here, never from a public URL.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseBadRequest, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from exports.jobs import export_job_fail_stalled, export_job_start, may_see_job
from exports.models import STALLED_AFTER, ExportJob
from records.models import AuditEvent
from records.services import audit_log
from records.utils import client_ip

JOBS_SHOWN = 50
# Far longer than any search the list's form can make (each of its fields is capped).
QUERY_MAX_LENGTH = 4000


def _job_for(request, pk: int) -> ExportJob:
    job = get_object_or_404(ExportJob.objects.select_related("requested_by"), pk=pk)
    if not may_see_job(user=request.user, job=job):
        raise PermissionDenied("Only the auditor who asked for this export, or another auditor.")
    return export_job_fail_stalled(job=job)  # a worker that died mid-export: failed, said so


@require_POST
@login_required
def bulk_start(request):
    if not request.user.is_auditor:
        raise PermissionDenied("Only auditors export records in bulk.")
    query = request.POST.get("query", "")
    if len(query) > QUERY_MAX_LENGTH:
        return HttpResponseBadRequest("That search is too long to export.")
    job = export_job_start(user=request.user, query=query, ip=client_ip(request))
    return redirect("exports:job", pk=job.pk)


@require_GET
@login_required
def job_list(request):
    if not request.user.is_auditor:
        raise PermissionDenied("Only auditors export records in bulk.")
    jobs = [
        export_job_fail_stalled(job=job)
        for job in ExportJob.objects.select_related("requested_by")[:JOBS_SHOWN]
    ]
    return render(request, "exports/job_list.html", {"jobs": jobs})


@require_GET
@login_required
def job_detail(request, pk: int):
    job = _job_for(request, pk)
    return render(
        request,
        "exports/job.html",
        {
            "job": job,
            "search": _search_terms(job),
            "stalled_minutes": int(STALLED_AFTER.total_seconds() // 60),
        },
    )


@require_GET
@never_cache
@login_required
def job_status(request, pk: int):
    """The job's progress as JSON, for the page's progress bar (polled every second)."""
    job = _job_for(request, pk)
    return JsonResponse(
        {
            "id": job.pk,
            "status": job.status,
            "status_label": job.get_status_display(),
            "tag_class": job.status_tag_class,
            "text": render_to_string("exports/_job_progress_text.html", {"job": job}).strip(),
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "finished": job.is_finished,
            "stalled": job.is_stalled,
            "error": job.error if job.status == ExportJob.Status.FAILED else "",
            "download_url": reverse("exports:job_download", args=[job.pk])
            if job.status == ExportJob.Status.DONE and job.file
            else "",
        }
    )


@require_GET
@login_required
def job_download(request, pk: int):
    job = _job_for(request, pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404("This export has no file to download.")
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404("This export's file is no longer stored.") from None
    audit_log(
        event=AuditEvent.Event.EXPORTED,
        actor=request.user,
        ip=client_ip(request),
        details={"format": "zip", "job": job.pk, "count": job.done, "stage": "downloaded"},
    )
    response = FileResponse(
        handle, as_attachment=True, filename=job.download_name, content_type="application/zip"
    )
    response["Cache-Control"] = "no-store"
    return response


def _search_terms(job: ExportJob) -> list[tuple[str, str]]:
    """The stored search as (name, value) pairs, for people to read."""
    return [(key, value) for key, values in QueryDict(job.query).lists() for value in values]
