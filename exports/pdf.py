"""One record as a PDF: a print template rendered by WeasyPrint from the record's snapshot.

``record_pdf(record)`` is the one entry point (the download view and the bulk exports both
call it); it reads the record, renders ``exports/record_pdf.html`` and returns the PDF's
bytes. It writes no audit event: whoever hands the PDF to someone logs that.

The renderer fetches nothing: every document is rendered against the made-up origin of
``exports.fetcher`` with its ``AppStaticFetcher``, which serves ``data:`` URLs and the app's
own static files only. The template escapes every answer, so hostile text stays text.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from decisions.flowchart import FLOWCHART_VERSION
from exports.fetcher import AppStaticFetcher
from guidance.diagram import build_diagram, layout, path_marks
from records import selectors
from records.fingerprint import record_fingerprint
from records.models import AuditEvent, DecisionRecord

TEMPLATE = "exports/record_pdf.html"
RECENT_EVENTS = 20
OWN_SECTIONS = {"lawful_basis", "how", "informing"}
# Tagged (structure for screen readers), PDF/UA-1, with the fonts the machine has.
PDF_OPTIONS = {"pdf_tags": True, "pdf_variant": "pdf/ua-1"}


def record_pdf(record: DecisionRecord) -> bytes:
    """The record as a tagged A4 PDF."""
    return render_pdf(record_html(record))


def record_html(record: DecisionRecord) -> str:
    return render_to_string(TEMPLATE, record_context(record))


_fonts = threading.local()


def _font_config() -> FontConfiguration:
    """One font configuration per thread, reused: a new one per PDF keeps growing the
    process (about 0.25 MB a render), which a worker building 1,000 PDFs cannot afford."""
    if not hasattr(_fonts, "config"):
        _fonts.config = FontConfiguration()
    return _fonts.config


def render_pdf(html: str) -> bytes:
    """WeasyPrint with the fetcher that fetches nothing from outside the app."""
    fetcher = AppStaticFetcher()
    document = HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher)
    return document.write_pdf(font_config=_font_config(), **PDF_OPTIONS)


# --- The fingerprint ---------------------------------------------------------------------

FINGERPRINT_FIELDS = (
    "reference",
    "snapshot",
    "answers",
    "outcome",
    "path",
    "flowchart_version",
    "submitted_at",
)


# --- What the template draws on --------------------------------------------------------


@lru_cache(maxsize=1)
def _diagram_and_layout():
    """The flowchart as the engine defines it today (pure, so built once per process)."""
    diagram = build_diagram()
    return diagram, layout(diagram)


def flowchart_for(record: DecisionRecord) -> dict | None:
    """The diagram with this record's path marked, or None when it was decided under other
    rules (today's diagram would show a route the practitioner never saw)."""
    if record.flowchart_version != FLOWCHART_VERSION:
        return None
    diagram, drawn = _diagram_and_layout()
    marks = path_marks(diagram, record.path, record.outcome, record.answers)
    return {
        "width": drawn.width,
        "height": drawn.height,
        "boxes": [{"box": box, "on_path": marks.has_box(box)} for box in drawn.boxes],
        "arrows": [{"arrow": arrow, "on_path": marks.has_arrow(arrow)} for arrow in drawn.arrows],
        "path_text": [
            diagram.node(node_id).text
            for node_id in [*record.path, record.outcome]
            if node_id in marks.nodes
        ],
    }


def _steps_by_id(snapshot: dict) -> dict[str, dict]:
    return {step.get("id"): step for step in snapshot.get("steps", [])}


def audit_summary(record: DecisionRecord) -> dict:
    events = AuditEvent.objects.filter(record=record)
    labels = dict(AuditEvent.Event.choices)
    counts = [
        {"event": labels.get(row["event"], row["event"]), "count": row["n"]}
        for row in events.values("event").annotate(n=Count("id")).order_by("event")
    ]
    recent = list(
        events.only("at", "event", "actor_username", "actor_role", "details").order_by(
            "-at", "-pk"
        )[:RECENT_EVENTS]
    )
    recent.reverse()
    return {
        "counts": counts,
        "total": sum(row["count"] for row in counts),
        "recent": recent,
        "recent_size": RECENT_EVENTS,
    }


def record_context(record: DecisionRecord) -> dict:
    snapshot = record.snapshot or {}
    steps = _steps_by_id(snapshot)
    team = record.team
    organisation = team.organisation if team else record.author.organisation
    rounds = selectors.rounds_for(record)
    return {
        "record": record,
        "snapshot": snapshot,
        "outcome": snapshot.get("outcome", {}),
        "organisation": organisation,
        "team": team,
        "practitioner": record.author.display_name,
        "lawful_basis": steps.get("lawful_basis"),
        "sharing": steps.get("how"),
        "informing": steps.get("informing"),
        # The rest of the pages in order; those three have sections of their own.
        "question_steps": [
            step for step in snapshot.get("steps", []) if step.get("id") not in OWN_SECTIONS
        ],
        "confirmation": selectors.sharing_confirmation_for(record),
        "timeline": selectors.record_timeline(record),
        "earlier_rounds": rounds[:-1],
        "addenda": list(record.addenda.select_related("author")),
        "disagreements": selectors.disagreements_for(record),
        "audit": audit_summary(record),
        "flowchart": flowchart_for(record),
        "current_flowchart_version": FLOWCHART_VERSION,
        "fingerprint": record_fingerprint(record),
        "generated_at": timezone.now(),
    }
