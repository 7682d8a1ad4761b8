"""The scale section of `make bench`: every list, queue and search page at 100,000 records.

Seeds 4 organisations of 5 teams (a manager and 5 practitioners each) and an auditor, then
BENCH_RECORDS submitted records (default 100,000) copied from real submitted records made
with decisions.demo (so each row carries about 7 KB of JSON, as in production), with
submission dates spread over 3 years. The first 1,000 hold every record awaiting a manager
(a few hundred, some overdue, spread over the teams); the rest are recorded. Each record
has its own case reference, one of 40 agencies, a lawful basis drawn as a partnership's
shares would have them, and reasons: the template's own words plus three sentences drawn
from a pool (a topic word such as "neglect" is in about 20% of records, "trafficking" in
about 0.5%). Each page is measured once at 1,000 records and again at BENCH_RECORDS, so the
same queue is timed over a table a hundred times larger.

Managers have decided the recorded records that needed them, as a partnership's would be:
of the prior approvals (a fifth of the records) most approved at the first round, some
returned once and approved when resubmitted, a few rejected; a share of urgent shares
(``URGENT_RECORDED``) endorsed after the event or given a concern. Each decision comes
hours to a few weeks after its round's submission (``TURNAROUND_DAYS``), so the turnaround
figures are worked out over realistic working days, weekends and bank holidays included.
Each record's start and submission are in the audit trail, chained (``Seeder.audit_history``).

The auditor's /records/ is timed unfiltered, with each filter alone (a value chosen as a
search would use it), sorted oldest first, and deep in the list (the page that starts half
way down, the keyset page that replaced page 2,000 of 25).

Prints medians in ms, the ratio to the sign-in page (timed between the page's own samples,
so that a machine busy with something else for a while moves both), the median of each
sample's ratio to the sign-in page timed just before it ("paired"), the ratio at
BENCH_RECORDS to at 1,000, and the SQL queries each page issues. Never asserts a time. The
managers' and the auditor's sessions are verified with a second factor, as REQUIRE_MFA asks
with DEBUG off.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import statistics
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from decisions import demo
from records import audit, insight_counts, search, selectors
from records.mfa import mfa_required
from records.models import (
    AuditEvent,
    DecisionRecord,
    ManagerDecision,
    Organisation,
    Submission,
    Team,
    User,
)

State = DecisionRecord.State

ORGANISATIONS = 4
TEAMS_PER_ORGANISATION = 5
PRACTITIONERS_PER_TEAM = 5
BATCH = 5_000
SMALL = 1_000  # the first round of measurements
AWAITING = 400  # records awaiting a manager, all within the first SMALL records
TIME_BUDGET = 3.0  # seconds of samples per page and round (at least 5, at most 30 samples)
YEARS = 3

# What the recorded records were, roughly as often as a partnership sees each.
RECORDED_MIX = {
    "share_with_consent": 40,
    "share_not_confidential": 20,
    "share_without_consent": 15,
    "share_not_identifiable": 10,
    "not_share_no_purpose": 10,
    "not_share_no_basis": 5,
}
# A shared record's Article 6 basis, roughly as often as a partnership's shares have each.
LAWFUL_BASES = {
    "public_task": 60,
    "legal_obligation": 12,
    "consent": 18,
    "vital_interests": 6,
    "legitimate_interests": 4,
}
AGENCIES = [
    f"{place} {kind} (fictional)"
    for place in ("Northshire", "Riverside", "Eastmoor", "Westfield", "Southdale")
    for kind in (
        "Police",
        "Council children's services",
        "Council adult social care",
        "Primary School",
        "Academy",
        "NHS Trust",
        "GP practice",
        "Housing association",
    )
]
TOPICS = [
    "neglect",
    "domestic abuse",
    "school attendance",
    "self-harm",
    "substance misuse",
    "missing episodes",
    "bruising",
    "housing conditions",
    "online grooming",
    "financial abuse",
    "hoarding",
    "mental health crisis",
    "exploitation by older peers",
    "young carer",
]
REASON_SENTENCES = [
    f"{opening} {topic}{closing}"
    for topic in TOPICS
    for opening, closing in (
        ("Fictional example: the school raised concerns about", "."),
        ("Fictional example: a neighbour reported", " at the address last week."),
        ("Fictional example: the health visitor noted signs of", " at the last visit."),
    )
]
RARE_SENTENCE = "Fictional example: there are indications of trafficking; the police lead."
RARE_SHARE = 0.005
# Recorded urgent shares (shared first, reviewed by a manager afterwards), of all recorded.
URGENT_RECORDED = 0.04
# Drafts started and never submitted, one for every fifty decisions: nothing deletes a draft,
# so a partnership's accumulate. No list of decisions shows them, but every list walks the
# date order, where a draft (with no submission time) sorts first on PostgreSQL.
DRAFTS_PER_DECISION = 1 / 50
# What managers made of the prior approvals and urgent shares they decided.
APPROVAL_ENDINGS = {"approved": 80, "returned then approved": 12, "rejected": 8}
REVIEW_ENDINGS = {"endorsed": 92, "concern": 8}
# Calendar days from a round's submission to the manager's decision, and how often.
TURNAROUND_DAYS = {0: 15, 1: 25, 2: 20, 3: 12, 4: 10, 6: 8, 9: 6, 15: 4}
COMMENTS = {
    "returned": "Fictional example: say which lawful basis applies and why.",
    "rejected": "Fictional example: the risk does not meet the threshold for sharing.",
    "concern": "Fictional example: the police should have been asked first.",
}

COPIED_FIELDS = (
    "answers",
    "completed_steps",
    "flowchart_version",
    "outcome",
    "path",
    "shares",
    "requires_approval",
    "approval_timing",
    "snapshot",
    "outcome_title",
    "grounds_summary",
    "direction",
    "urgent",
    "subject_type",
    "review_date",
)


@dataclass
class People:
    teams: list[Team]
    members: dict[int, list[int]]  # team id -> user ids that decide (practitioners, manager)
    practitioners: dict[int, list[int]]
    managers: dict[int, int]  # team id -> the user id of its manager
    manager: User  # manages teams[0]
    practitioner: User  # in teams[0]
    auditor: User


def seed_people() -> People:
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Bench organisation {o + 1}", kind=kind)
        for o, kind in enumerate(["council", "school", "health", "police"][:ORGANISATIONS])
    )
    teams = Team.objects.bulk_create(
        Team(organisation=organisation, name=f"Bench team {t + 1}")
        for organisation in organisations
        for t in range(TEAMS_PER_ORGANISATION)
    )
    users = []
    for n, team in enumerate(teams):
        common = {"organisation_id": team.organisation_id, "team": team}
        users.append(User(username=f"bench-manager-{n}", role=User.Role.MANAGER, **common))
        users += [
            User(username=f"bench-practitioner-{n}-{p}", **common)
            for p in range(PRACTITIONERS_PER_TEAM)
        ]
    users.append(User(username="bench-auditor", role=User.Role.AUDITOR))
    for user in users:
        user.set_unusable_password()  # hashing 121 passwords would take longer than seeding
    users = User.objects.bulk_create(users)
    managers = [user for user in users if user.role == User.Role.MANAGER]
    User.managed_teams.through.objects.bulk_create(
        User.managed_teams.through(user_id=manager.pk, team_id=manager.team_id)
        for manager in managers
    )
    practitioners = {team.pk: [] for team in teams}
    members = {team.pk: [] for team in teams}
    for user in users:
        if user.team_id:
            members[user.team_id].append(user.pk)
            if user.role == User.Role.PRACTITIONER:
                practitioners[user.team_id].append(user.pk)
    return People(
        teams=teams,
        members=members,
        practitioners=practitioners,
        managers={manager.team_id: manager.pk for manager in managers},
        manager=managers[0],
        practitioner=User.objects.get(pk=practitioners[teams[0].pk][0]),
        auditor=users[-1],
    )


def make_templates() -> dict[str, DecisionRecord]:
    """Real submitted records, by an author in no team (so no queue and no e-mail sees them)."""
    author = User.objects.create_user("bench-template-author", password=None)
    templates = {
        name: demo.create_submitted(author=author, answers=demo.finished_answers(name))
        for name in demo.CASES
    }
    templates["urgent_share"] = demo.create_submitted(
        author=author, answers=demo.finished_answers("share_without_consent", urgent="yes")
    )
    assert templates["urgent_share"].state == State.AWAITING_REVIEW
    assert templates["share_without_consent"].state == State.AWAITING_APPROVAL
    assert templates["not_share_no_basis"].state == State.AWAITING_APPROVAL
    return templates


def json_bytes(record: DecisionRecord) -> int:
    return sum(
        len(json.dumps(getattr(record, field)))
        for field in ("answers", "completed_steps", "path", "snapshot")
    )


class Seeder:
    def __init__(self, people: People, templates: dict[str, DecisionRecord]):
        self.people = people
        self.templates = templates
        self.rng = random.Random(7)  # noqa: S311 - the same records every run
        self.now = timezone.now()
        self.recorded_names = list(RECORDED_MIX)
        self.recorded_weights = list(RECORDED_MIX.values())
        self.bases = list(LAWFUL_BASES)
        self.base_weights = list(LAWFUL_BASES.values())
        self.json_total = 0
        self.count = 0
        self.decided = 0  # managers' decisions seeded
        self.audited = 0  # audit events seeded
        self.drafts = 0  # drafts seeded

    def _awaiting(self, i: int) -> tuple[DecisionRecord, str, datetime.datetime]:
        """Spread over the teams; a quarter submitted today, half in the last three weeks
        (overdue), a quarter at any time in the last three years (long overdue)."""
        nth = i // len(self.people.teams)  # the team's first, second, ... such record
        if nth % 4 == 0:
            template, state = self.templates["urgent_share"], State.AWAITING_REVIEW
        elif nth % 4 == 1:
            template, state = self.templates["not_share_no_basis"], State.AWAITING_APPROVAL
        else:
            template, state = self.templates["share_without_consent"], State.AWAITING_APPROVAL
        bucket = (nth // 4) % 4
        if bucket == 0:
            ago = datetime.timedelta(minutes=self.rng.uniform(1, 120))
        elif bucket in (1, 2):
            ago = datetime.timedelta(days=self.rng.uniform(3, 21))
        else:
            ago = datetime.timedelta(days=self.rng.uniform(21, 365 * YEARS))
        return template, state, self.now - ago

    def record(self, i: int) -> DecisionRecord:
        if i < AWAITING:
            team = self.people.teams[i % len(self.people.teams)]
            author = self.rng.choice(self.people.practitioners[team.pk])
            template, state, submitted_at = self._awaiting(i)
        else:
            team = self.rng.choice(self.people.teams)
            author = self.rng.choice(self.people.members[team.pk])
            name = self.rng.choices(self.recorded_names, self.recorded_weights)[0]
            if self.rng.random() < URGENT_RECORDED:
                name = "urgent_share"
            template, state = self.templates[name], State.RECORDED
            submitted_at = self.now - datetime.timedelta(
                seconds=self.rng.uniform(60, 365 * YEARS * 86400)
            )
        self.json_total += self.template_bytes[template.pk]
        return DecisionRecord(
            reference=f"ISD-BENCH-{i:07d}",
            author_id=author,
            team=team,
            state=state,
            subject_reference=f"BENCH-C-{i:07d}",
            submitted_at=submitted_at,
            approval_scope=selectors.TEAM,
            **{field: getattr(template, field) for field in COPIED_FIELDS},
            **self.searched(template),
        )

    def searched(self, template: DecisionRecord) -> dict:
        """What the search reads, varied record by record: the agency, the lawful basis of
        a share, and reasons with a few sentences of their own."""
        sentences = self.rng.sample(REASON_SENTENCES, 3)
        if self.rng.random() < RARE_SHARE:
            sentences.append(RARE_SENTENCE)
        return {
            "other_agency": self.rng.choice(AGENCIES),
            "lawful_basis": self.rng.choices(self.bases, self.base_weights)[0]
            if template.lawful_basis
            else "",
            "reasons_text": "\n".join([template.reasons_text, *sentences]),
        }

    @property
    def template_bytes(self) -> dict[int, int]:
        if not hasattr(self, "_template_bytes"):
            self._template_bytes = {t.pk: json_bytes(t) for t in self.templates.values()}
        return self._template_bytes

    def seed(self, start: int, stop: int):
        for first in range(start, stop, BATCH):
            with transaction.atomic():
                records = DecisionRecord.objects.bulk_create(
                    [self.record(i) for i in range(first, min(first + BATCH, stop))]
                )
                # A round for each record awaiting a manager, as the approval page shows it.
                Submission.objects.bulk_create(
                    Submission(
                        record=record,
                        number=1,
                        submitted_at=record.submitted_at,
                        submitted_by_id=record.author_id,
                        outcome=record.outcome,
                        state_after=record.state,
                        answers=record.answers,
                        snapshot=record.snapshot,
                    )
                    for record in records
                    if record.state in (State.AWAITING_APPROVAL, State.AWAITING_REVIEW)
                )
                # The managers' decisions on the recorded ones, each with its rounds.
                rounds, decisions = [], []
                for record in records:
                    self.decide(record, rounds, decisions)
                Submission.objects.bulk_create(rounds)
                ManagerDecision.objects.bulk_create(decisions)
                DecisionRecord.objects.filter(
                    pk__in=[r.pk for r in records if r.state == State.REJECTED]
                ).update(state=State.REJECTED)
                self.audit_history(records)
            self.count += len(records)
            self.decided += len(decisions)

    def seed_drafts(self, decisions: int) -> None:
        """Drafts up to one for every fifty of ``decisions`` (``DRAFTS_PER_DECISION``), of
        practitioners across the teams, half-way through the wizard: the answers of a
        decision, no outcome, no snapshot, no submission time."""
        count = round(decisions * DRAFTS_PER_DECISION) - self.drafts
        template = self.templates["share_with_consent"]
        half = template.completed_steps[: len(template.completed_steps) // 2]
        for first in range(0, count, BATCH):
            drafts = []
            for _ in range(first, min(first + BATCH, count)):
                team = self.rng.choice(self.people.teams)
                drafts.append(
                    DecisionRecord(
                        reference=f"ISD-BENCH-D{self.drafts:06d}",
                        author_id=self.rng.choice(self.people.practitioners[team.pk]),
                        team=team,
                        state=State.DRAFT,
                        answers=template.answers,
                        completed_steps=half,
                        flowchart_version=template.flowchart_version,
                    )
                )
                self.drafts += 1
            with transaction.atomic():
                self.audit_history(DecisionRecord.objects.bulk_create(drafts))

    def audit_history(self, records: list[DecisionRecord]) -> None:
        """Each record's start and submission in the audit trail, chained as ``audit_log``
        chains them (``verify_audit`` holds over them), so the pages read an audit table of
        a partnership's size with statistics to match: with none seeded, PostgreSQL planned
        the record page's trail for the few dozen events its statistics had counted, and
        read the whole table as each view of the run added one."""
        if not hasattr(self, "_authors"):
            self._authors = {
                pk: (username, role)
                for pk, username, role in User.objects.values_list("pk", "username", "role")
            }
            latest = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
            self._head = latest or audit.GENESIS
        rows = []
        for record in records:
            username, role = self._authors[record.author_id]
            submitted = record.submitted_at  # None for a draft: only its start
            started = (submitted or self.now) - datetime.timedelta(hours=self.rng.uniform(0.2, 30))
            events = [("record_created", started)]
            if submitted is not None:
                events.append(("submitted", submitted))
            for event, at in events:
                fields = {
                    "event": event,
                    "actor_id": record.author_id,
                    "actor_username": username,
                    "actor_role": role,
                    "record_id": record.pk,
                    "record_reference": record.reference,
                    "ip": None,
                    "details": {},
                    "at": at,
                    "prev_hash": self._head,
                }
                self._head = audit.event_hash(**fields)
                rows.append((*fields.values(), self._head))
        columns = (
            "event, actor_id, actor_username, actor_role, record_id, record_reference, ip, "
            "details, at, prev_hash, hash"
        )
        prepared = [
            (
                *row[:7],
                json.dumps(row[7]),
                connection.ops.adapt_datetimefield_value(row[8]),
                *row[9:],
            )
            for row in rows
        ]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                from psycopg2.extras import execute_values

                execute_values(
                    cursor.cursor,
                    f"INSERT INTO records_auditevent ({columns}) VALUES %s",  # noqa: S608
                    prepared,
                    page_size=1000,
                )
            else:
                cursor.executemany(
                    f"INSERT INTO records_auditevent ({columns}) VALUES "  # noqa: S608
                    f"({', '.join(['%s'] * 11)})",
                    prepared,
                )
        self.audited += len(rows)

    def _later(self, moment: datetime.datetime) -> datetime.datetime:
        """When a manager decides a round submitted at ``moment`` (never after now)."""
        days = self.rng.choices(list(TURNAROUND_DAYS), list(TURNAROUND_DAYS.values()))[0]
        decided = moment + datetime.timedelta(days=days, hours=self.rng.uniform(0.2, 8))
        return min(decided, self.now - datetime.timedelta(seconds=1))

    def decide(self, record: DecisionRecord, rounds: list, decisions: list) -> None:
        """A recorded record that needed a manager: its rounds and the manager's decisions
        (the record's submitted_at is its last round's); a rejected one is marked so."""
        if record.state != State.RECORDED or not record.requires_approval:
            return
        if record.approval_timing == "retrospective":
            ending = self._ending(REVIEW_ENDINGS)
            awaiting = State.AWAITING_REVIEW
        else:
            ending = self._ending(APPROVAL_ENDINGS)
            awaiting = State.AWAITING_APPROVAL
        manager = self.people.managers[record.team_id]
        steps = [(record.submitted_at, ending)]
        if ending == "returned then approved":
            returned_at = record.submitted_at - datetime.timedelta(hours=self.rng.uniform(2, 72))
            first = returned_at - datetime.timedelta(days=self.rng.choice([0, 1, 2, 4]), hours=2)
            steps = [(first, "returned"), (record.submitted_at, "approved")]
        for number, (submitted_at, kind) in enumerate(steps, start=1):
            rounds.append(
                Submission(
                    record=record,
                    number=number,
                    submitted_at=submitted_at,
                    submitted_by_id=record.author_id,
                    outcome=record.outcome,
                    state_after=awaiting,
                    answers=record.answers,
                    snapshot=record.snapshot,
                )
            )
            at = returned_at if kind == "returned" else max(self._later(submitted_at), submitted_at)
            decisions.append(
                ManagerDecision(
                    record=record,
                    round=number,
                    kind=kind,
                    by_id=manager,
                    at=at,
                    comment=COMMENTS.get(kind, ""),
                )
            )
        if ending == "rejected":
            record.state = State.REJECTED

    def _ending(self, endings: dict[str, int]) -> str:
        return self.rng.choices(list(endings), list(endings.values()))[0]


def analyse():
    """PostgreSQL's autovacuum would have vacuumed and analysed tables this size: statistics
    for the planner, and the visibility map that lets an index-only scan skip the table
    (the lists' date walk, migration 0019). Seeded in minutes, they have neither until
    autovacuum wakes, so the bench runs both. SQLite has no statistics unless someone runs
    ANALYZE, and nothing in the service does, so it is left without."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")


