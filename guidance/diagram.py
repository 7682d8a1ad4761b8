"""The flowchart diagram, drawn from the rule engine's own definition.

``build_diagram()`` reads ``decisions.flowchart`` (questions, their yes/no branches and
overrides, and the outcomes) into nodes and edges; nothing here restates a rule, so the
diagram cannot disagree with the engine. ``layout()`` places the nodes on a grid for an
inline SVG: the questions down the left in the order a person meets them, an outcome to the
right of the question that first leads to it (or below the questions when that place is
taken), and any edge that cannot be a straight arrow routed along a lane at the far left.
The template draws the SVG from the layout and the ordered-list text alternative from the
diagram. All text goes through the template's escaping.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from decisions.flowchart import (
    APPROVAL_ALWAYS,
    APPROVAL_WHEN_REFUSING_REQUEST,
    OUTCOMES,
    PURPOSE_GROUNDS,
    QUESTIONS,
    START,
    GuidanceLink,
    Outcome,
    Question,
)

QUESTION, OUTCOME = "question", "outcome"
BRANCH, OVERRIDE = "branch", "override"


@dataclass(frozen=True)
class Node:
    id: str
    kind: str  # QUESTION or OUTCOME
    text: str  # the question, or the outcome's title
    number: int | None = None  # questions: 1, 2, ... in the order a person meets them
    summary: str = ""
    shares: bool | None = None
    approval: str = ""  # outcomes: when a manager must approve, in words
    guidance: tuple[GuidanceLink, ...] = ()

    @property
    def anchor(self) -> str:
        return f"flowchart-{self.kind}-{self.id.replace('_', '-')}"

    @property
    def caption(self) -> str:
        if self.kind == QUESTION:
            return f"Question {self.number}"
        return "Outcome"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    answer: str  # "yes" or "no"
    kind: str  # BRANCH or OVERRIDE
    label: str  # "Yes", "No", or "No, if the only purpose given is ..."
    condition: str = ""  # overrides: when the override applies, in words
    reason: str = ""  # overrides: why


@dataclass(frozen=True)
class Diagram:
    nodes: tuple[Node, ...]  # questions in order, then outcomes in the order first reached
    edges: tuple[Edge, ...]

    def node(self, node_id: str) -> Node:
        return next(node for node in self.nodes if node.id == node_id)

    @property
    def questions(self) -> tuple[Node, ...]:
        return tuple(node for node in self.nodes if node.kind == QUESTION)

    @property
    def outcomes(self) -> tuple[Node, ...]:
        return tuple(node for node in self.nodes if node.kind == OUTCOME)

    def edges_from(self, node_id: str) -> tuple[Edge, ...]:
        return tuple(edge for edge in self.edges if edge.source == node_id)

    @property
    def steps(self) -> list[dict]:
        """For the text alternative: each question with its edges and their targets."""
        return [
            {
                "node": question,
                "edges": [
                    {"edge": edge, "target": self.node(edge.target)}
                    for edge in self.edges_from(question.id)
                ],
            }
            for question in self.questions
        ]


def _reading_order() -> tuple[list[str], list[str]]:
    """Questions and outcomes in the order a person meets them, walking from START."""
    questions: list[str] = []
    outcomes: list[str] = []
    todo = [START]
    while todo:
        node = todo.pop(0)
        if node in questions or node in outcomes:
            continue
        if node in QUESTIONS:
            questions.append(node)
            question = QUESTIONS[node]
            todo.extend(question.branches.values())
            todo.extend(override.target for override in question.overrides)
        elif node in OUTCOMES:
            outcomes.append(node)
    # Anything not reachable from the start still appears, so nothing is hidden.
    questions += [q for q in QUESTIONS if q not in questions]
    outcomes += [o for o in OUTCOMES if o not in outcomes]
    return questions, outcomes


def _grounds_condition(grounds: frozenset[str]) -> str:
    labels = [PURPOSE_GROUNDS.get(g, g).lower() for g in sorted(grounds)]
    if not labels:
        return "no purpose was given"
    if len(labels) == 1:
        return f"the only purpose given is {labels[0]}"
    return f"the purposes given are exactly these: {'; '.join(labels)}"


def _approval_words(outcome: Outcome) -> str:
    if outcome.approval == APPROVAL_ALWAYS:
        return (
            "A manager must approve: before you share, or straight afterwards when someone "
            "is at immediate risk."
        )
    if outcome.approval == APPROVAL_WHEN_REFUSING_REQUEST:
        return "If another agency asked, a manager must approve the refusal before you tell them."
    return ""


def _question_node(question: Question, number: int) -> Node:
    return Node(
        id=question.id,
        kind=QUESTION,
        text=question.text,
        number=number,
        summary=question.hint,
        guidance=question.guidance,
    )


def _outcome_node(outcome: Outcome) -> Node:
    return Node(
        id=outcome.id,
        kind=OUTCOME,
        text=outcome.title,
        summary=outcome.summary,
        shares=outcome.shares,
        approval=_approval_words(outcome),
        guidance=outcome.guidance,
    )


def _edges(question: Question) -> list[Edge]:
    edges = []
    for answer, target in question.branches.items():
        label = question.answer_labels.get(answer, answer.capitalize())
        edges.append(Edge(question.id, target, answer, BRANCH, label))
    for override in question.overrides:
        label = question.answer_labels.get(override.answer, override.answer.capitalize())
        condition = _grounds_condition(override.when_grounds_exactly)
        edges.append(
            Edge(
                question.id,
                override.target,
                override.answer,
                OVERRIDE,
                f"{label}, if {condition}",
                condition=condition,
                reason=override.reason,
            )
        )
    return edges


@dataclass(frozen=True)
class PathMarks:
    """The boxes and arrows one decision went through, to draw it over the diagram."""

    nodes: frozenset[str]
    edges: frozenset[Edge]

    def has_box(self, box: Box) -> bool:
        return box.node.id in self.nodes

    def has_arrow(self, arrow: Arrow) -> bool:
        return arrow.edge in self.edges


def path_marks(
    diagram: Diagram, path: Sequence[str], outcome: str, answers: Mapping | None = None
) -> PathMarks:
    """The questions on ``path``, the ``outcome`` it reached, and the arrow each answer took.

    With the answers, an arrow is picked by the answer given as well as where it leads, so an
    exception (a dashed override) and a plain branch are told apart; without them, any arrow
    from one box on the path to the next is marked. Ids the diagram does not know (a path
    decided under other rules) are left out rather than guessed at.
    """
    known = {node.id for node in diagram.nodes}
    stops = [node for node in [*path, outcome] if node]
    edges = set()
    for source, target in zip(stops, stops[1:], strict=False):
        answer = (answers or {}).get(source)
        for edge in diagram.edges_from(source):
            if edge.target == target and (answer is None or edge.answer == answer):
                edges.add(edge)
    return PathMarks(nodes=frozenset(n for n in stops if n in known), edges=frozenset(edges))


def build_diagram() -> Diagram:
    question_ids, outcome_ids = _reading_order()
    nodes = [_question_node(QUESTIONS[q], n) for n, q in enumerate(question_ids, start=1)]
    nodes += [_outcome_node(OUTCOMES[o]) for o in outcome_ids]
    edges = [edge for q in question_ids for edge in _edges(QUESTIONS[q])]
    return Diagram(nodes=tuple(nodes), edges=tuple(edges))


# --- Layout for the SVG ----------------------------------------------------------------

FONT_SIZE = 15
LABEL_FONT_SIZE = 14
LINE_HEIGHT = 20
LABEL_LINE_HEIGHT = 17
CHAR_WIDTH = 0.56  # of the font size: a safe average for the sans-serif stack
PADDING = 12
COLUMN_WIDTHS = (300, 270)
COLUMN_GAP = 130
ROW_GAP = 56
MARGIN = 8
LANE_LABEL_WIDTH = 150  # room at the left for the labels of routed edges
LANE_STEP = 14


@dataclass(frozen=True)
class TextLine:
    x: float
    y: float
    text: str
    strong: bool = False


@dataclass(frozen=True)
class Box:
    node: Node
    x: float
    y: float
    width: float
    height: float
    lines: tuple[TextLine, ...]

    @property
    def css_class(self) -> str:
        if self.node.kind == QUESTION:
            return "app-flowchart__box app-flowchart__box--question"
        modifier = "share" if self.node.shares else "not-share"
        return f"app-flowchart__box app-flowchart__box--{modifier}"


@dataclass(frozen=True)
class Arrow:
    edge: Edge
    path: str
    labels: tuple[TextLine, ...]
    anchor: str  # text-anchor for the label lines

    @property
    def css_class(self) -> str:
        return f"app-flowchart__edge app-flowchart__edge--{self.edge.kind}"


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]


def _wrap(text: str, width_px: float, font_size: int) -> list[str]:
    chars = max(8, int(width_px / (font_size * CHAR_WIDTH)))
    return textwrap.wrap(text, chars) or [""]


def _place(diagram: Diagram) -> dict[str, tuple[int, int]]:
    """Grid cell (row, column) of each node."""
    cells: dict[str, tuple[int, int]] = {}
    taken: set[tuple[int, int]] = set()
    for row, question in enumerate(diagram.questions):
        cells[question.id] = (row, 0)
        taken.add((row, 0))
    next_row = len(diagram.questions)
    for edge in diagram.edges:  # branches first reached take the best places
        if edge.target in cells:
            continue
        row = cells[edge.source][0]
        if (row, 1) not in taken:
            cells[edge.target] = (row, 1)
        else:
            cells[edge.target] = (next_row, 0)
            next_row += 1
        taken.add(cells[edge.target])
    for node in diagram.outcomes:  # outcomes no question leads to
        if node.id not in cells:
            cells[node.id] = (next_row, 0)
            next_row += 1
    return cells


def layout(diagram: Diagram) -> Layout:
    cells = _place(diagram)
    routed = [
        edge for edge in diagram.edges if not _straight(cells[edge.source], cells[edge.target])
    ]
    left = MARGIN + (LANE_LABEL_WIDTH + LANE_STEP * len(routed) if routed else 0)
    column_x = (left, left + COLUMN_WIDTHS[0] + COLUMN_GAP)

    # Text of each box, and so the height of each row.
    texts: dict[str, list[str]] = {}
    for node in diagram.nodes:
        width = COLUMN_WIDTHS[cells[node.id][1]] - 2 * PADDING
        texts[node.id] = _wrap(node.text, width, FONT_SIZE)
    rows = max(row for row, _ in cells.values()) + 1
    row_height = [0.0] * rows
    for node_id, (row, _) in cells.items():
        height = 2 * PADDING + LINE_HEIGHT * (len(texts[node_id]) + 1)
        row_height[row] = max(row_height[row], height)
    row_y = [MARGIN]
    for row in range(1, rows):
        row_y.append(row_y[-1] + row_height[row - 1] + ROW_GAP)

    boxes: dict[str, Box] = {}
    for node in diagram.nodes:
        row, column = cells[node.id]
        x, y = column_x[column], row_y[row]
        lines = [TextLine(x + PADDING, y + PADDING + LINE_HEIGHT * 0.8, node.caption, True)]
        lines += [
            TextLine(x + PADDING, y + PADDING + LINE_HEIGHT * (i + 1.8), text)
            for i, text in enumerate(texts[node.id])
        ]
        boxes[node.id] = Box(node, x, y, COLUMN_WIDTHS[column], row_height[row], tuple(lines))

    arrows = []
    for edge in diagram.edges:
        source, target = boxes[edge.source], boxes[edge.target]
        if edge in routed:
            arrows.append(_routed_arrow(edge, source, target, routed.index(edge), left))
        else:
            arrows.append(_straight_arrow(edge, source, target))

    width = column_x[1] + COLUMN_WIDTHS[1] + MARGIN
    height = row_y[-1] + row_height[-1] + MARGIN
    return Layout(width, height, tuple(boxes[n.id] for n in diagram.nodes), tuple(arrows))


def _straight(source: tuple[int, int], target: tuple[int, int]) -> bool:
    (source_row, source_column), (target_row, target_column) = source, target
    below = source_column == target_column and target_row == source_row + 1
    beside = source_row == target_row and target_column == source_column + 1
    return below or beside


def _straight_arrow(edge: Edge, source: Box, target: Box) -> Arrow:
    if target.x > source.x:  # beside: left to right, the label above the line
        y = source.y + source.height / 2
        x1, x2 = source.x + source.width, target.x
        label = TextLine((x1 + x2) / 2, y - 8, edge.label, True)
        return Arrow(edge, f"M{x1:g},{y:g} H{x2 - 2:g}", (label,), "middle")
    x = source.x + source.width / 2  # below: top to bottom, the label to its right
    y1, y2 = source.y + source.height, target.y
    label = TextLine(x + 10, (y1 + y2) / 2 + 5, edge.label, True)
    return Arrow(edge, f"M{x:g},{y1:g} V{y2 - 2:g}", (label,), "start")


def _routed_arrow(edge: Edge, source: Box, target: Box, lane: int, left: float) -> Arrow:
    """Out of the source's left side, along a lane at the far left, into the target's left
    (for a target in the right-hand column, along the gap between the columns instead)."""
    y1 = source.y + source.height / 2
    y2 = target.y + target.height / 2
    if target.x > source.x:
        lane_x = source.x + source.width + LANE_STEP * (lane + 1)
        path = f"M{source.x + source.width:g},{y1 + 10:g} H{lane_x:g} V{y2:g} H{target.x - 2:g}"
    else:
        lane_x = left - LANE_STEP * (lane + 1)
        path = f"M{source.x:g},{y1:g} H{lane_x:g} V{y2:g} H{target.x - 2:g}"
    lines = _wrap(edge.label, LANE_LABEL_WIDTH - 2 * MARGIN, LABEL_FONT_SIZE)
    top = (y1 + y2) / 2 - LABEL_LINE_HEIGHT * (len(lines) - 1) / 2
    labels = tuple(
        TextLine(lane_x - 6, top + LABEL_LINE_HEIGHT * i + 5, text, i == 0)
        for i, text in enumerate(lines)
    )
    return Arrow(edge, path, labels, "end")
