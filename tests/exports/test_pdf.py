"""The record as PDF: its contents read back with pypdf, the tagged A4 file, the fingerprint,
and the flowchart with this record's path marked."""

import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from decisions import demo
from decisions.flowchart import FLOWCHART_VERSION, OUTCOMES, QUESTIONS, evaluate
from exports.pdf import RECENT_EVENTS, record_context, record_pdf
from guidance.diagram import build_diagram, path_marks
from records.fingerprint import canonical_json, record_fingerprint
from records.models import Addendum, AuditEvent, ManagerDecision
from records.services import audit_log, decision_act

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def approved_share(practitioner, manager):
    """Shared without consent: approved with a comment, the sharing confirmed, an addendum."""
    record = demo.create_submitted(
        author=practitioner,
        answers=demo.finished_answers(
            "share_without_consent",
            told="no",
            told_why_not="Fictional: telling them would put the child at greater risk.",
        ),
    )
    decision_act(
        record=record,
        manager=manager,
        kind=ManagerDecision.Kind.APPROVED,
        comment="Fictional: proportionate, share the two dates only.",
    )
    record.refresh_from_db()
    demo.confirm_sharing(record=record, author=practitioner)
    Addendum.objects.create(
        record=record,
        author=practitioner,
        at=timezone.now(),
        kind=Addendum.Kind.FURTHER_INFORMATION,
        text="Fictional: the police acknowledged receipt the next day.",
    )
    record.refresh_from_db()
    return record


@pytest.fixture
def rendered(approved_share):
    pdf = record_pdf(approved_share)
    return approved_share, pdf, _flat(_text(pdf))


def test_it_is_a_tagged_a4_pdf_ua(rendered):
    _, pdf, _ = rendered
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en-GB"
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()
    assert reader.metadata.title.startswith("Information sharing decision ")
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(595.28, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(841.89, abs=0.5)


def test_page_numbers_on_every_page(rendered):
    _, pdf, _ = rendered
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in _flat(page.extract_text())


def test_who_where_and_when(rendered):
    record, _, text = rendered
    assert record.reference in text
    assert "Testshire Council" in text
    assert "Family support" in text
    assert "Practitioner Testuser" in text
    assert "DEMO-C-0001" in text
    assert f"Submitted {timezone.localtime(record.submitted_at):%-d %B %Y, %H:%M}" in text
    assert f"Review by {record.review_date:%-d %B %Y}" in text
    assert f"Flowchart version {FLOWCHART_VERSION}" in text


def test_every_question_on_the_path_with_its_answer_reasons_and_guidance(rendered):
    record, _, text = rendered
    steps = {step["id"]: step for step in record.snapshot["steps"]}
    for question_id in record.path:
        step = steps[question_id]
        for row in step["rows"]:
            assert _flat(row["label"]) in text, row["label"]
            assert _flat(row["value"]) in text, row["value"]
        assert _flat(step["source"]) in text
        for link in step["guidance"]:
            assert _flat(link["label"]) in text
    assert record.answers["purpose_text"] in text
    assert record.answers["proportionality"] in text


def test_outcome_lawful_basis_sharing_and_telling(rendered):
    record, _, text = rendered
    assert OUTCOMES[record.outcome].title in text
    assert "Lawful basis" in text
    assert "Public task: part of your organisation's official functions" in text
    assert "What was shared, with whom and how" in text
    assert record.answers["shared_what"] in text
    assert "Secure email" in text
    assert "Sharing confirmed" in text
    assert "Duty sergeant, Northshire Police (fictional)" in text
    assert "Whether the person was told" in text
    assert record.answers["told_why_not"] in text


def test_approvals_comments_and_addenda(rendered):
    _, _, text = rendered
    assert "Approvals, reviews and comments" in text
    assert "Approved (round 1)" in text
    assert "Manager Testuser" in text
    assert "Fictional: proportionate, share the two dates only." in text
    assert "Addenda" in text
    assert "Further information" in text
    assert "Fictional: the police acknowledged receipt the next day." in text


def test_audit_summary(rendered):
    record, _, text = rendered
    assert "Audit summary" in text
    total = AuditEvent.objects.filter(record=record).count()
    assert f"{total} events recorded about this decision" in text
    assert "Sharing confirmed 1" in text
    assert "Approved 1" in text


def test_the_fingerprint_is_printed(rendered):
    record, _, text = rendered
    fingerprint = record_fingerprint(record)
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint)
    assert fingerprint in text.replace(" ", "")


def test_earlier_rounds_are_in_it(practitioner, manager):
    answers = demo.finished_answers("share_without_consent")
    record = demo.create_returned(
        author=practitioner, manager=manager, answers=answers, comment="Fictional: say more."
    )
    record = demo.resubmit(
        record=record, author=practitioner, values={"purpose_text": "Fictional: round two."}
    )
    text = _flat(_text(record_pdf(record)))
    assert "Returned for changes (round 1)" in text
    assert "Fictional: say more." in text
    assert "Earlier rounds, as they were submitted" in text
    assert "Round 1" in text
    assert answers["purpose_text"] in text  # round 1's answer
    assert "Fictional: round two." in text  # the latest


