import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django_otp.plugins.otp_totp.models import TOTPDevice


class Organisation(models.Model):
    class Kind(models.TextChoices):
        COUNCIL = "council", "Council"
        SCHOOL = "school", "School or college"
        HEALTH = "health", "NHS trust or health provider"
        POLICE = "police", "Police force"
        CHARITY = "charity", "Charity or voluntary organisation"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_unique_in_org"),
        ]

    def __str__(self):
        return f"{self.name} ({self.organisation})"


class User(AbstractUser):
    class Role(models.TextChoices):
        PRACTITIONER = "practitioner", "Practitioner"
        MANAGER = "manager", "Manager"
        AUDITOR = "auditor", "Auditor"

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PRACTITIONER)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    managed_teams = models.ManyToManyField(Team, blank=True, related_name="managers")

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER

    @property
    def is_auditor(self) -> bool:
        return self.role == self.Role.AUDITOR

    @property
    def can_decide(self) -> bool:
        return self.role in (self.Role.PRACTITIONER, self.Role.MANAGER)

    @property
    def display_name(self) -> str:
        """How pages, PDFs and reports name the person: their full name, else username."""
        return self.get_full_name() or self.username


class UserSession(AbstractBaseSession):
    """Django's database session with whose it is in columns (the pattern Django documents for
    extending sessions), kept by ``records.sessions.SessionStore`` each time it saves:

    - ``user``: a deactivated user's sessions are found by this column, not by decoding
      every session;
    - ``user`` and ``totp_device`` are read with the session in one statement on every
      request, which handed them to the sign-in and two-factor checks (three statements
      were one).

    Who is signed in is still what the signed session data says; the columns only name rows
    to read with it."""

    user = models.ForeignKey(
        User, null=True, on_delete=models.CASCADE, related_name="+", db_index=True
    )
    # No constraint: a device deleted (a reset) is simply not found, and the session's
    # verification goes with it, as django-otp's middleware decides.
    totp_device = models.ForeignKey(
        TOTPDevice, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    @classmethod
    def get_session_store_class(cls):
        from records.sessions import SessionStore

        return SessionStore


class DecisionRecord(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        AWAITING_REVIEW = "awaiting_review", "Shared urgently: awaiting review"
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned for changes"
        REJECTED = "rejected", "Rejected"
        RECORDED = "recorded", "Recorded"

    class SubjectType(models.TextChoices):
        CHILD = "child", "A child or young person"
        ADULT = "adult", "An adult"
        FAMILY = "family", "A family"

    reference = models.CharField(max_length=20, unique=True, null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decisions"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)

    # The wizard's working copy while a draft; frozen (pruned to the path) at submission.
    answers = models.JSONField(default=dict, blank=True)
    completed_steps = models.JSONField(default=list, blank=True)

    # Set at submission, never changed afterwards.
    flowchart_version = models.CharField(max_length=20, blank=True)
    outcome = models.CharField(max_length=40, blank=True)
    path = models.JSONField(default=list, blank=True)
    shares = models.BooleanField(null=True)
    requires_approval = models.BooleanField(default=False)
    approval_timing = models.CharField(max_length=20, blank=True)
    snapshot = models.JSONField(default=dict, blank=True)

    # Copied from the answers for listing and search.
    direction = models.CharField(max_length=20, blank=True)
    urgent = models.BooleanField(default=False)
    subject_reference = models.CharField(max_length=100, blank=True)
    subject_type = models.CharField(max_length=20, choices=SubjectType.choices, blank=True)
    other_agency = models.CharField(max_length=200, blank=True)
    # UK GDPR Article 6 basis chosen for a share (a code; blank when none applies).
    lawful_basis = models.CharField(max_length=40, blank=True)
    # Every free-text reason, joined at submission, for the auditors' text search
    # (PostgreSQL full text over a GIN index; a plain match on SQLite).
    reasons_text = models.TextField(blank=True)
    # The snapshot's outcome title and grounds ("; " between), copied at submission for the
    # managers' queue, which would otherwise unpack each row's snapshot (0.4 of the queue's
    # 1 ms on PostgreSQL at 100,000 records).
    outcome_title = models.TextField(blank=True)
    grounds_summary = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    review_date = models.DateField(null=True, blank=True)
    retain_until = models.DateField(null=True, blank=True)
    legal_hold = models.BooleanField(default=False)
    legal_hold_reason = models.TextField(blank=True)
    reconsiders = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reconsiderations"
    )
    # Who may approve: the managers of the team, or of the whole organisation when the team
    # has no manager but the author. Set at each submission.
    approval_scope = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["author", "state"]),
            models.Index(fields=["team", "state"]),
            models.Index(fields=["subject_reference"]),
            models.Index(fields=["state", "submitted_at"]),
            # Lists sort newest first and page by (submitted_at, id): these keep every list,
            # filter and page of it an index walk at any table size.
            models.Index(fields=["-submitted_at", "-id"], name="record_submitted_desc"),
            models.Index(fields=["team", "-submitted_at", "-id"], name="record_team_submitted"),
            models.Index(fields=["author", "-submitted_at", "-id"], name="record_author_submitted"),
            models.Index(fields=["outcome", "-submitted_at"], name="record_outcome_submitted"),
            models.Index(fields=["retain_until"], name="record_retain_until"),
        ]

    def __str__(self):
        return self.reference or f"Decision {self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    @property
    def is_editable(self) -> bool:
        """Its author may change its answers in the wizard: a draft, or a returned decision."""
        return self.state in EDITABLE_STATES

    @property
    def awaits_manager(self) -> bool:
        return self.state in AWAITING_MANAGER_STATES

    @property
    def is_approved_refusal(self) -> bool:
        """A refusal of another agency's request that a manager approved."""
        return self.state == self.State.RECORDED and self.requires_approval and not self.shares

    @property
    def can_be_reconsidered(self) -> bool:
        """Rejected, or a refusal of another agency's request that was recorded."""
        if self.state == self.State.REJECTED:
            return True
        return (
            self.state == self.State.RECORDED
            and self.shares is False
            and self.direction == "request"
        )

    @property
    def state_tag_class(self) -> str:
        """The GOV.UK tag colour for the state, so a queue can be read at a glance."""
        return _STATE_TAG_COLOURS.get(self.state, "govuk-tag--grey")


