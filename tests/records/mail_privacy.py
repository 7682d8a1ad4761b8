"""What an e-mail must never carry: any answer of the demo data (free text, case references,
agencies), or the name of a person, an organisation or a team. E-mail leaves the service;
it carries a reference, what is asked and a link, nothing more."""

from __future__ import annotations

import re

from decisions import demo
from decisions.management.commands.load_demo import USERS
from records.models import DecisionRecord, Organisation, Team, User

# Yes and no answer every question: on their own they say nothing about anybody.
_SAY_NOTHING = {"yes", "no"}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple | set):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def forbidden_strings() -> set[str]:
    """Every string value of every demo answer, and every name the tests' database and the
    demo data hold."""
    found: set[str] = set()
    for outcome in demo.CASES:
        found.update(_strings(demo.finished_answers(outcome)))
    for _username, first, last, *_ in USERS:
        found.update({first, last, f"{first} {last}"})
    for user in User.objects.all():
        found.update(filter(None, [user.first_name, user.last_name, user.get_full_name()]))
    found.update(Organisation.objects.values_list("name", flat=True))
    found.update(Team.objects.values_list("name", flat=True))
    for record in DecisionRecord.objects.all():
        found.update(filter(None, [record.subject_reference, record.other_agency]))
        found.update(_strings(record.answers))
    return {value for value in found if value.strip() and value not in _SAY_NOTHING}


def leaks(text: str, forbidden: set[str]) -> list[str]:
    """The forbidden values found in ``text`` as words of their own (so the name ``Ari``
    is not found in "sharing"), whatever the case."""
    return sorted(
        value
        for value in forbidden
        if re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text, flags=re.IGNORECASE)
    )


def assert_no_personal_data(messages) -> None:
    forbidden = forbidden_strings()
    assert "DEMO-C-0001" in forbidden  # the check is looking at the demo data
    for message in messages:
        text = "\n".join(
            [
                message.subject,
                message.body,
                *(content for content, _ in getattr(message, "alternatives", [])),
            ]
        )
        assert not leaks(text, forbidden), (leaks(text, forbidden), text)
        assert not re.search(r"DEMO-[A-Z]-\d", text), text
