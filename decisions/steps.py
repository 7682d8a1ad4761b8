"""The wizard's pages, declared as data, and the plan the engine makes of them.

The five flowchart questions are pages; so are the context pages before them and the
"how", "advice" and "follow-up" pages after. Which pages are on the plan is decided here,
from the answers and the engine's decision, never in a view. Pure Python: no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from decisions.flowchart import (
    NO,
    OUTCOMES,
    QUESTIONS,
    YES,
    Decision,
    GuidanceLink,
    evaluate,
    guidance_link,
)

CHECK = "check"


@dataclass(frozen=True)
class AnswerWarning:
    """An explanation some answers call for: shown on the pages that name it, while the
    practitioner can still act on it, and on the check page and the record."""

    id: str
    text: str
    applies: Callable[[Mapping], bool]


CONSENT_NOT_SOUGHT_WARNING = (
    "Consent was not sought and no reason such as risk of harm or undue delay was given. "
    "Not having asked is not in itself a reason to share without consent."
)


def _consent_not_sought(answers: Mapping) -> bool:
    return answers.get("consent") == NO and answers.get("consent_absent_reason") == "not_attempted"


WARNINGS: dict[str, AnswerWarning] = {
    w.id: w
    for w in (AnswerWarning("consent_not_sought", CONSENT_NOT_SOUGHT_WARNING, _consent_not_sought),)
}


def warnings(answers: Mapping) -> list[str]:
    """Every warning these answers call for, in declared order."""
    return [w.text for w in WARNINGS.values() if w.applies(answers)]


@dataclass(frozen=True)
class Reminder:
    """Earlier answers a page shows beside its form when they bear on it: a template, drawn
    from the answers saved so far (its context is ``decisions.forms.REMINDER_CONTEXT``)."""

    id: str
    template: str
    applies: Callable[[Mapping], bool]


def _consent_has_limits(answers: Mapping) -> bool:
    """Consent, with limits, on the path (appendix 1: "recording limitations of consent")."""
    if answers.get("consent") != YES or answers.get("consent_scope") != "limits":
        return False
    try:
        return "consent" in evaluate(answers).path
    except ValueError:
        return False


REMINDERS: dict[str, Reminder] = {
    r.id: r
    for r in (
        Reminder("consent_limits", "decisions/intro/consent_limits.html", _consent_has_limits),
    )
}


@dataclass(frozen=True)
class Step:
    id: str
    heading: str
    short: str
    hint: str = ""
    intro: str = ""  # a template shown above the form, for pages that explain
    help: str = ""
    guidance: tuple[GuidanceLink, ...] = ()
    # When this page is on the plan; None means always.
    shown: Callable[[Mapping, Decision], bool] | None = None
    is_question: bool = False
    # Ids in WARNINGS this page shows above its form when the answers call for them.
    warnings: tuple[str, ...] = ()
    # Ids in REMINDERS this page shows above its form when the answers call for them.
    reminders: tuple[str, ...] = ()
    # The page lists the earlier decisions about the case reference entered (section 13,
    # "can I share the same information again"): the wizard finds those the user may see.
    case_history: bool = False

    def on_plan(self, answers: Mapping, decision: Decision) -> bool:
        if self.is_question:
            return self.id in decision.path or self.id == decision.next_question
        return self.shown is None or self.shown(answers, decision)

    def warnings_for(self, answers: Mapping) -> list[str]:
        """The warnings this page shows, given the answers saved so far."""
        return [WARNINGS[w].text for w in self.warnings if WARNINGS[w].applies(answers)]

    def reminders_for(self, answers: Mapping) -> list[Reminder]:
        """The reminders this page shows, given the answers saved so far."""
        return [REMINDERS[r] for r in self.reminders if REMINDERS[r].applies(answers)]


def _question_step(
    question_id: str, *, warnings: tuple[str, ...] = (), case_history: bool = False
) -> Step:
    question = QUESTIONS[question_id]
    return Step(
        id=question.id,
        heading=question.text,
        short=question.short,
        hint=question.hint,
        help=question.help,
        guidance=question.guidance,
        is_question=True,
        warnings=warnings,
        case_history=case_history,
    )


def _urgent(answers: Mapping, decision: Decision) -> bool:
    return answers.get("urgent") == YES


def _finished(answers: Mapping, decision: Decision) -> bool:
    return decision.finished


def _finished_sharing(answers: Mapping, decision: Decision) -> bool:
    return bool(decision.finished and OUTCOMES[decision.outcome].shares)


def _finished_sharing_personal_data(answers: Mapping, decision: Decision) -> bool:
    """Sharing information about someone: there is a person to tell and a lawful basis."""
    return _finished_sharing(answers, decision) and OUTCOMES[decision.outcome].personal_data


STEPS: tuple[Step, ...] = (
    Step(
        id="urgent",
        heading="Is anyone at immediate risk of serious harm?",
        short="Immediate risk",
        hint="For example, a child or adult who may be hurt today if nobody acts.",
        help="If someone is in immediate danger, act first and record afterwards. This "
        "service will remind you who to contact.",
        guidance=(guidance_link("abuse-and-neglect", "act-now", "What to do at once"),),
    ),
    Step(
        id="act_now",
        heading="Contact the police or social care now",
        short="Act now",
        intro="decisions/intro/act_now.html",
        shown=_urgent,
        guidance=(guidance_link("abuse-and-neglect", "act-now", "What to do at once"),),
    ),
    Step(
        id="direction",
        heading="Who is asking for the information to be shared?",
        short="Who is asking",
        hint="Refusing another agency's request needs a manager's approval.",
        guidance=(guidance_link("recording-decisions", "manager-approval", "Manager approval"),),
    ),
    Step(
        id="about",
        heading="About the person and the other agency",
        short="Person and agency",
        hint="Use the reference from your case system, not the person's name.",
        guidance=(guidance_link("recording-decisions", "repeat-requests", "Sharing again"),),
        case_history=True,
    ),
    # The page after the case reference: the earlier decisions about it, once it is known.
    _question_step("purpose", case_history=True),
    *(_question_step(q) for q in ("identifiable", "confidential", "consent")),
    # Asked once consent is "no": if it was never sought, say so before this answer.
    _question_step("other_reason", warnings=("consent_not_sought",)),
    Step(
        id="how",
        heading="What will you share, with whom, and how?",
        short="What and how",
        hint="Share only what the other agency needs for the purpose you gave.",
        shown=_finished_sharing,
        reminders=("consent_limits",),
        guidance=(
            guidance_link("when-and-how-to-share", "how-much", "How much to share"),
            guidance_link("when-and-how-to-share", "securely", "Sharing securely"),
        ),
    ),
    Step(
        id="checks",
        heading="Check the information before you share it",
        short="Checks",
        shown=_finished_sharing,
        guidance=(
            guidance_link("when-and-how-to-share", "fact-and-opinion", "Fact and opinion"),
            guidance_link("when-and-how-to-share", "right-recipient", "The right recipient"),
        ),
    ),
    Step(
        id="informing",
        heading="Will you tell the person that their information is shared?",
        short="Telling the person",
        hint="Tell them unless that would put someone at greater risk.",
        shown=_finished_sharing_personal_data,
        guidance=(
            guidance_link(
                "consent-and-confidentiality", "telling-the-person", "Telling the person"
            ),
        ),
    ),
    Step(
        id="lawful_basis",
        heading="What is the lawful basis for sharing?",
        short="Lawful basis",
        hint="For safeguarding this is usually public task, legal obligation or vital "
        "interests, rather than consent.",
        shown=_finished_sharing_personal_data,
        guidance=(
            guidance_link("legal-framework", "lawful-bases", "Lawful bases"),
            guidance_link("legal-framework", "special-category-data", "Special category data"),
        ),
    ),
    Step(
        id="advice",
        heading="Did you seek advice about this decision?",
        short="Advice",
        shown=_finished,
        guidance=(guidance_link("getting-advice", "who-to-ask", "Who to ask"),),
    ),
    Step(
        id="follow_up",
        heading="What happens next?",
        short="Next steps",
        hint="Actions agreed, who will do them, and when the decision should be reviewed.",
        shown=_finished,
        guidance=(guidance_link("recording-decisions", "what-to-record", "What to record"),),
    ),
)

STEPS_BY_ID: dict[str, Step] = {step.id: step for step in STEPS}


@dataclass(frozen=True)
class Plan:
    decision: Decision
    steps: tuple[str, ...]
    current: str  # the first page not yet completed, or CHECK
    urgent: bool  # someone is at immediate risk: every page says who to contact now

    @property
    def complete(self) -> bool:
        return self.current == CHECK

    def can_visit(self, step_id: str) -> bool:
        """A page may be shown or posted when it is on the plan and not beyond the current."""
        if step_id == CHECK:
            return self.complete
        if step_id not in self.steps:
            return False
        return self.complete or self.steps.index(step_id) <= self.steps.index(self.current)

    def after(self, step_id: str, *, changing: bool) -> str:
        """Where to go once a page is saved: on through the pages in order, or, when
        changing an answer from the check page, to the first page still to do."""
        if changing or step_id not in self.steps:
            return self.current
        index = self.steps.index(step_id)
        return self.steps[index + 1] if index + 1 < len(self.steps) else self.current

    def previous(self, step_id: str) -> str | None:
        if step_id == CHECK:
            return self.steps[-1] if self.steps else None
        index = self.steps.index(step_id)
        return self.steps[index - 1] if index > 0 else None


def make_plan(answers: Mapping, completed: Sequence[str]) -> Plan:
    """The pages on the path for these answers and the first one still to complete."""
    decision = evaluate(answers)
    steps = tuple(step.id for step in STEPS if step.on_plan(answers, decision))
    # The question still to answer is never done, whatever the list says.
    done = set(completed) - {decision.next_question}
    current = next((step for step in steps if step not in done), CHECK)
    return Plan(decision=decision, steps=steps, current=current, urgent=_urgent(answers, decision))