EDITABLE_STATES = (DecisionRecord.State.DRAFT, DecisionRecord.State.RETURNED)
AWAITING_MANAGER_STATES = (
    DecisionRecord.State.AWAITING_APPROVAL,
    DecisionRecord.State.AWAITING_REVIEW,
)

_STATE_TAG_COLOURS = {
    DecisionRecord.State.DRAFT: "govuk-tag--grey",
    DecisionRecord.State.AWAITING_APPROVAL: "govuk-tag--yellow",
    DecisionRecord.State.AWAITING_REVIEW: "govuk-tag--orange",
    DecisionRecord.State.APPROVED: "govuk-tag--green",
    DecisionRecord.State.RETURNED: "govuk-tag--purple",
    DecisionRecord.State.REJECTED: "govuk-tag--red",
    DecisionRecord.State.RECORDED: "govuk-tag--blue",
}


def queue_summary(snapshot) -> dict:
    """What the managers' queue shows of a submitted snapshot: its outcome's title and its
    grounds, "; " between them (``DecisionRecord.outcome_title`` and ``grounds_summary``)."""
    snapshot = snapshot or {}
    return {
        "outcome_title": str((snapshot.get("outcome") or {}).get("title") or ""),
        "grounds_summary": "; ".join(str(ground) for ground in snapshot.get("grounds") or []),
    }


class Submission(models.Model):
    """One round: what was submitted, exactly as it was. Never changed or overwritten."""

    record = models.ForeignKey(DecisionRecord, on_delete=models.CASCADE, related_name="submissions")
    number = models.PositiveIntegerField()
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=40)
    state_after = models.CharField(max_length=20, choices=DecisionRecord.State.choices)
    answers = models.JSONField(default=dict)
    snapshot = models.JSONField(default=dict)

    class Meta:
        ordering = ["record", "number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="submission_round_unique"),
        ]

    def __str__(self):
        return f"{self.record} round {self.number}"

    @property
    def anchor_prefix(self) -> str:
        """Keeps the page's anchors unique when earlier rounds are shown beside the latest."""
        return f"round-{self.number}-"


class ManagerDecision(models.Model):
    """A manager's approval, return, rejection, endorsement or concern, with its comment."""

    class Kind(models.TextChoices):
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned for changes"
        REJECTED = "rejected", "Rejected"
        ENDORSED = "endorsed", "Endorsed"
        CONCERN = "concern", "Concern recorded"

    record = models.ForeignKey(
        DecisionRecord, on_delete=models.CASCADE, related_name="manager_decisions"
    )
    round = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["record", "at", "pk"]

    def __str__(self):
        return f"{self.record} {self.kind} by {self.by}"

    @property
    def is_concern(self) -> bool:
        return self.kind == self.Kind.CONCERN


class SharingConfirmation(models.Model):
    """The practitioner's word that an approved share happened: when, how, to whom."""

    record = models.OneToOneField(
        DecisionRecord, on_delete=models.CASCADE, related_name="sharing_confirmation"
    )
    shared_on = models.DateField()
    means = models.CharField(max_length=200)
    recipient = models.CharField(max_length=300)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.record} shared on {self.shared_on}"


