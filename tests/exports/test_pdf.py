"""The record as PDF: its contents read back with pypdf, the fingerprint, the diagram's path."""

import io

import pytest
from pypdf import PdfReader

from decisions import demo
from exports.pdf import record_fingerprint, record_pdf


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.django_db
def test_record_pdf_is_a_pdf_with_the_reference(practitioner):
    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    pdf = record_pdf(record)
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    assert record.reference in text
    assert record_fingerprint(record) in text.replace("\n", "")