SIGN_IN = "/accounts/login/"


def measure(client: Client, url: str, anonymous: Client) -> tuple[float, int, float, float]:
    """Median seconds over as many samples as fit TIME_BUDGET (5 to 30), SQL queries, and
    the median of the sign-in page timed between those samples: each page's ratio is to
    the sign-in page measured alongside it, so a machine busy with something else for part
    of the run moves both."""
    for _ in range(2):
        start = time.perf_counter()
        response = client.get(url)
        once = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"bench: {url} answered {response.status_code}, not 200")
    connection.queries_log.clear()  # DEBUG keeps the last 9,000: full after seeding
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    # Counted now: each request's start empties the log, and with DEBUG off nothing refills it.
    query_count = len(queries)
    samples, baseline = [], []
    for _ in range(max(5, min(30, int(TIME_BUDGET / max(once, 1e-6))))):
        start = time.perf_counter()
        anonymous.get(SIGN_IN)
        middle = time.perf_counter()
        client.get(url)
        samples.append(time.perf_counter() - middle)
        baseline.append(middle - start)
    # Also the median of each sample's ratio to the sign-in page timed just before it: a
    # shared machine busy for a moment slows both of a pair, whatever it does to the medians.
    pairs = zip(samples, baseline, strict=True)
    paired = statistics.median(page / sign_in for page, sign_in in pairs)
    return statistics.median(samples), query_count, statistics.median(baseline), paired


