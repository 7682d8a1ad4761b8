import pytest

from decisions import demo
from decisions.flowchart import evaluate
from records.models import AuditEvent, DecisionRecord
from tests.decisions.walk import walk


@pytest.mark.parametrize("outcome", list(demo.CASES))
def test_it_walks_to_each_outcome_and_records_it(client, practitioner, outcome):
    client.force_login(practitioner)
    response = client.post("/decisions/new/")
    answers = demo.finished_answers(outcome)

    check_url, pages = walk(client, response.url, answers)
    assert client.get(check_url).status_code == 200
    response = client.post(check_url)

    record = DecisionRecord.objects.get(author=practitioner)
    assert response.url == f"/decisions/{record.reference}/confirmation/"
    assert record.outcome == outcome
    decision = evaluate(answers)
    assert record.path == decision.path
    assert record.requires_approval == decision.requires_approval
    expected_state = "awaiting_approval" if decision.requires_approval else "recorded"
    assert record.state == expected_state
    assert [s["id"] for s in record.snapshot["steps"]] == [p for p in pages if p != "act_now"]
    assert record.snapshot["outcome"]["id"] == outcome
    assert AuditEvent.objects.filter(record=record, event="submitted").count() == 1
    assert client.get(response.url).status_code == 200
    assert client.get(f"/records/{record.reference}/").status_code == 200
