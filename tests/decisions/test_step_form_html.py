"""A question page's form, rendered once per process for its choices, with a stand-in for
each saved text (decisions.views.form_html): the page must read exactly as when it is
rendered afresh, and no saved text may stay in memory."""

import re

import pytest
from django import forms
from django.template import engines
from django.utils.safestring import SafeString

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
    assert isinstance(views.form_html(form()), SafeString)


# Text that escaping changes, that could close or open markup, that looks like a stand-in
# (its own field's or another's), or that a template might treat specially.
HOSTILE_TEXTS = [
    '<script>alert("x")</script>',
    'O\'Neill & "Sons" <b>',
    "saved-text-other_agency-stands-here",
    "saved-text-nobody-stands-here and saved-text-{}-stands-here",
    "line one\r\nline two\n\n  indented\t",
    "\u202eright-to-left\u202c \U0001f600 caf\u00e9 {{ x }} {% y %} %s \\ \\1",
    "</textarea><textarea>",
    "x" * 5000,
]


def _text_fields(step_id):
    form_class = STEP_FORMS[step_id]
    return [
        name for name, field in form_class.base_fields.items() if type(field) is forms.CharField
    ]


TEXT_PAGES = [step_id for step_id in STEP_FORMS if _text_fields(step_id)]


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
@pytest.mark.parametrize("step_id", TEXT_PAGES)
def test_it_puts_each_saved_text_in_its_place_as_rendering_afresh_would(step_id, text):
    answers = {**EVERY_PAGE, **{name: f"{name}: {text}" for name in _text_fields(step_id)}}

    def form():
        return STEP_FORMS[step_id](None, step=STEPS_BY_ID[step_id], answers=answers)

    expected = afresh(form())
    assert views.form_html(form()) == expected  # rendered with stand-ins, then filled
    assert views.form_html(form()) == expected  # from memory
    kept = [html for html in views._form_html.values() if html is not None]
    assert kept, "a page of text, choices and dates is kept"
    assert not any(f"{name}: " in html for html in kept for name in _text_fields(step_id))


def test_another_persons_text_never_shows_on_a_page_kept_with_stand_ins():
    def form(text):
        answers = {**EVERY_PAGE, "shared_what": text}
        return STEP_FORMS["how"](None, step=STEPS_BY_ID["how"], answers=answers)

    first = views.form_html(form("The school's attendance record"))
    second = views.form_html(form("Notes of a home visit"))

    assert len(views._form_html) == 1  # the same choices: one page kept
    assert "attendance" in first and "attendance" not in second
    assert "home visit" in second and "home visit" not in first


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


def test_it_keeps_no_free_text_and_no_date(practitioner, client):
    answers = {**EVERY_PAGE, "review_date": "2031-08-19"}
    draft = demo.create_draft(author=practitioner, answers=answers, complete=True)
    client.force_login(practitioner)
    for step_id in ("about", "how", "follow_up"):  # a case reference, free text, a date
        response = client.get(f"/decisions/{draft.reference}/{step_id}/")
        assert response.status_code == 200
    assert 'value="2031"' in response.content.decode()  # the date, on its page

    kept = {key[1]: html for key, html in views._form_html.items()}
    assert set(kept) == {"about", "how", "follow_up"}
    texts = [v for v in answers.values() if isinstance(v, str) and " " in v]
    assert texts
    assert not any(text in html for html in kept.values() for text in texts)
    assert answers["subject_reference"] not in kept["about"]
    assert "2031" not in kept["follow_up"]
    assert 'value="19"' not in kept["follow_up"]


@pytest.mark.parametrize("review_date", ["2031-08-19", "2030-01-02", "2029-12-31"])
def test_it_puts_each_box_of_a_date_in_its_place_as_rendering_afresh_would(review_date):
    answers = {**EVERY_PAGE, "review_date": review_date}

    def form():
        return STEP_FORMS["follow_up"](None, step=STEPS_BY_ID["follow_up"], answers=answers)

    expected = afresh(form())
    assert views.form_html(form()) == expected
    assert views.form_html(form()) == expected
    day = str(int(review_date[-2:]))
    assert f'value="{day}"' in expected


def test_it_renders_a_form_with_errors_afresh_each_time(practitioner, client):
    draft = demo.create_draft(author=practitioner, answers=EVERY_PAGE, complete=True)
    client.force_login(practitioner)
    for _ in range(2):
        response = client.post(f"/decisions/{draft.reference}/consent/", {})
        assert response.status_code == 200
        assert "govuk-error-message" in response.content.decode()
    assert views._form_html == {}


def test_a_form_that_draws_a_text_twice_is_rendered_each_time_not_kept(monkeypatch):
    """Each stand-in must be drawn once; otherwise (a template that repeats a value) the form
    is rendered with its texts every time, and nothing of it is kept."""

    def twice(form):
        html = views.render_to_string("decisions/_form.html", {"form": form})
        return html + html

    monkeypatch.setattr(views, "_rendered", twice)
    answers = {**EVERY_PAGE, "shared_what": "What was shared, once"}

    def form():
        return STEP_FORMS["how"](None, step=STEPS_BY_ID["how"], answers=answers)

    for _ in range(2):
        html = views.form_html(form())
        assert html.count("What was shared, once") == 2  # as rendered, with the real text
        assert "stands-here" not in html
    assert list(views._form_html.values()) == [None]