def pages(people: People, awaiting: DecisionRecord) -> list[tuple[str, Client, str]]:
    def signed_in(user: User) -> Client:
        client = Client()
        client.force_login(user)
        if mfa_required(user):
            # As after a verified code: a confirmed device named in the session, which
            # django-otp's middleware loads on every request, as in production.
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return client

    manager, practitioner, auditor = (
        signed_in(people.manager),
        signed_in(people.practitioner),
        signed_in(people.auditor),
    )
    team = people.teams[1]
    a_year_ago = timezone.localdate() - datetime.timedelta(days=365)
    return [
        ("sign-in page (baseline)", Client(), SIGN_IN),
        ("home, manager", manager, "/"),
        ("home, practitioner", practitioner, "/"),
        ("home, auditor", auditor, "/"),
        ("/approvals/, manager", manager, "/approvals/"),
        ("/approvals/<ref>/, manager", manager, f"/approvals/{awaiting.reference}/"),
        ("/records/, manager", manager, "/records/"),
        ("/records/, practitioner", practitioner, "/records/"),
        ("/records/, auditor", auditor, "/records/"),
        (
            "/records/?q=<case ref>, auditor",
            auditor,
            f"/records/?q={awaiting.subject_reference}",
        ),
        ("/records/?q=<record ref>", auditor, f"/records/?q={awaiting.reference}"),
        ("/records/?q=<agency start>", auditor, "/records/?q=Eastmoor+NHS"),
        ("/records/?case=<start>", auditor, "/records/?case=bench-c-00005"),
        (
            "/records/?date_from&date_to (a month)",
            auditor,
            f"/records/?date_from={a_year_ago:%Y-%m-%d}"
            f"&date_to={a_year_ago + datetime.timedelta(days=30):%Y-%m-%d}",
        ),
        ("/records/?outcome=not_share_no_basis", auditor, "/records/?outcome=not_share_no_basis"),
        ("/records/?state=awaiting_review", auditor, "/records/?state=awaiting_review"),
        (
            "/records/?organisation=<2nd>",
            auditor,
            f"/records/?organisation={team.organisation_id}",
        ),
        ("/records/?team=<2nd>", auditor, f"/records/?team={team.pk}"),
        (
            "/records/?practitioner=<one>",
            auditor,
            f"/records/?practitioner={people.practitioners[team.pk][0]}",
        ),
        (
            "/records/?lawful_basis=vital_interests",
            auditor,
            "/records/?lawful_basis=vital_interests",
        ),
        ("/records/?lawful_basis=none", auditor, "/records/?lawful_basis=none"),
        ("/records/?urgent=yes", auditor, "/records/?urgent=yes"),
        ("/records/?overdue=yes", auditor, "/records/?overdue=yes"),
        ("/records/?overdue=yes, manager", manager, "/records/?overdue=yes"),
        ("/records/?text=neglect (~20%)", auditor, "/records/?text=neglect"),
        ("/records/?text=trafficking (~0.5%)", auditor, "/records/?text=trafficking"),
        (
            "/records/?team&lawful_basis&urgent=no",
            auditor,
            (f"/records/?team={team.pk}&lawful_basis=consent&urgent=no"),
        ),
        ("/records/?sort=oldest", auditor, "/records/?sort=oldest"),
        ("/records/ half way down (deep page)", auditor, deep_page),
        ("/records/?team, half way down, manager", signed_in(people.manager), deep_team_page),
        # Management information: every figure by aggregate queries over the period (the
        # last 12 months: about a third of the records), and one chart's SVG.
        ("/insight/, auditor (12 months)", auditor, "/insight/"),
        ("/insight/, manager (12 months)", manager, "/insight/"),
        ("/insight/outcomes.svg, auditor", auditor, "/insight/outcomes.svg"),
    ]


