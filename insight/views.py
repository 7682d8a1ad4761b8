"""The dashboard, each chart's SVG and CSV, and the board report PDF.

Managers see their teams' figures, auditors everyone's; anyone else gets 403. The page view
is a "viewed" audit event and each download an "exported" one, with the period and filters
and no record. A chart's SVG is part of the page (its ``<img>``), shows only what the table
beneath it shows, and is not audited on its own.
"""

from __future__ import annotations

import base64
import csv
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from exports.csv import neutralise
from exports.pdf import render_pdf
from insight import charts, html
from insight.figures import Dashboard, may_see_insight
from insight.forms import InsightForm
from insight.suppression import fewer_than, threshold
from records.models import AuditEvent
from records.services import audit_log
from records.utils import client_ip

SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


def _allowed(request) -> None:
    if not may_see_insight(request.user):
        raise PermissionDenied("Management information is for managers and auditors.")


def _dashboard(request) -> tuple[InsightForm, Dashboard | None]:
    """The form (bound: blank fields take the default period) and the figures it asks for,
    or None when the form has errors."""
    form = InsightForm(request.GET, user=request.user)
    if not form.is_valid():
        return form, None
    return form, Dashboard(request.user, form.filters(), teams=list(form.teams.values()))


def _details(dashboard: Dashboard, **more) -> dict:
    return {"page": "insight", **dashboard.filters.describe(), **more}


def _download(response, filename: str):
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def dashboard(request):
    _allowed(request)
    form, figures = _dashboard(request)
    tables = figures.charts() if figures else []
    if figures:
        audit_log(
            event=AuditEvent.Event.VIEWED,
            actor=request.user,
            ip=client_ip(request),
            details=_details(figures),
        )
    query = request.GET.urlencode()
    return render(
        request,
        "insight/dashboard.html",
        {
            "form": form,
            "figures": figures,
            "tables": tables,
            "fields_html": html.filter_fields(form, figures),
            "contents_html": html.contents(tables),
            "sections_html": html.sections(tables, query),
            "query": query,
            "threshold": threshold(),
            "fewer_than": fewer_than(),
        },
        status=200 if figures else 400,
    )


def _table_or_404(figures: Dashboard | None, name: str):
    if figures is None or name not in Dashboard.CHARTS:
        raise Http404("No such chart.")
    return figures.chart(name)


@login_required
@require_GET
def chart_svg(request, name: str):
    _allowed(request)
    _, figures = _dashboard(request)
    table = _table_or_404(figures, name)
    response = HttpResponse(charts.render_svg(table), content_type="image/svg+xml")
    response["Content-Security-Policy"] = SVG_POLICY
    response["Cache-Control"] = "private, no-store"
    return response


def csv_text(table) -> str:
    """The table as CSV (a BOM first, cells a spreadsheet would run neutralised)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([neutralise(header) for header in table.headers])
    for row in table.rows:
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()


@login_required
@require_GET
def chart_csv(request, name: str):
    _allowed(request)
    _, figures = _dashboard(request)
    table = _table_or_404(figures, name)
    audit_log(
        event=AuditEvent.Event.EXPORTED,
        actor=request.user,
        ip=client_ip(request),
        details=_details(figures, format="insight_csv", chart=name),
    )
    response = HttpResponse(csv_text(table), content_type="text/csv; charset=utf-8")
    return _download(response, f"insight-{name}-{figures.filters.start}-{figures.filters.end}.csv")


def report_html(figures: Dashboard, *, user) -> str:
    tables = figures.charts()
    for table in tables:
        svg = charts.render_svg(table).encode()
        table.data_uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
    return render_to_string(
        "insight/report_pdf.html",
        {
            "figures": figures,
            "filters": figures.filters.describe(),
            "tables": tables,
            "produced_at": timezone.localtime(),
            "produced_by": user.display_name,
            "threshold": threshold(),
            "fewer_than": fewer_than(),
        },
    )


@login_required
@require_GET
def report_pdf(request):
    _allowed(request)
    _, figures = _dashboard(request)
    if figures is None:
        raise Http404("Choose a valid period first.")
    pdf = render_pdf(report_html(figures, user=request.user))
    audit_log(
        event=AuditEvent.Event.EXPORTED,
        actor=request.user,
        ip=client_ip(request),
        details=_details(figures, format="insight_pdf"),
    )
    filename = f"board-report-{figures.filters.start}-{figures.filters.end}.pdf"
    return _download(HttpResponse(pdf, content_type="application/pdf"), filename)
