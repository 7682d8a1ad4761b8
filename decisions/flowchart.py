"""The information-sharing flowchart, declared as data, and the engine that walks it.

Source: the local multi-agency guidance (2018), sections 11 and 13, and the flowchart
on its page 10. The behaviour contract is ``shared/design/flowchart.md``.

This module is pure Python: no Django, no database. The wizard, the check-answers page,
the record snapshot and the diagram on the guidance pages all read this one definition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

FLOWCHART_VERSION = "2018.1"

YES, NO = "yes", "no"
YES_NO = (YES, NO)


@dataclass(frozen=True)
class GuidanceLink:
    slug: str
    anchor: str
    label: str

    @property
    def href(self) -> str:
        return f"/guidance/{self.slug}/#{self.anchor}"


@dataclass(frozen=True)
class Override:
    """Send an answer somewhere else when the context says so (e.g. the case-review rule)."""

    answer: str
    when_grounds_exactly: frozenset[str]
    target: str
    reason: str


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    short: str
    hint: str
    help: str
    source: str
    branches: Mapping[str, str]
    guidance: tuple[GuidanceLink, ...] = ()
    overrides: tuple[Override, ...] = ()
    answer_labels: Mapping[str, str] = field(default_factory=lambda: {YES: "Yes", NO: "No"})

    def target_for(self, answer: str, grounds: frozenset[str]) -> str:
        for override in self.overrides:
            if override.answer == answer and grounds == override.when_grounds_exactly:
                return override.target
        return self.branches[answer]


# How approval works for an outcome.
APPROVAL_NEVER = "never"
APPROVAL_ALWAYS = "always"
APPROVAL_WHEN_REFUSING_REQUEST = "when_refusing_request"

PRIOR, RETROSPECTIVE = "prior", "retrospective"


@dataclass(frozen=True)
class Outcome:
    id: str
    title: str
    summary: str
    next_steps: tuple[str, ...]
    shares: bool
    approval: str
    urgent_timing: str
    source: str
    guidance: tuple[GuidanceLink, ...] = ()
    # Whether what is shared is personal data: information that identifies nobody is not, so
    # there is nobody to tell and no lawful basis to give (the wizard's plan reads this).
    personal_data: bool = True

    def approval_for(self, *, direction: str, urgent: str) -> str | None:
        """The approval timing this outcome needs in this context, or None."""
        needed = self.approval == APPROVAL_ALWAYS or (
            self.approval == APPROVAL_WHEN_REFUSING_REQUEST and direction == "request"
        )
        if not needed:
            return None
        return self.urgent_timing if urgent == YES else PRIOR


def guidance_link(slug: str, anchor: str, label: str) -> GuidanceLink:
    return GuidanceLink(slug=slug, anchor=anchor, label=label)


# Context answers asked before the five questions.
DIRECTIONS = {
    "proactive": "I want to share information",
    "request": "Another agency has asked us for information",
}
URGENCY = {YES: "Yes, someone is at immediate risk", NO: "No"}
PURPOSE_GROUNDS = {
    "divert_offending": "To divert someone from offending",
    "protect_from_harm": "To protect a child or adult from harm",
    "protect_staff": "To protect staff or others from harm",
    "address_risk": "To understand and address a risk",
    "alert_need": "To alert another agency to a need for support",
    "case_review": "For a case review about a past client",
    "other": "Another purpose",
}
CONTEXT_DEFAULTS = {"direction": "proactive", "urgent": NO}

START = "purpose"

QUESTIONS: dict[str, Question] = {
    q.id: q
    for q in (
        Question(
            id="purpose",
            text="Is there a clear and legitimate purpose for sharing this information?",
            short="Purpose",
            hint="Think about what sharing would achieve for the child, adult or others.",
            help=(
                "A legitimate purpose is one linked to keeping someone safe or meeting their "
                "needs: protecting them from harm, preventing crime, or getting them support. "
                "Curiosity or convenience is not enough. Write the purpose in your own words so "
                "anyone reading the record later understands it."
            ),
            source="Section 11 'When?'; section 13 'Is there a legitimate purpose'",
            branches={YES: "identifiable", NO: "not_share_no_purpose"},
            guidance=(
                guidance_link("when-and-how-to-share", "purpose", "Is there a clear purpose?"),
                guidance_link(
                    "principles", "necessary-and-proportionate", "Necessary and proportionate"
                ),
                guidance_link("faq", "legitimate-purpose", "FAQ: what is a legitimate purpose?"),
            ),
        ),
        Question(
            id="identifiable",
            text="Does the information let someone identify a living person?",
            short="Identifiable",
            hint="Include names, addresses, dates of birth, photos, and details that together "
            "point to one person.",
            help=(
                "If nobody could work out who the information is about, data protection and "
                "confidentiality do not stop you sharing it. Remember that a few details "
                "together, such as a school, an age and a street, can identify someone."
            ),
            source="Section 11 'Does the information enable an individual to be identified?'",
            branches={YES: "confidential", NO: "share_not_identifiable"},
            guidance=(
                guidance_link(
                    "when-and-how-to-share", "identifiable", "Can a person be identified?"
                ),
            ),
        ),
        Question(
            id="confidential",
            text="Is the information confidential?",
            short="Confidential",
            hint="Was it given in confidence, or would the person expect it to stay private?",
            help=(
                "Information is confidential when it is not already publicly known and was "
                "shared with an expectation that it would be kept private, for example in a "
                "health or counselling setting. Information that is already widely known, or "
                "was given for the purpose of being passed on, is not confidential."
            ),
            source="Section 11 'Is the information confidential?'",
            branches={YES: "consent", NO: "share_not_confidential"},
            guidance=(
                guidance_link("when-and-how-to-share", "confidential", "Is it confidential?"),
                guidance_link("faq", "respecting-trust", "FAQ: respecting a client's trust"),
            ),
        ),
        Question(
            id="consent",
            text="Do you have consent to share?",
            short="Consent",
            hint="Consent must be informed, freely given, current and specific to this sharing.",
            help=(
                "Seeking agreement is good practice, unless doing so would put someone at "
                "greater risk, harm the prevention or detection of serious crime, or cause "
                "undue delay. Not having asked is not a reason in itself: if you did not seek "
                "consent, record why. For safeguarding, consent is usually not the lawful "
                "basis under data protection law, but being open with people still matters. "
                "If the consent has limits, record them (appendix 1 asks for the limits of "
                "consent to be recorded): which agencies, which information, until when, and "
                "anything the person wants kept back."
            ),
            source="Section 11 'Do you have consent?'; section 13; appendix 1",
            branches={YES: "share_with_consent", NO: "other_reason"},
            guidance=(
                guidance_link(
                    "consent-and-confidentiality", "informed-consent", "Informed consent"
                ),
                guidance_link(
                    "consent-and-confidentiality",
                    "when-not-to-seek-consent",
                    "When not to seek consent",
                ),
                guidance_link(
                    "consent-and-confidentiality", "children-and-consent", "Children and consent"
                ),
                guidance_link(
                    "mental-capacity", "five-principles", "Mental capacity: five principles"
                ),
            ),
            overrides=(
                Override(
                    answer=NO,
                    when_grounds_exactly=frozenset({"case_review"}),
                    target="not_share_no_basis",
                    reason="Sharing for a case review about a past client needs their consent.",
                ),
            ),
        ),
        Question(
            id="other_reason",
            text="Is there another reason to share without consent?",
            short="Reason to share without consent",
            hint="The public interest, someone's vital interests, or a legal duty or power.",
            help=(
                "You may share without consent when there is evidence or reasonable cause to "
                "believe that a child is suffering or likely to suffer significant harm, or an "
                "adult serious harm; to prevent serious crime; to protect someone's life; or "
                "when a court order or a legal duty or power requires it. Weigh what could "
                "happen if you share against what could happen if you do not."
            ),
            source="Section 11; section 13 'Is there a legitimate reason to share without "
            "consent?' and 'What is meant by public interest?'",
            branches={YES: "share_without_consent", NO: "not_share_no_basis"},
            guidance=(
                guidance_link(
                    "consent-and-confidentiality",
                    "disclosure-without-consent",
                    "Sharing without consent",
                ),
                guidance_link(
                    "consent-and-confidentiality", "public-interest", "The public interest"
                ),
                guidance_link("consent-and-confidentiality", "vital-interests", "Vital interests"),
                guidance_link(
                    "legal-framework", "legal-duties-and-powers", "Legal duties and powers"
                ),
            ),
        ),
    )
}

_APPROVAL_GUIDANCE = guidance_link("recording-decisions", "manager-approval", "Manager approval")
_HOW_GUIDANCE = guidance_link("when-and-how-to-share", "how", "How to share")

OUTCOMES: dict[str, Outcome] = {
    o.id: o
    for o in (
        Outcome(
            id="not_share_no_purpose",
            title="Do not share: there is no clear and legitimate purpose",
            summary="Without a clear, legitimate purpose the information should not be shared.",
            next_steps=(
                "Record why there was no purpose to share.",
                "If another agency asked, tell them the request was refused and why, once a "
                "manager has approved the refusal.",
                "Think again if the situation changes.",
            ),
            shares=False,
            approval=APPROVAL_WHEN_REFUSING_REQUEST,
            urgent_timing=PRIOR,
            source="Section 11; section 13 'Decisions to ... refuse a request ... must be "
            "approved'",
            guidance=(_APPROVAL_GUIDANCE,),
        ),
        Outcome(
            id="share_not_identifiable",
            title="You can share: nobody can be identified",
            summary="The information does not identify a living person, so you can share it. "
            "Consider how.",
            next_steps=("Share only what is needed, securely.", "Record what you shared."),
            shares=True,
            approval=APPROVAL_NEVER,
            urgent_timing=PRIOR,
            source="Section 11 flowchart",
            guidance=(_HOW_GUIDANCE,),
            personal_data=False,
        ),
        Outcome(
            id="share_not_confidential",
            title="You can share: the information is not confidential",
            summary="The information is not confidential, so you can share it. Consider how.",
            next_steps=("Share only what is needed, securely.", "Record what you shared."),
            shares=True,
            approval=APPROVAL_NEVER,
            urgent_timing=PRIOR,
            source="Section 11 flowchart",
            guidance=(_HOW_GUIDANCE,),
        ),
        Outcome(
            id="share_with_consent",
            title="You can share with consent",
            summary="You have consent, so you can share. Consider how, and with which "
            "organisations.",
            next_steps=(
                "Share only what the consent covers, securely.",
                "Keep consent under review: it can be withdrawn.",
                "Record what you shared, with whom and why.",
            ),
            shares=True,
            approval=APPROVAL_NEVER,
            urgent_timing=PRIOR,
            source="Section 11 flowchart; section 13 'Has consent been given?'",
            guidance=(
                _HOW_GUIDANCE,
                guidance_link(
                    "consent-and-confidentiality",
                    "keeping-consent-current",
                    "Keeping consent current",
                ),
            ),
        ),
        Outcome(
            id="share_without_consent",
            title="You can share without consent, with a manager's approval",
            summary="There is a reason to share without consent. A manager must approve the "
            "decision: before you share, or straight after when someone is at immediate risk.",
            next_steps=(
                "Share only what is necessary and proportionate, securely.",
                "Tell the person that you shared, unless that would increase the risk.",
                "A manager reviews the decision.",
            ),
            shares=True,
            approval=APPROVAL_ALWAYS,
            urgent_timing=RETROSPECTIVE,
            source="Section 11 flowchart; section 13 'Decisions to share without consent ... "
            "must be approved'",
            guidance=(
                _HOW_GUIDANCE,
                _APPROVAL_GUIDANCE,
                guidance_link(
                    "consent-and-confidentiality", "telling-the-person", "Telling the person"
                ),
            ),
        ),
        Outcome(
            id="not_share_no_basis",
            title="Do not share: there is no consent and no other reason to share",
            summary="Without consent or another lawful reason, the information should not be "
            "shared.",
            next_steps=(
                "Record the decision and why.",
                "If another agency asked, a manager must approve the refusal before you tell them.",
                "Think again if the risk changes, and seek consent again where it is safe.",
            ),
            shares=False,
            approval=APPROVAL_WHEN_REFUSING_REQUEST,
            urgent_timing=PRIOR,
            source="Section 11 flowchart; section 13",
            guidance=(
                _APPROVAL_GUIDANCE,
                guidance_link("disagreements-and-escalation", "escalate", "If agencies disagree"),
            ),
        ),
    )
}

KNOWN_KEYS = ("direction", "urgent", "purpose_grounds", *QUESTIONS)


@dataclass(frozen=True)
class Decision:
    outcome: str | None
    next_question: str | None
    path: list[str]
    requires_approval: bool
    approval_timing: str | None

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    @property
    def shares(self) -> bool | None:
        return OUTCOMES[self.outcome].shares if self.outcome else None


def _check_choice(key: str, value: object, allowed) -> None:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{key}: {value!r} is not one of {sorted(allowed)}")


def validate(answers: Mapping) -> None:
    """Raise ValueError naming the key when any known key holds a value it cannot hold."""
    if not isinstance(answers, Mapping):
        raise ValueError("answers: expected a mapping")
    if "direction" in answers:
        _check_choice("direction", answers["direction"], DIRECTIONS)
    if "urgent" in answers:
        _check_choice("urgent", answers["urgent"], YES_NO)
    if "purpose_grounds" in answers:
        grounds = answers["purpose_grounds"]
        if not isinstance(grounds, list | tuple):
            raise ValueError(f"purpose_grounds: expected a list, got {grounds!r}")
        for ground in grounds:
            _check_choice("purpose_grounds", ground, PURPOSE_GROUNDS)
    for key in QUESTIONS:
        if key in answers:
            _check_choice(key, answers[key], YES_NO)


def evaluate(answers: Mapping) -> Decision:
    """Walk the flowchart with these answers. Pure: reads the mapping, changes nothing."""
    validate(answers)
    direction = answers.get("direction", CONTEXT_DEFAULTS["direction"])
    urgent = answers.get("urgent", CONTEXT_DEFAULTS["urgent"])
    grounds = frozenset(answers.get("purpose_grounds", ()))

    path: list[str] = []
    node = START
    while node in QUESTIONS:
        if node not in answers:
            return Decision(None, node, path, False, None)
        path.append(node)
        node = QUESTIONS[node].target_for(answers[node], grounds)

    timing = OUTCOMES[node].approval_for(direction=direction, urgent=urgent)
    return Decision(node, None, path, timing is not None, timing)


def reachable_nodes() -> set[str]:
    """Every question and outcome reachable from the start (used by structure tests)."""
    seen: set[str] = set()
    todo = [START]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        if node in QUESTIONS:
            question = QUESTIONS[node]
            todo.extend(question.branches.values())
            todo.extend(o.target for o in question.overrides)
    return seen
