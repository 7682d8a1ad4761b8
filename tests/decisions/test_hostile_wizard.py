"""Hostile text in every free-text answer of the wizard (property-based, hypothesis).

A page either keeps the answer, and every page, the PDF and the CSV then show it as text,
or says clearly why not (NUL, too long) and keeps what was typed in the field. Never a 5xx.
"""

import csv
import io
import unicodedata

import pytest
from django import forms
from django.urls import reverse
from django.utils.html import escape
from hypothesis import example, given
from hypothesis import strategies as st
from pypdf import PdfReader

from decisions import demo
from decisions.forms import STEP_FORMS
from exports.csv import neutralise
from records.models import DecisionRecord
from tests.decisions.walk import post_data_for
from tests.hostile import MARKUP, NUL, assert_no_markup, assert_shown_escaped, clean, fast, hostile

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "Null characters are not allowed."

# Answers on whose path every free-text field is asked (consent with limits for its five).
WITHOUT_CONSENT = demo.finished_answers(
    "share_without_consent",
    repeat_request="yes",
    repeat_changed="Fictional: nothing has changed.",
    repeat_consent_again="Fictional: no.",
    repeat_still_accurate="Fictional: yes.",
    identifiable_notes="Fictional notes.",
    confidential_notes="Fictional notes.",
    consent_notes="Fictional notes.",
    legal_detail="Fictional: section 47.",
    told="no",
    told_why_not="Fictional: it would put the child at risk.",
    advice_sought="yes",
    advice_from="Fictional safeguarding lead",
    advice_given="Fictional: share today.",
)
WITH_LIMITS = demo.finished_answers("share_with_consent", **demo.CONSENT_LIMITS)

# Every free-text field of the wizard: (page, field, answers whose path asks it).
FREE_TEXT = [
    (step_id, key, WITH_LIMITS if key.startswith("consent_limit_") else WITHOUT_CONSENT)
    for step_id, form in STEP_FORMS.items()
    for key, field in form.base_fields.items()
    if type(field) is forms.CharField
]


def test_every_free_text_field_is_covered():
    keys = {key for _, key, _ in FREE_TEXT}
    assert len(keys) >= 24
    assert {"subject_reference", "purpose_text", "shared_what", "consent_limit_until"} <= keys
    for _, key, answers in FREE_TEXT:
        assert key in answers, key


def _page(record, step_id):
    return reverse("decisions:step", args=[record.reference, step_id])


def _post(client, record, step_id, answers, key, text):
    data = post_data_for(step_id, answers)
    data[key] = text
    return client.post(_page(record, step_id), data)


def _max_message(form_class, key) -> str:
    field = form_class.base_fields[key]
    return field.error_messages["max_length"]


@fast(max_examples=40)
@given(field=st.sampled_from(FREE_TEXT), text=hostile)
@example(field=FREE_TEXT[0], text='"><img src=x onerror=alert(1)>\x00')
@example(field=FREE_TEXT[-1], text="<script>alert(1)</script>" * 4000)  # 100,000 characters
@example(field=FREE_TEXT[1], text="\u202e<script>alert(1)</script> 😀 '; DROP TABLE x; --")
def test_it_keeps_hostile_text_as_text_or_says_why_not(client, practitioner, field, text):
    step_id, key, answers = field
    client.force_login(practitioner)
    record = demo.create_draft(author=practitioner, answers=answers)
    form_class = STEP_FORMS[step_id]
    limit = form_class.base_fields[key].max_length
    if not text.strip():
        text = "x" + text  # a blank answer is another test's business
    kept = text.strip()  # as the form keeps it

    response = _post(client, record, step_id, answers, key, text)

    assert response.status_code in (200, 302)
    record.refresh_from_db()
    if NUL in text or len(kept) > limit:
        assert response.status_code == 200
        page = response.content.decode()
        assert "There is a problem" in page
        message = (
            "Null characters are not allowed." if NUL in text else _max_message(form_class, key)
        )
        assert escape(message) in page
        assert f"{limit:,} characters or fewer" in _max_message(form_class, key)
        assert record.answers[key] == answers[key]  # nothing saved
        assert escape(text) in page  # what was typed is still in the field
        assert_no_markup(page)
    else:
        assert response.status_code == 302, response.context["form"].errors
        assert record.answers[key] == kept
        page = client.get(reverse("decisions:check", args=[record.reference])).content.decode()
        assert_shown_escaped(page, kept)
        # And the page it was typed on, when it is shown again.
        again = client.get(_page(record, step_id)).content.decode()
        assert escape(kept) in again
        assert_no_markup(again)


