"""Limits of consent (appendix 1, recording limitations of consent to share): asked on the
consent page when consent is given, required only with limits, shown beside what is about to
be shared, on the check page, the record, the approval page and the PDF, and in the outcome's
next steps."""

import io

import pytest
from django.utils.html import escape
from pypdf import PdfReader

from decisions import demo
from decisions.forms import ConsentForm
from decisions.steps import STEPS_BY_ID
from decisions.wizard import CONSENT_LIMITS_NEXT_STEP
from exports.pdf import record_pdf
from tests.decisions.walk import walk

pytestmark = pytest.mark.django_db

WITH_LIMITS = demo.finished_answers("share_with_consent", **demo.CONSENT_LIMITS)
NO_LIMITS = demo.finished_answers("share_with_consent")


def url(record, step_id, query=""):
    return f"/decisions/{record.reference}/{step_id}/{query}"


def consent_page(record, client, data):
    return client.post(url(record, "consent"), data)


@pytest.fixture
def at_consent(practitioner):
    """A draft whose next page is the consent question."""
    answers = {
        key: value
        for key, value in WITH_LIMITS.items()
        if key in ("urgent", "direction", "subject_type", "subject_reference", "other_agency")
        or key in ("repeat_request", "purpose", "purpose_grounds", "purpose_text")
        or key in ("identifiable", "confidential")
    }
    return demo.create_draft(author=practitioner, answers=answers, complete=True)


def test_consent_yes_asks_whether_it_has_limits(client, practitioner, at_consent):
    client.force_login(practitioner)
    response = consent_page(
        at_consent,
        client,
        {"consent": "yes", "consent_type": "explicit", "consent_given_by": "individual"},
    )
    assert response.status_code == 200
    assert "Select whether the consent has limits" in response.content.decode()


def test_with_limits_each_detail_is_required_and_typed_text_is_kept(
    client, practitioner, at_consent
):
    client.force_login(practitioner)
    response = consent_page(
        at_consent,
        client,
        {
            "consent": "yes",
            "consent_type": "explicit",
            "consent_given_by": "individual",
            "consent_scope": "limits",
            "consent_limit_information": "Only the <b>visit dates</b>",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    for message in (
        "Select the kinds of agency the consent covers, or name the agencies",
        "Enter how long the consent lasts",
        "Say whether they asked for anything not to be shared",
    ):
        assert message in html
    # What was typed is kept, as text.
    assert escape("Only the <b>visit dates</b>") in html
    assert "<b>visit dates</b>" not in html


def test_without_limits_nothing_more_is_required_and_details_are_dropped():
    form = ConsentForm(
        {
            "consent": "yes",
            "consent_type": "explicit",
            "consent_given_by": "individual",
            "consent_scope": "no_limits",
            # The hidden reveal still sends what was typed into it.
            "consent_limit_information": "left over",
        },
        step=STEPS_BY_ID["consent"],
    )
    assert form.is_valid(), form.errors
    assert form.to_answers()["consent_limit_information"] == ""


def test_consent_no_drops_the_limits():
    form = ConsentForm(
        {"consent": "no", "consent_absent_reason": "refused", "consent_scope": "limits"},
        step=STEPS_BY_ID["consent"],
    )
    assert form.is_valid(), form.errors
    answers = form.to_answers()
    assert answers["consent_scope"] == ""
    assert answers["consent_limit_agency_kinds"] == []


def test_how_long_has_a_length_limit():
    form = ConsentForm(
        {
            "consent": "yes",
            "consent_type": "explicit",
            "consent_given_by": "individual",
            "consent_scope": "limits",
            "consent_limit_agency_kinds": ["police"],
            "consent_limit_information": "Dates",
            "consent_limit_until": "x" * 201,
            "consent_limit_not_shared": "Nothing",
        },
        step=STEPS_BY_ID["consent"],
    )
    assert not form.is_valid()
    assert "consent_limit_until" in form.errors


def test_limits_walk_through_to_the_record_and_its_pdf(client, practitioner, manager):
    hostile = "<script>alert('x')</script> nothing about the sibling"
    answers = {**WITH_LIMITS, "consent_limit_not_shared": hostile}
    client.force_login(practitioner)
    start = client.post("/decisions/new/")
    check_url, pages = walk(client, start.url, answers)
    assert "consent" in pages
    reference = check_url.split("/")[2]

    # The "how" page reminds the practitioner of the limits beside what they will share.
    how = client.get(f"/decisions/{reference}/how/").content.decode()
    assert "Share only within the limits of the consent" in how
    assert "Northshire Police (fictional) only" in how
    assert "Police force; NHS trust or health provider" in how
    assert escape(hostile) in how and hostile not in how

    check = client.get(check_url).content.decode()
    assert "Limits of consent" in check
    assert "Until the review meeting in March" in check
    assert "Does the consent have limits?" in check  # the snapshot rows (describe)
    assert escape(hostile) in check and hostile not in check

    client.post(check_url)
    from records.models import DecisionRecord

    record = DecisionRecord.objects.get(reference=reference)
    limits = record.snapshot["consent_limits"]
    assert limits["information"] == demo.CONSENT_LIMITS["consent_limit_information"]
    assert limits["agencies"] == "Police force; NHS trust or health provider; " + (
        "Northshire Police (fictional) only"
    )
    assert limits["not_shared"] == hostile
    assert record.snapshot["outcome"]["next_steps"][0] == CONSENT_LIMITS_NEXT_STEP

    detail = client.get(f"/records/{reference}/").content.decode()
    assert "Limits of consent" in detail
    assert escape(CONSENT_LIMITS_NEXT_STEP) in detail
    assert escape(hostile) in detail and hostile not in detail

    confirmation = client.get(f"/decisions/{reference}/confirmation/").content.decode()
    assert escape(CONSENT_LIMITS_NEXT_STEP) in confirmation

    # The manager's approval page draws on the same snapshot.
    client.force_login(manager)
    approval = client.get(f"/approvals/{reference}/").content.decode()
    assert "Limits of consent" in approval
    assert "Until the review meeting in March" in approval

    text = " ".join(
        " ".join(
            page.extract_text() for page in PdfReader(io.BytesIO(record_pdf(record))).pages
        ).split()
    )
    assert "Limits of consent" in text
    assert "Until the review meeting in March" in text
    assert "Northshire Police (fictional) only" in text
    assert "nothing about the sibling" in text


def test_no_limits_no_reminder_and_no_extra_next_step(client, practitioner):
    record = demo.create_submitted(author=practitioner, answers=NO_LIMITS)
    assert record.snapshot["consent_limits"] == {}
    assert CONSENT_LIMITS_NEXT_STEP not in record.snapshot["outcome"]["next_steps"]
    draft = demo.create_draft(author=practitioner, answers=NO_LIMITS)
    client.force_login(practitioner)
    how = client.get(url(draft, "how")).content.decode()
    assert "Share only within the limits of the consent" not in how


def test_limits_off_the_path_are_no_reminder(client, practitioner):
    """Consent with limits answered, then the path changed so consent is no longer asked."""
    answers = {**WITH_LIMITS, "confidential": "no"}
    draft = demo.create_draft(author=practitioner, answers=answers)
    client.force_login(practitioner)
    how = client.get(url(draft, "how")).content.decode()
    assert "Share only within the limits of the consent" not in how
    record = demo.create_submitted(author=practitioner, answers=answers)
    assert record.snapshot["consent_limits"] == {}
    assert "consent_scope" not in record.answers
