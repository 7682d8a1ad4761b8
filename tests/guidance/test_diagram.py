"""The flowchart diagram is drawn from the rule engine's own definition."""

import dataclasses
import re

import pytest
from django.utils.html import escape

from decisions.flowchart import OUTCOMES, QUESTIONS, START, reachable_nodes
from guidance import diagram as diagram_module
from guidance.diagram import BRANCH, OUTCOME, OVERRIDE, QUESTION, build_diagram, layout


def _engine_edges():
    edges = set()
    for question in QUESTIONS.values():
        for answer, target in question.branches.items():
            edges.add((question.id, target, answer, BRANCH))
        for override in question.overrides:
            edges.add((question.id, override.target, override.answer, OVERRIDE))
    return edges


@pytest.fixture(scope="module")
def diagram():
    return build_diagram()


@pytest.fixture
def page_html(client):
    response = client.get("/guidance/flowchart/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_has_exactly_the_engines_questions_and_outcomes(diagram):
    assert {n.id for n in diagram.nodes if n.kind == QUESTION} == set(QUESTIONS)
    assert {n.id for n in diagram.nodes if n.kind == OUTCOME} == set(OUTCOMES)
    assert len(diagram.nodes) == len(QUESTIONS) + len(OUTCOMES)
    assert {n.id for n in diagram.nodes} == reachable_nodes()
    for node in diagram.questions:
        assert node.text == QUESTIONS[node.id].text
    for node in diagram.outcomes:
        assert node.text == OUTCOMES[node.id].title
        assert node.shares == OUTCOMES[node.id].shares


def test_it_has_exactly_the_engines_branches_and_overrides(diagram):
    edges = [(e.source, e.target, e.answer, e.kind) for e in diagram.edges]
    assert len(edges) == len(set(edges))
    assert set(edges) == _engine_edges()


def test_it_labels_every_edge_with_its_answer(diagram):
    for edge in diagram.edges:
        answer_label = QUESTIONS[edge.source].answer_labels[edge.answer]
        if edge.kind == BRANCH:
            assert edge.label == answer_label
        else:
            assert edge.label.startswith(f"{answer_label}, if ")
            assert edge.condition and edge.condition in edge.label


def test_it_shows_the_case_review_override(diagram):
    (override,) = [e for e in diagram.edges if e.kind == OVERRIDE]
    assert (override.source, override.answer, override.target) == (
        "consent",
        "no",
        "not_share_no_basis",
    )
    assert "case review about a past client" in override.label
    assert override.reason == QUESTIONS["consent"].overrides[0].reason


def test_it_numbers_the_questions_in_the_order_a_person_meets_them(diagram):
    assert diagram.questions[0].id == START
    assert [q.number for q in diagram.questions] == list(range(1, len(QUESTIONS) + 1))
    seen = {START}
    for question in diagram.questions[1:]:
        # Each question is reached from one asked before it.
        assert any(e.target == question.id and e.source in seen for e in diagram.edges)
        seen.add(question.id)


def test_it_follows_a_change_in_the_engine(monkeypatch):
    changed = dict(QUESTIONS)
    changed["purpose"] = dataclasses.replace(
        QUESTIONS["purpose"], branches={"yes": "consent", "no": "not_share_no_purpose"}
    )
    monkeypatch.setattr(diagram_module, "QUESTIONS", changed)

    edges = {(e.source, e.target, e.answer) for e in build_diagram().edges}

    assert ("purpose", "consent", "yes") in edges
    assert ("purpose", "identifiable", "yes") not in edges


def _end_points(path):
    x = y = None
    start = None
    for command, a, b in re.findall(r"([MHV])([\d.]+)(?:,([\d.]+))?", path):
        if command == "M":
            x, y = float(a), float(b)
            start = (x, y)
        elif command == "H":
            x = float(a)
        else:
            y = float(a)
    return start, (x, y)


def _on_edge(point, box, slack=3):
    x, y = point
    inside = box.x - slack <= x <= box.x + box.width + slack and (
        box.y - slack <= y <= box.y + box.height + slack
    )
    near_side = (
        min(abs(x - box.x), abs(x - box.x - box.width), abs(y - box.y), abs(y - box.y - box.height))
        <= slack
    )
    return inside and near_side


def test_it_lays_out_one_box_per_node_and_one_arrow_per_edge(diagram):
    drawn = layout(diagram)
    boxes = {box.node.id: box for box in drawn.boxes}
    assert set(boxes) == {n.id for n in diagram.nodes}
    assert [arrow.edge for arrow in drawn.arrows] == list(diagram.edges)
    for arrow in drawn.arrows:
        start, end = _end_points(arrow.path)
        assert _on_edge(start, boxes[arrow.edge.source]), arrow
        assert _on_edge(end, boxes[arrow.edge.target]), arrow
        assert arrow.labels
    for box in drawn.boxes:
        assert box.x >= 0 and box.x + box.width <= drawn.width
        assert box.y >= 0 and box.y + box.height <= drawn.height


def test_it_does_not_overlap_boxes(diagram):
    boxes = layout(diagram).boxes
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = (
                a.x + a.width <= b.x
                or b.x + b.width <= a.x
                or a.y + a.height <= b.y
                or b.y + b.height <= a.y
            )
            assert apart, (a.node.id, b.node.id)


def test_it_shows_every_question_and_outcome_on_the_flowchart_page(page_html, diagram):
    svg = page_html.split("<svg", 1)[1].split("</svg>")[0]
    words = page_html.split('id="flowchart-in-words"', 1)[1]
    for question in QUESTIONS.values():
        assert escape(question.text) in words
        for line in textwrap_lines(diagram, question.id):
            assert f">{escape(line)}</text>" in svg
    for outcome in OUTCOMES.values():
        assert escape(outcome.title) in words
        for line in textwrap_lines(diagram, outcome.id):
            assert f">{escape(line)}</text>" in svg


def textwrap_lines(diagram, node_id):
    (box,) = [b for b in layout(diagram).boxes if b.node.id == node_id]
    return [line.text for line in box.lines]


def test_it_labels_the_svg_for_assistive_technology(page_html):
    svg_tag = re.search(r"<svg[^>]*>", page_html).group()
    assert 'role="img"' in svg_tag
    labelled_by = re.search(r'aria-labelledby="([^"]+)"', svg_tag).group(1).split()
    for element_id in labelled_by:
        assert f'id="{element_id}"' in page_html
    assert "<title id=" in page_html and "<desc id=" in page_html


def test_it_reads_the_text_alternative_in_order_with_every_branch(page_html, diagram):
    words = page_html.split('id="flowchart-in-words"', 1)[1].split('id="flowchart-outcomes"')[0]
    items = re.findall(r'<li class="app-flowchart__step" id="([^"]+)">(.*?)</ul>', words, re.S)
    assert [anchor for anchor, _ in items] == [q.anchor for q in diagram.questions]
    for (_, item), question in zip(items, diagram.questions, strict=True):
        text = re.sub(r"<[^>]+>", "", item)
        text = " ".join(text.split())
        for edge in diagram.edges_from(question.id):
            target = diagram.node(edge.target)
            target_text = escape(target.text)
            if edge.kind == OVERRIDE:
                phrase = f"But if {edge.answer} and {escape(edge.condition)}: {target_text}"
            elif target.kind == QUESTION:
                phrase = f"If {edge.answer}: go to question {target.number} ({target_text})"
            else:
                phrase = f"If {edge.answer}: {target_text}"
            assert phrase in text, (question.id, phrase, text)


def test_it_puts_no_inline_style_or_script_in_the_diagram(page_html):
    section = page_html.split('<section class="app-flowchart"', 1)[1].split("</section>")[0]
    assert "style=" not in section
    assert "<script" not in section
    assert "<style" not in section
