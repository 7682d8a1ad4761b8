"""The "Save and come back later" button on every wizard page."""

from decisions import demo
from records.models import AuditEvent


def test_it_saves_the_page_and_goes_home(client, practitioner):
    draft = demo.create_draft(author=practitioner, answers={}, complete=False)
    client.force_login(practitioner)
    response = client.post(
        f"/decisions/{draft.reference}/urgent/",
        {"urgent": "no", "save_and_exit": "Save and come back later"},
        follow=True,
    )
    assert response.redirect_chain == [("/", 302)]
    assert f"Continue {draft.reference} from your drafts" in response.content.decode()
    draft.refresh_from_db()
    assert draft.answers["urgent"] == "no" and draft.completed_steps == ["urgent"]


def test_it_goes_home_from_an_untouched_page_saving_nothing(client, practitioner):
    draft = demo.create_draft(author=practitioner, answers={}, complete=False)
    client.force_login(practitioner)
    steps_before = AuditEvent.objects.filter(event="step_answered").count()
    response = client.post(
        f"/decisions/{draft.reference}/urgent/", {"save_and_exit": "Save and come back later"}
    )
    assert response.status_code == 302 and response.url == "/"
    draft.refresh_from_db()
    assert "urgent" not in draft.completed_steps
    assert AuditEvent.objects.filter(event="step_answered").count() == steps_before


def test_it_keeps_half_typed_input_and_shows_the_errors(client, practitioner):
    answers = demo.finished_answers("share_with_consent")
    draft = demo.create_draft(
        author=practitioner,
        answers={k: answers[k] for k in ("urgent", "direction")},
        complete=False,
    )
    draft.completed_steps = ["urgent", "direction"]
    draft.save()
    client.force_login(practitioner)
    response = client.post(
        f"/decisions/{draft.reference}/about/",
        {"subject_reference": "DEMO-HALF-TYPED", "save_and_exit": "Save and come back later"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and 'value="DEMO-HALF-TYPED"' in html
    draft.refresh_from_db()
    assert "subject_reference" not in draft.answers
