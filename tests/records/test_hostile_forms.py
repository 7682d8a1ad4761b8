"""Hostile text in every form after submission (property-based, hypothesis): a manager's
comment, confirming the sharing, an addendum, a legal hold, a disagreement, its steps and its
resolution; and the sign-in form, the bulk export and reconsidering.

Each form either keeps the text, and the record page then shows it as text, or says clearly
why not (NUL, too long) and keeps what was typed. Never a 5xx.
"""

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.utils.html import escape
from hypothesis import example, given
from hypothesis import strategies as st
from pypdf import PdfReader

from decisions import demo
from records.disagreement_forms import (
    DisagreementForm,
    DisagreementResolveForm,
    DisagreementStepForm,
)
from records.forms import (
    AddendumForm,
    ConfirmSharingForm,
    LegalHoldForm,
    ManagerDecisionForm,
)
from records.models import DecisionRecord, Disagreement, ManagerDecision
from records.services import decision_act, disagreement_raise
from tests.hostile import NUL, assert_no_markup, assert_shown_escaped, fast, hostile
from tests.records.mfa_helpers import enrolled

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "Null characters are not allowed."


def _submitted(practitioner, outcome="share_without_consent"):
    return demo.create_submitted(author=practitioner, answers=demo.finished_answers(outcome))


def _approved(practitioner, manager):
    record = _submitted(practitioner)
    decision_act(record=record, manager=manager, kind=ManagerDecision.Kind.APPROVED)
    record.refresh_from_db()
    return record


def _open_disagreement(practitioner, record):
    return disagreement_raise(
        record=record,
        user=practitioner,
        direction=Disagreement.Direction.choices[0][0],
        party="Fictional agency, duty inspector",
        reason="Fictional: they dispute the decision.",
    )


@dataclass
class Case:
    """One form: who posts it, about what, what it holds besides the hostile field."""

    field: str
    who: str  # the user fixture that posts it
    setup: Callable  # (users) -> (url, form) for a fresh record in the state the form needs
    data: dict


def _approval(users):
    record = _submitted(users["practitioner"])
    form = ManagerDecisionForm(record=record, shown_round=1)
    return f"/approvals/{record.reference}/", form, record


def _confirm(users):
    record = _approved(users["practitioner"], users["manager"])
    return (
        f"/records/{record.reference}/confirm-sharing/",
        ConfirmSharingForm(record=record),
        record,
    )


def _addendum(users):
    record = _submitted(users["practitioner"])
    return f"/records/{record.reference}/addenda/new/", AddendumForm(), record


def _legal_hold(users):
    record = _submitted(users["practitioner"])
    return f"/records/{record.reference}/legal-hold/", LegalHoldForm(record=record), record


def _disagreement(users):
    record = _submitted(users["practitioner"])
    return f"/records/{record.reference}/disagreements/new/", DisagreementForm(), record


def _disagreement_step(users):
    record = _submitted(users["practitioner"])
    disagreement = _open_disagreement(users["practitioner"], record)
    url = f"/records/{record.reference}/disagreements/{disagreement.pk}/steps/new/"
    return url, DisagreementStepForm(), record


def _resolution(users):
    record = _submitted(users["practitioner"])
    disagreement = _open_disagreement(users["practitioner"], record)
    url = f"/records/{record.reference}/disagreements/{disagreement.pk}/resolve/"
    return url, DisagreementResolveForm(), record


TODAY = datetime.date.today()
SHARED_ON = {"shared_on_0": TODAY.day, "shared_on_1": TODAY.month, "shared_on_2": TODAY.year}
CONFIRM = {**SHARED_ON, "means": "Secure email", "recipient": "Fictional duty sergeant"}
DISAGREEMENT = {
    "direction": Disagreement.Direction.choices[0][0],
    "party": "Fictional agency",
    "reason": "Fictional reasons.",
}
CASES = {
    "approval comment": Case("comment", "manager", _approval, {"kind": "returned", "round": 1}),
    "sharing: how": Case("means", "practitioner", _confirm, CONFIRM),
    "sharing: who": Case("recipient", "practitioner", _confirm, CONFIRM),
    "addendum": Case("text", "practitioner", _addendum, {"kind": "correction"}),
    "legal hold": Case("reason", "auditor", _legal_hold, {"action": "set"}),
    "disagreement: party": Case("party", "practitioner", _disagreement, DISAGREEMENT),
    "disagreement: reason": Case("reason", "practitioner", _disagreement, DISAGREEMENT),
    "disagreement step": Case(
        "note", "manager", _disagreement_step, {"kind": "flowchart_revisited"}
    ),
    "resolution": Case("resolution", "practitioner", _resolution, {}),
}


@pytest.fixture
def users(practitioner, manager, auditor):
    return {"practitioner": practitioner, "manager": manager, "auditor": auditor}


