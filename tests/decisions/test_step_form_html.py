"""A question page's form, rendered once per process when its saved answers are all choices
(decisions.views.form_html): the page must read exactly as when it is rendered afresh."""

import re

import pytest
from django.template import engines

from decisions import demo, views
from decisions.forms import STEP_FORMS
from decisions.steps import STEPS_BY_ID
from tests.decisions.walk import post_data_for

EVERY_PAGE = demo.finished_answers("share_without_consent", urgent="yes")
CROSS_CHECKED = [
    {},  # a page seen for the first time
    {"urgent": "no", "direction": "share", "consent": "yes", "consent_type": "explicit"},
    EVERY_PAGE,  # with free text and a date on some pages
]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture(autouse=True)
def empty_memory():
    views._form_html.clear()
    yield
    views._form_html.clear()


def afresh(form) -> str:
    return (
        engines["django"]
        .from_string("{% load crispy_forms_tags %}{% crispy form %}")
        .render({"form": form})
    )


@pytest.mark.parametrize("answers", CROSS_CHECKED)
@pytest.mark.parametrize("step_id", list(STEP_FORMS))
def test_it_renders_each_form_as_crispy_forms_does_first_time_and_from_memory(step_id, answers):
    def form():
        return STEP_FORMS[step_id](None, step=STEPS_BY_ID[step_id], answers=answers)

    expected = afresh(form())
    assert views.form_html(form()) == expected
    assert views.form_html(form()) == expected


def test_it_keeps_pages_whose_answers_are_choices(practitioner, client):
    draft = demo.create_draft(author=practitioner, answers=EVERY_PAGE, complete=True)
    client.force_login(practitioner)
    # Answered as a person would: the text boxes left empty are saved as empty answers.
    answered = client.post(
        f"/decisions/{draft.reference}/consent/", post_data_for("consent", EVERY_PAGE)
    )
    assert answered.status_code == 302
    draft.refresh_from_db()
    assert draft.answers["consent_notes"] == ""
    first = client.get(f"/decisions/{draft.reference}/consent/")
    assert len(views._form_html) == 1
    second = client.get(f"/decisions/{draft.reference}/consent/")
    assert first.status_code == second.status_code == 200
    assert CSRF.sub("", first.content.decode()) == CSRF.sub("", second.content.decode())
    # The saved answer is still the one checked.
    assert re.search(r'value="increase_risk"\s+checked', second.content.decode())


def test_it_keeps_no_free_text_or_dates(practitioner, client):
    draft = demo.create_draft(author=practitioner, answers=EVERY_PAGE, complete=True)
    client.force_login(practitioner)
    for step_id in ("about", "how", "follow_up"):  # a case reference, free text, a date
        response = client.get(f"/decisions/{draft.reference}/{step_id}/")
        assert response.status_code == 200
    assert views._form_html == {}


def test_it_renders_a_form_with_errors_afresh_each_time(practitioner, client):
    draft = demo.create_draft(author=practitioner, answers=EVERY_PAGE, complete=True)
    client.force_login(practitioner)
    for _ in range(2):
        response = client.post(f"/decisions/{draft.reference}/consent/", {})
        assert response.status_code == 200
        assert "govuk-error-message" in response.content.decode()
    assert views._form_html == {}