def test_last_twenty_events_and_counts(practitioner):
    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    for number in range(RECENT_EVENTS + 5):
        audit_log(
            event=AuditEvent.Event.VIEWED,
            actor=practitioner,
            record=record,
            details={"n": number},
        )
    audit = record_context(record)["audit"]
    assert len(audit["recent"]) == RECENT_EVENTS
    assert [event.details["n"] for event in audit["recent"]][-1] == RECENT_EVENTS + 4
    assert [e.at for e in audit["recent"]] == sorted(e.at for e in audit["recent"])
    viewed = next(row for row in audit["counts"] if row["event"] == "Viewed")
    assert viewed["count"] == RECENT_EVENTS + 5
    assert audit["total"] == AuditEvent.objects.filter(record=record).count()


# --- The flowchart with the path ---------------------------------------------------------


@pytest.mark.parametrize("case", sorted(demo.CASES))
def test_the_diagram_marks_exactly_the_path(practitioner, case):
    record = demo.create_submitted(author=practitioner, answers=demo.finished_answers(case))
    flowchart = record_context(record)["flowchart"]
    on_boxes = {item["box"].node.id for item in flowchart["boxes"] if item["on_path"]}
    assert on_boxes == {*record.path, record.outcome}
    on_arrows = [item["arrow"].edge for item in flowchart["arrows"] if item["on_path"]]
    stops = [*record.path, record.outcome]
    assert sorted((edge.source, edge.target) for edge in on_arrows) == sorted(
        zip(stops, stops[1:], strict=False)
    )
    for edge in on_arrows:
        assert edge.answer == record.answers[edge.source]
    assert flowchart["path_text"][-1] == OUTCOMES[record.outcome].title
    assert flowchart["path_text"][0] == QUESTIONS[record.path[0]].text


def test_path_marks_tell_an_override_from_a_branch():
    diagram = build_diagram()
    overrides = [edge for edge in diagram.edges if edge.kind == "override"]
    assert overrides
    edge = overrides[0]
    plain = next(
        e for e in diagram.edges_from(edge.source) if e.kind == "branch" and e.answer == edge.answer
    )
    taken = path_marks(diagram, [edge.source], edge.target, {edge.source: edge.answer})
    assert taken.edges == {edge}
    assert plain not in taken.edges


def test_path_marks_leave_out_what_the_diagram_does_not_know():
    diagram = build_diagram()
    marks = path_marks(diagram, ["purpose", "no_such_question"], "no_such_outcome", {})
    assert marks.nodes == {"purpose"}
    assert marks.edges == frozenset()


def test_a_record_decided_under_other_rules_gets_no_diagram(practitioner):
    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    record.flowchart_version = "2016.9"  # as if decided under older rules
    assert record_context(record)["flowchart"] is None
    text = _flat(_text(record_pdf(record)))
    assert "The rules have changed since this decision was made" in text
    assert "flowchart version 2016.9" in text
    assert f"now uses version {FLOWCHART_VERSION}" in text


def test_the_diagram_is_drawn_with_the_route_in_words(rendered):
    record, _, text = rendered
    assert "The flowchart and this record's path" in text
    for question_id in record.path:
        assert QUESTIONS[question_id].text in text


# --- The fingerprint ----------------------------------------------------------------------


def test_fingerprint_is_stable_from_the_database(approved_share):
    from records.models import DecisionRecord

    again = DecisionRecord.objects.get(pk=approved_share.pk)
    assert record_fingerprint(again) == record_fingerprint(approved_share)


def test_fingerprint_ignores_what_may_change_after_submission(practitioner, manager):
    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    before = record_fingerprint(record)
    decision_act(record=record, manager=manager, kind=ManagerDecision.Kind.APPROVED, comment="")
    record.refresh_from_db()
    Addendum.objects.create(
        record=record, author=practitioner, at=timezone.now(), kind="correction", text="x"
    )
    assert record.state == "approved"
    assert record_fingerprint(record) == before


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.answers.update(purpose_text="changed"),
        lambda r: r.snapshot["steps"][0]["rows"][0].update(value="changed"),
        lambda r: setattr(r, "outcome", "share_with_consent"),
        lambda r: setattr(r, "reference", "ISD-2026-99999"),
        lambda r: setattr(r, "submitted_at", r.submitted_at + timezone.timedelta(seconds=1)),
        lambda r: setattr(r, "flowchart_version", "2019.1"),
        lambda r: r.path.append("consent"),
    ],
)
def test_fingerprint_changes_with_the_frozen_content(practitioner, change):
    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    before = record_fingerprint(record)
    change(record)
    assert record_fingerprint(record) != before


def test_canonical_json_ignores_key_order():
    assert canonical_json({"b": 1, "a": [1, {"y": 2, "x": "é"}]}) == canonical_json(
        {"a": [1, {"x": "é", "y": 2}], "b": 1}
    )
    assert canonical_json({"a": "é"}) == '{"a":"é"}'.encode()


def test_the_engine_agrees_with_the_record_path(practitioner):
    answers = demo.finished_answers("not_share_no_basis")
    record = demo.create_submitted(author=practitioner, answers=answers)
    assert record.path == evaluate(answers).path


def test_it_reuses_one_font_configuration_per_thread():
    """A new FontConfiguration per PDF grows the process by about 0.25 MB a render."""
    from exports.pdf import _font_config

    assert _font_config() is _font_config()