@pytest.mark.parametrize("name", list(CASES))
@fast(max_examples=6)
@given(text=hostile)
@example(text='"><img src=x onerror=alert(1)>\x00')
@example(text="<script>alert(1)</script>" * 4000)  # 100,000 characters
@example(text="\u202e<script>alert(1)</script> 😀 '; DROP TABLE x; -- =1+1")
def test_it_keeps_hostile_text_as_text_or_says_why_not(client, users, name, text):
    case = CASES[name]
    url, form, record = case.setup(users)
    field = form.fields[case.field]
    if not text.strip():
        text = "x" + text  # a blank answer is another test's business
    kept = text.strip()
    client.force_login(users[case.who])

    response = client.post(url, {**case.data, case.field: text})

    assert response.status_code in (200, 302)
    if NUL in text or len(kept) > field.max_length:
        assert response.status_code == 200
        page = response.content.decode()
        assert "There is a problem" in page
        message = NUL_MESSAGE if NUL in text else field.error_messages["max_length"]
        assert escape(message) in page
        assert f"{field.max_length:,} characters or fewer" in field.error_messages["max_length"]
        assert escape(text) in page  # what was typed is still in the field
        assert_no_markup(page)
    else:
        assert response.status_code == 302, response.context["form"].errors
        page = client.get(f"/records/{record.reference}/").content.decode()
        assert_shown_escaped(page, kept)


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
@fast(max_examples=6)
@given(username=hostile, password=hostile)
@example(username="u" * 100_000, password="x")
@example(username="practitioner\x00", password="\x00")
def test_the_sign_in_form_takes_hostile_text_without_an_error_page(
    client, practitioner, url, username, password
):
    response = client.post(url, {"username": username, "password": password})

    # A page that says what is wrong, or the lockout page after repeated failures.
    assert response.status_code in (200, 403, 429)
    page = response.content.decode()
    assert_no_markup(page)
    if response.status_code == 200 and NUL not in username and len(username) <= 150:
        assert escape(username.strip()) in page  # kept in the field


@fast(max_examples=6)
@given(query=hostile)
def test_a_bulk_export_of_a_hostile_search_is_queued_or_refused(client, auditor, query):
    client.force_login(auditor)

    response = client.post("/exports/bulk/", {"query": query})

    assert response.status_code in (302, 400)
    if response.status_code == 302:
        page = client.get(response.url).content.decode()
        assert_no_markup(page)


@fast(max_examples=4)
@given(extra=st.dictionaries(st.sampled_from(["reference", "answers", "state"]), hostile))
def test_reconsidering_ignores_whatever_else_is_posted(client, practitioner, manager, extra):
    record = _submitted(practitioner)
    decision_act(record=record, manager=manager, kind="rejected", comment="Fictional.")
    client.force_login(practitioner)

    response = client.post(f"/records/{record.reference}/reconsider/", extra)

    assert response.status_code == 302
    new = DecisionRecord.objects.get(reconsiders=record)
    assert new.answers["purpose_text"] == record.answers["purpose_text"]


@pytest.mark.parametrize("url", ["/accounts/two-factor/set-up/", "/accounts/two-factor/verify/"])
@fast(max_examples=5)
@given(code=hostile, next_url=hostile)
@example(code="1" * 100_000, next_url="javascript:alert(1)")
@example(code="123456\x00", next_url="//evil.example/\x00")
def test_the_two_factor_forms_take_hostile_codes_without_an_error_page(
    client, settings, manager, url, code, next_url
):
    settings.REQUIRE_MFA = True
    if url.endswith("verify/"):
        enrolled(manager)
    client.force_login(manager)

    response = client.post(f"{url}?next={quote(next_url, safe='')}", {"code": code})

    assert response.status_code in (200, 302, 429)
    page = response.content.decode()
    assert_no_markup(page)
    if response.status_code == 302:
        assert not response.url.startswith(("//", "javascript:", "http"))


def _squeezed(text: str) -> str:
    return "".join(text.split())


def test_what_the_forms_keep_prints_as_text_in_the_pdf(client, practitioner, manager, auditor):
    """Each form after submission, posted through its page with markup, then the PDF: every
    text printed as text, nothing embedded."""
    markup = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    record = _submitted(practitioner)
    base = f"/records/{record.reference}"
    client.force_login(manager)
    approval = {"kind": "approved", "round": 1, "comment": f"c1 {markup}"}
    assert client.post(f"/approvals/{record.reference}/", approval).status_code == 302
    client.force_login(practitioner)
    sharing = {**SHARED_ON, "means": f"m1 {markup}", "recipient": f"r1 {markup}"}
    assert client.post(f"{base}/confirm-sharing/", sharing).status_code == 302
    addendum = {"kind": "correction", "text": f"a1 {markup}"}
    assert client.post(f"{base}/addenda/new/", addendum).status_code == 302
    disagreement = {**DISAGREEMENT, "party": f"p1 {markup}", "reason": f"d1 {markup}"}
    assert client.post(f"{base}/disagreements/new/", disagreement).status_code == 302
    thread = f"{base}/disagreements/{Disagreement.objects.get(record=record).pk}"
    step = {"kind": "flowchart_revisited", "note": f"s1 {markup}"}
    assert client.post(f"{thread}/steps/new/", step).status_code == 302
    assert client.post(f"{thread}/resolve/", {"resolution": f"z1 {markup}"}).status_code == 302

    client.force_login(auditor)
    response = client.get(f"{base}/pdf/")

    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    text = _squeezed("".join(page.extract_text() for page in reader.pages))
    for label in ("c1", "m1", "r1", "a1", "p1", "d1", "s1", "z1"):
        assert _squeezed(f"{label} {markup}") in text, label
    assert list(reader.attachments) == []
    assert b"/EmbeddedFile" not in response.content