def _rows(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8").lstrip("\ufeff"))))


def _pdf_text(pdf: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    # With a C1 control or an astral character in a font subset, pypdf reads some of the
    # text as UTF-16 ("\x00I\x00S\x00D"); pdftotext reads the same file plainly.
    return text.replace("\x00", ""), reader


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _left_to_right(text: str) -> bool:
    """No right-to-left letter or mark: the PDF's text comes out in typed order."""
    return all(unicodedata.bidirectional(ch) in LTR_CLASSES for ch in text)


LTR_CLASSES = {"L", "EN", "ES", "ET", "CS", "NSM", "BN", "B", "S", "WS", "ON"}


@fast(max_examples=3)
@given(agency=clean, case=clean, reasons=hostile.map(lambda text: text.replace(NUL, "")))
def test_it_shows_what_was_submitted_as_text_everywhere(
    client, practitioner, manager, auditor, agency, case, reasons
):
    """Typed through the pages, submitted, then the record page, the lists, the PDF and the
    CSV: text everywhere, formula cells neutralised, nothing embedded in the PDF."""
    # As the forms keep them: within the limit, stripped.
    agency, case = ("A " + agency)[:200].strip(), ("C" + case)[:100].strip()
    reasons = ("R " + reasons)[:5000].strip()
    answers = {
        **WITHOUT_CONSENT,
        "other_agency": agency,
        "subject_reference": case,
        "proportionality": reasons,
    }
    client.force_login(practitioner)
    record = demo.create_draft(author=practitioner, answers=WITHOUT_CONSENT)
    for step_id in ("about", "other_reason"):
        response = client.post(_page(record, step_id), post_data_for(step_id, answers))
        assert response.status_code == 302, response.context["form"].errors
    check = reverse("decisions:check", args=[record.reference])
    assert client.post(check).status_code == 302
    record.refresh_from_db()
    assert record.state == DecisionRecord.State.AWAITING_APPROVAL
    assert (record.other_agency, record.subject_reference) == (agency, case)

    detail = client.get(reverse("records:detail", args=[record.reference]))
    for text in (agency, case, reasons):
        assert_shown_escaped(detail.content.decode(), text)
    for user, url in ((practitioner, "/records/"), (practitioner, "/"), (manager, "/records/")):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert escape(agency) in page, url
        assert_no_markup(page)
    client.force_login(manager)
    assert_no_markup(client.get("/approvals/").content.decode())

    client.force_login(auditor)
    response = client.get(reverse("exports:records_csv"))
    rows = {row["reference"]: row for row in _rows(b"".join(response.streaming_content))}
    row = rows[record.reference]  # (earlier examples' records are there too)
    assert row["other_agency"] == neutralise(agency)
    assert row["subject_reference"] == neutralise(case)

    pdf = client.get(reverse("exports:record_pdf", args=[record.reference]))
    assert pdf.status_code == 200
    text, reader = _pdf_text(pdf.content)
    assert record.reference in text
    assert list(reader.attachments) == []
    assert b"/EmbeddedFile" not in pdf.content
    for markup in MARKUP:
        if markup in reasons and _left_to_right(reasons):
            assert _squeezed(markup) in _squeezed(text)  # printed, not run


# Every other field: radios, checkboxes and the review date's day, month and year.
CHOICES_AND_DATES = [
    (step_id, key)
    for step_id, form in STEP_FORMS.items()
    for key, field in form.base_fields.items()
    if type(field) is not forms.CharField
]


@fast(max_examples=25)
@given(field=st.sampled_from(CHOICES_AND_DATES), text=hostile, part=st.sampled_from("012"))
@example(field=("follow_up", "review_date"), text="31\x00", part="0")
@example(field=("checks", "checks"), text="<script>alert(1)</script>", part="0")
def test_a_hostile_choice_or_date_is_a_message_never_an_error_page(
    client, practitioner, field, text, part
):
    step_id, key = field
    client.force_login(practitioner)
    record = demo.create_draft(author=practitioner, answers=WITHOUT_CONSENT)
    data = post_data_for(step_id, WITHOUT_CONSENT)
    if key == "review_date":
        data[f"review_date_{part}"] = text
    else:
        data[key] = [text, text] if isinstance(data.get(key), list) else text

    response = client.post(_page(record, step_id), data)

    choices = dict(getattr(STEP_FORMS[step_id].base_fields[key], "choices", []))
    if response.status_code == 302:  # only when the text happened to be a real answer
        assert text.strip() in choices or text.strip().isdigit()
        return
    assert response.status_code == 200  # no such choice, no such date: said on the page
    page = response.content.decode()
    assert "There is a problem" in page
    assert_no_markup(page)
    record.refresh_from_db()
    assert record.answers == {**record.answers, **WITHOUT_CONSENT}  # nothing saved