class ReminderSent(models.Model):
    """An overdue reminder e-mailed about a record: at most one per record per day."""

    record = models.ForeignKey(DecisionRecord, on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "sent_on"], name="one_reminder_a_day"),
        ]

    def __str__(self):
        return f"{self.record} reminded on {self.sent_on}"


class Addendum(models.Model):
    """A correction or a later fact, appended to a submitted record: dated, signed, never
    edited. The record's own answers and reasons never change."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        FURTHER_INFORMATION = "further_information", "Further information"

    record = models.ForeignKey(DecisionRecord, on_delete=models.CASCADE, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    kind = models.CharField(max_length=30, choices=Kind.choices)
    text = models.TextField()

    class Meta:
        ordering = ["record", "at", "pk"]

    def __str__(self):
        return f"{self.record} addendum {self.pk}"


class Disagreement(models.Model):
    """Another agency disputes our decision, or we dispute their refusal (section 14): who
    disagrees and why, the steps taken, and how it ended. Never edited: steps are appended,
    and resolving it closes it."""

    class Direction(models.TextChoices):
        THEY_DISPUTE = "they_dispute", "The other agency disputes our decision"
        WE_DISPUTE = "we_dispute", "We dispute the other agency's refusal"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    record = models.ForeignKey(
        DecisionRecord, on_delete=models.CASCADE, related_name="disagreements"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    direction = models.CharField(max_length=20, choices=Direction.choices)
    # Who disagrees: the agency and the person's role there.
    party = models.CharField(max_length=300)
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["record", "raised_at", "pk"]
        indexes = [models.Index(fields=["record", "status"], name="disagreement_record_status")]

    def __str__(self):
        return f"{self.record} disagreement {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class DisagreementStep(models.Model):
    """One thing done about a disagreement (section 14): dated, signed, never edited."""

    class Kind(models.TextChoices):
        FLOWCHART_REVISITED = "flowchart_revisited", "The flowchart revisited together"
        SHARE_LESS = "share_less", "A conversation about sharing less"
        SENIOR_ADVICE = "senior_advice", "Advice from the agency's nominated senior person"
        ESCALATION = "escalation", "Escalated under the partnership's escalation policy"

    disagreement = models.ForeignKey(Disagreement, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField()

    class Meta:
        ordering = ["disagreement", "at", "pk"]

    def __str__(self):
        return f"{self.disagreement} {self.kind}"


class AuditEvent(models.Model):
    """One append-only row per thing that happened. Written only by services.audit_log."""

    class Event(models.TextChoices):
        LOGIN = "login", "Logged in"
        LOGIN_FAILED = "login_failed", "Failed login"
        LOGOUT = "logout", "Logged out"
        RECORD_CREATED = "record_created", "Decision started"
        DRAFT_DELETED = "draft_deleted", "Draft deleted"
        STEP_ANSWERED = "step_answered", "Step answered"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned"
        REJECTED = "rejected", "Rejected"
        REVIEWED = "reviewed", "Reviewed"
        RECONSIDERED = "reconsidered", "Reconsideration started"
        REMINDER_SENT = "reminder_sent", "Overdue reminder sent"
        SHARING_CONFIRMED = "sharing_confirmed", "Sharing confirmed"
        ADDENDUM = "addendum", "Addendum added"
        VIEWED = "viewed", "Viewed"
        EXPORTED = "exported", "Exported"
        ACCESS_DENIED = "access_denied", "Access denied"
        RETENTION_DELETION = "retention_deletion", "Deleted under retention"
        LEGAL_HOLD_SET = "legal_hold_set", "Legal hold set"
        LEGAL_HOLD_LIFTED = "legal_hold_lifted", "Legal hold lifted"
        DISAGREEMENT_RAISED = "disagreement_raised", "Disagreement recorded"
        DISAGREEMENT_STEP = "disagreement_step", "Disagreement step recorded"
        DISAGREEMENT_RESOLVED = "disagreement_resolved", "Disagreement resolved"
        LOGIN_LOCKED = "login_locked", "Sign-in locked after repeated failures"
        SESSION_EXPIRED = "session_expired", "Session ended by timeout"
        USER_DEACTIVATED = "user_deactivated", "Account deactivated"
        MFA_ENROLLED = "mfa_enrolled", "Two-factor authentication set up"
        MFA_VERIFIED = "mfa_verified", "Two-factor code accepted"
        MFA_FAILED = "mfa_failed", "Two-factor code refused"
        MFA_BACKUP_CODE_USED = "mfa_backup_code_used", "Backup code used"
        MFA_BACKUP_CODES_ISSUED = "mfa_backup_codes_issued", "Backup codes issued"
        MFA_RESET = "mfa_reset", "Two-factor authentication reset by an administrator"
        LOGIN_LOCK_CLEARED = "login_lock_cleared", "Sign-in lock cleared by an administrator"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # PROTECT: a user with audit events is deactivated, never deleted (deleting would have to
    # UPDATE their rows, which the table refuses).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    event = models.CharField(max_length=30, choices=Event.choices)
    # No database constraint and nothing done on delete: audit rows are never updated, and
    # outlive a deleted draft (or a record deleted under retention) by its reference.
    record = models.ForeignKey(
        DecisionRecord,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="events",
    )
    record_reference = models.CharField(max_length=20, blank=True, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    # The hash chain: each row holds the previous row's hash and the hash of its own canonical
    # content with that previous hash, so a row changed, removed or slipped in breaks it.
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["event", "-at"], name="audit_event_at"),
            models.Index(fields=["actor_username", "-at"], name="audit_actor_at"),
            models.Index(fields=["record", "event"], name="audit_record_event"),
        ]
        # Append-only on PostgreSQL. TRUNCATE is kept from the app by its role's privileges
        # (README), since the test suite's flushes TRUNCATE.
        triggers = [
            pgtrigger.Protect(
                name="audit_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self):
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.event} {self.record_reference}"
        )


# --- Counts behind the management information (insight) ---------------------------------------
# Kept up to date by records.services in the same transactions that change records, so the
# dashboard sums a few thousand rows instead of grouping 100,000 records
# (records.insight_counts.verify proves they equal a recount). ``team_key`` is the team's id,
# 0 for a record without a team: a plain integer, so the key has no NULL and an upsert works.


class InsightCount(models.Model):
    """Submitted records by local month of submission and every dimension a chart splits."""

    month = models.DateField()
    team_key = models.PositiveIntegerField()
    outcome = models.CharField(max_length=40)
    state = models.CharField(max_length=20)
    urgent = models.BooleanField()
    direction = models.CharField(max_length=20)
    shares = models.BooleanField()
    lawful_basis = models.CharField(max_length=40)
    reason = models.CharField(max_length=60)  # why consent was not obtained, if asked
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "month",
                    "team_key",
                    "outcome",
                    "state",
                    "urgent",
                    "direction",
                    "shares",
                    "lawful_basis",
                    "reason",
                ],
                name="insight_count_key",
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} team {self.team_key} {self.outcome} {self.state}: {self.n}"


class InsightAgencyCount(models.Model):
    """Shares by local month, team and the agency shared with."""

    month = models.DateField()
    team_key = models.PositiveIntegerField()
    agency = models.CharField(max_length=200)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "team_key", "agency"], name="insight_agency_count_key"
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} team {self.team_key} {self.agency}: {self.n}"


class InsightReviewCount(models.Model):
    """Submitted records with a review date, by local month, team and that date."""

    month = models.DateField()
    team_key = models.PositiveIntegerField()
    review_date = models.DateField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "team_key", "review_date"], name="insight_review_count_key"
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} team {self.team_key} review {self.review_date}: {self.n}"


class InsightManagerCount(models.Model):
    """Managers' decisions by local month decided, team, kind and working days from the
    submission of the round decided (NO_ROUND when there is none): the turnaround and the
    returned and rejected rates."""

    NO_ROUND = -1

    month = models.DateField()
    team_key = models.PositiveIntegerField()
    kind = models.CharField(max_length=20)
    working_days = models.IntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "team_key", "kind", "working_days"],
                name="insight_manager_count_key",
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} team {self.team_key} {self.kind}: {self.n}"


class OutcomeTitle(models.Model):
    """Each outcome a record has been submitted with, and the title the latest such record
    showed (``records`` does not know the flowchart; its records say). The records filter
    offers these on every list page: a read of a dozen rows, not a walk of the records'
    outcome index and a dozen snapshots. Kept by ``services.decision_submit``; rebuilt with
    the counts (``manage.py rebuild_insight_counts``). An outcome stays when retention
    deletes its last record: it is still one the flowchart has."""

    outcome = models.CharField(max_length=40, primary_key=True)
    title = models.CharField(max_length=300)

    def __str__(self):
        return f"{self.outcome}: {self.title}"


class DirectoryStamp(models.Model):
    """One row whose ``stamp`` changes, by database triggers (migration 0015), whenever
    anything the records filter's choices and a manager's scope are read from changes:
    users (who they are, their role, team and organisation), teams, organisations, who
    manages which team, and the outcomes offered. It is read with the session on every
    request (``records.sessions``), so those reads can be kept between requests for as long
    as it stays the same (``records.selectors``), in every process alike. A random value,
    not a count: a change rolled back cannot bring an old stamp back with other data."""

    stamp = models.BigIntegerField()

    def __str__(self):
        return f"directory stamp {self.stamp}"