def deep_page() -> str:
    """The keyset page that starts half way down the auditor's list (what page 2,000 of 25
    records was at 100,000): its cursor is the record just above the middle."""
    records = DecisionRecord.objects.exclude(state=State.DRAFT).order_by("-submitted_at", "-id")
    return f"/records/?cursor={search.cursor_after(_middle(records))}"


def deep_team_page() -> str:
    """Half way down the manager's own team's records."""
    manager = User.objects.get(username="bench-manager-0")
    records = (
        DecisionRecord.objects.filter(team=manager.team_id)
        .exclude(state=State.DRAFT)
        .order_by("-submitted_at", "-id")
    )
    return f"/records/?team={manager.team_id}&cursor={search.cursor_after(_middle(records))}"


def _middle(records) -> DecisionRecord:
    return records.only("submitted_at")[records.count() // 2]


def measure_round(to_measure) -> dict[str, tuple[float, int, float, float]]:
    anonymous = Client()
    return {
        label: measure(client, url() if callable(url) else url, anonymous)
        for label, client, url in to_measure
    }


def database_size() -> str:
    if connection.vendor == "sqlite":
        size = os.path.getsize(connection.settings_dict["NAME"])
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            size = cursor.fetchone()[0]
    return f"{size / 1e9:.2f} GB"


def run():
    total = max(1, int(os.environ.get("BENCH_RECORDS", "100000")))
    small = min(SMALL, total)
    people = seed_people()
    seeder = Seeder(people, make_templates())

    started = time.perf_counter()
    seeder.seed(0, small)
    seeder.seed_drafts(small)
    insight_counts.rebuild()  # bulk_create passes by the services that keep the counts
    insight_counts.rebuild_outcome_titles()  # and the outcomes' titles
    analyse()
    small_seconds = time.perf_counter() - started
    awaiting = (  # the oldest prior approval in the manager's team (a review if none)
        DecisionRecord.objects.filter(
            team=people.teams[0], state__in=[State.AWAITING_APPROVAL, State.AWAITING_REVIEW]
        )
        .order_by("state", "submitted_at")
        .first()
    )
    to_measure = pages(people, awaiting)
    queue = selectors.approval_queue(people.manager)
    everywhere = DecisionRecord.objects.filter(
        team__in=people.teams, state__in=[State.AWAITING_APPROVAL, State.AWAITING_REVIEW]
    ).count()
    print(
        f"scale: seeded {small:,} records and {seeder.drafts:,} drafts in {small_seconds:.1f} s "
        f"({seeder.json_total / seeder.count / 1e3:.1f} KB of JSON a row); "
        f"{seeder.decided:,} managers' decisions; "
        f"{everywhere} await a manager in {len(people.teams)} teams; "
        f"the measured manager's queue holds {queue.count()}, "
        f"{queue.filter(overdue=True).count()} overdue"
    )
    rounds = [(small, measure_round(to_measure))]

    if total > small:
        started = time.perf_counter()
        seeder.seed(small, total)
        seeder.seed_drafts(total)
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        insight_counts.rebuild()
        insight_counts.rebuild_outcome_titles()
        recounted = time.perf_counter() - started
        started = time.perf_counter()
        analyse()
        analysed = time.perf_counter() - started
        print(
            f"scale: seeded {total - small:,} more records in {seeded:.1f} s "
            f"({(total - small) / seeded:,.0f} a second, {seeder.drafts:,} drafts in all, "
            f"{seeder.json_total / seeder.count / 1e3:.1f} KB of JSON a row on average, "
            f"{seeder.decided:,} managers' decisions in all"
            + (f"; VACUUM ANALYZE {analysed:.1f} s" if connection.vendor == "postgresql" else "")
            + f"); insight counts rebuilt in {recounted:.1f} s; database {database_size()}"
        )
        rounds.append((total, measure_round(to_measure)))

    report(rounds)


def report(rounds):
    """Each page's time at 1,000 and at BENCH_RECORDS, its ratio to the sign-in page timed
    alongside it, its growth, and its queries."""
    (small, first), (large, last) = rounds[0], rounds[-1]
    headers = [
        "page",
        f"ms @ {small:,}",
        f"ms @ {large:,}",
        f"x sign-in @ {small:,}",
        f"x sign-in @ {large:,}",
        f"(paired) @ {large:,}",
        f"@ {large:,} / @ {small:,}",
        "queries",
    ]
    rows = []
    for label, (seconds, queries, baseline, paired) in last.items():
        before, queries_before, baseline_before, _ = first[label]
        query_note = str(queries) if queries == queries_before else f"{queries_before}->{queries}"
        rows.append(
            [
                label,
                f"{before * 1e3:.1f}",
                f"{seconds * 1e3:.1f}",
                f"{before / baseline_before:.1f}",
                f"{seconds / baseline:.1f}",
                f"{paired:.1f}",
                f"{seconds / before:.2f}",
                query_note,
            ]
        )
    if len(rounds) == 1:  # BENCH_RECORDS of 1,000 or fewer: one round, nothing to compare
        headers, *rows = ([row[0], row[2], row[4], row[5], row[7]] for row in [headers, *rows])
    widths = [max(len(row[c]) for row in [headers, *rows]) for c in range(len(headers))]
    for row in [headers, *rows]:
        print(
            "  "
            + row[0].ljust(widths[0])
            + "".join(
                "  " + cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
            )
        )
