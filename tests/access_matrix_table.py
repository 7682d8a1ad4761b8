"""The access matrix's one table: for each URL (by name) and method, for a record of each
state (or a job, a guidance page, a chart), the outcome each role must get.

Columns, in ROLES order: anonymous, practitioner (the records' author unless the row says
otherwise), practitioner2 (same team), manager (manages that team), manager2 (manages another
team, in another organisation), auditor, admin (the superuser: no team, a practitioner's
role, so the app treats them as one; /admin/ is theirs).

Requested as in production: REQUIRE_MFA on, managers, auditors and the admin having verified
a code in their session (test_access_matrix checks separately that, until they do, every
page but the sign-in and two-factor ones sends them to verify).

Outcomes: L, a redirect to the sign-in page; 302, any other redirect (the service sends the
person where the record now is, with a message); 200; 403, not theirs to do (the record is
one they may see); 404, not theirs to see, or no such thing; 405, the wrong method.

Rows (tests/test_access_matrix.py RECORD_STATES), every record the practitioner's unless said:
    draft              a draft (only its author sees it)
    awaiting_approval  a share without consent awaiting prior approval
    urgent_review      an urgent share without consent awaiting retrospective review
    approved           approved, awaiting the practitioner's confirmation that it was shared
    returned           returned for changes (back in the author's wizard)
    rejected           rejected (its author or the team's manager may reconsider it)
    recorded_consent   shared with consent, no approval needed: recorded
    recorded_refusal   a refusal of another agency's request, approved and recorded
    other_team         manager2's own decision in the other team, recorded
    manager_own        the manager's own decision, awaiting approval by the organisation's
                       other managers (the team has no other): never by its author
    deleted            a discarded draft's reference (the audit trail still names it): what
                       any reference nobody holds gets, a record deleted under retention too
Every submitted record has one open disagreement, for the disagreement pages' ``pk``.
Export jobs: "own" is the auditor's, "other" another auditor's (both done, with a file).

POST rows send an empty form. ACTS_ON_EMPTY_POST are buttons: their POST is the action, and
the test lets it change something only for a role whose row says it may (200 or 302).
"""

LOGIN = "login"
L = LOGIN

ROLES = ("anonymous", "practitioner", "practitioner2", "manager", "manager2", "auditor", "admin")

# Buttons without a form: an empty POST starts, submits, discards, reconsiders or exports.
ACTS_ON_EMPTY_POST = frozenset(
    {
        "decisions:start",
        "decisions:check",
        "decisions:discard",
        "records:reconsider",
        "exports:bulk_start",
        "logout",
        "mfa_backup_codes",
    }
)

# fmt: off
# The admin site, one family: Django decides its access (staff only: the superuser here), so
# a few representative pages stand for it, with their URL arguments in ADMIN_KWARGS (a role
# or a record state stands for that user's or record's id). A: to the admin's sign-in page.
ADMIN_LOGIN = "admin login"
A = ADMIN_LOGIN
ADMIN_TABLE: dict[str, tuple] = {
    #                                           anon  prac prac2  mgr  mgr2  aud admin
    "admin:login":                             (200, 200, 200, 200, 200, 200, 302),
    "admin:index":                             (  A,   A,   A,   A,   A,   A, 200),
    "admin:app_list":                          (  A,   A,   A,   A,   A,   A, 200),
    "admin:records_user_changelist":           (  A,   A,   A,   A,   A,   A, 200),
    "admin:records_user_change":               (  A,   A,   A,   A,   A,   A, 200),
    "admin:records_decisionrecord_changelist": (  A,   A,   A,   A,   A,   A, 200),
    "admin:records_decisionrecord_change":     (  A,   A,   A,   A,   A,   A, 200),
    "admin:records_auditevent_changelist":     (  A,   A,   A,   A,   A,   A, 200),
}
ADMIN_KWARGS = {
    "admin:app_list": {"app_label": "records"},
    "admin:records_user_change": {"object_id": "practitioner"},
    "admin:records_decisionrecord_change": {"object_id": "awaiting_approval"},
}

TABLE: dict[tuple[str, str], dict[str, tuple]] = {
    #                          anon  prac prac2  mgr  mgr2  aud admin
    # Signed-in pages open to every role; the sign-in page to all.
    ("GET", "home"): {
        "-":                 (  L, 200, 200, 200, 200, 200, 200),
    },
    ("GET", "login"): {
        "-":                 (200, 200, 200, 200, 200, 200, 200),
    },
    ("POST", "login"): {
        "-":                 (200, 200, 200, 200, 200, 200, 200),
    },
    ("GET", "logout"): {
        "-":                 (405, 405, 405, 405, 405, 405, 405),
    },
    ("POST", "logout"): {
        "-":                 (  L,   L,   L,   L,   L,   L,   L),
    },
    # Two-factor (managers, auditors and the admin; practitioners never need it: sent home).
    ("GET", "mfa_enrol"): {
        "-":                 (  L, 302, 302, 302, 302, 302, 302),
    },
    ("POST", "mfa_enrol"): {
        "-":                 (  L, 302, 302, 302, 302, 302, 302),
    },
    ("GET", "mfa_verify"): {
        "-":                 (  L, 302, 302, 302, 302, 302, 302),
    },
    ("POST", "mfa_verify"): {
        "-":                 (  L, 302, 302, 302, 302, 302, 302),
    },
    ("GET", "mfa_backup_codes"): {
        "-":                 (  L, 302, 302, 200, 200, 200, 200),
    },
    ("POST", "mfa_backup_codes"): {
        "-":                 (  L, 302, 302, 302, 302, 302, 302),
    },
    # The wizard: auditors do not decide. A draft and a returned decision are their author's
    # alone (404 to everyone else); once submitted, check and confirmation send whoever may
    # read it to the record (302).
    ("GET", "decisions:start"): {
        "-":                 (  L, 200, 200, 200, 200, 403, 200),
    },
    ("POST", "decisions:start"): {
        "-":                 (  L, 302, 302, 302, 302, 403, 302),
    },
    ("GET", "decisions:check"): {
        "draft":             (  L, 200, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 302, 404, 302, 404, 302, 404),
        "urgent_review":     (  L, 302, 404, 302, 404, 302, 404),
        "approved":          (  L, 302, 404, 302, 404, 302, 404),
        "returned":          (  L, 200, 404, 302, 404, 302, 404),
        "rejected":          (  L, 302, 404, 302, 404, 302, 404),
        "recorded_consent":  (  L, 302, 404, 302, 404, 302, 404),
        "recorded_refusal":  (  L, 302, 404, 302, 404, 302, 404),
        "other_team":        (  L, 404, 404, 404, 302, 302, 404),
        "manager_own":       (  L, 404, 404, 302, 404, 302, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    ("POST", "decisions:check"): {
        "draft":             (  L, 302, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 302, 404, 302, 404, 302, 404),
        "urgent_review":     (  L, 302, 404, 302, 404, 302, 404),
        "approved":          (  L, 302, 404, 302, 404, 302, 404),
        "returned":          (  L, 302, 404, 302, 404, 302, 404),
        "rejected":          (  L, 302, 404, 302, 404, 302, 404),
        "recorded_consent":  (  L, 302, 404, 302, 404, 302, 404),
        "recorded_refusal":  (  L, 302, 404, 302, 404, 302, 404),
        "other_team":        (  L, 404, 404, 404, 302, 302, 404),
        "manager_own":       (  L, 404, 404, 302, 404, 302, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    ("GET", "decisions:confirmation"): {
        "draft":             (  L, 302, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 200, 404, 200, 404, 200, 404),
        "urgent_review":     (  L, 200, 404, 200, 404, 200, 404),
        "approved":          (  L, 200, 404, 200, 404, 200, 404),
        "returned":          (  L, 302, 404, 302, 404, 302, 404),
        "rejected":          (  L, 200, 404, 200, 404, 200, 404),
        "recorded_consent":  (  L, 200, 404, 200, 404, 200, 404),
        "recorded_refusal":  (  L, 200, 404, 200, 404, 200, 404),
        "other_team":        (  L, 404, 404, 404, 200, 200, 404),
        "manager_own":       (  L, 404, 404, 200, 404, 200, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    ("GET", "decisions:discard"): {
        "draft":             (  L, 200, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 404, 404, 404, 404, 404, 404),
        "urgent_review":     (  L, 404, 404, 404, 404, 404, 404),
        "approved":          (  L, 404, 404, 404, 404, 404, 404),
        "returned":          (  L, 404, 404, 404, 404, 404, 404),
        "rejected":          (  L, 404, 404, 404, 404, 404, 404),
        "recorded_consent":  (  L, 404, 404, 404, 404, 404, 404),
        "recorded_refusal":  (  L, 404, 404, 404, 404, 404, 404),
        "other_team":        (  L, 404, 404, 404, 404, 404, 404),
        "manager_own":       (  L, 404, 404, 404, 404, 404, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    ("POST", "decisions:discard"): {
        "draft":             (  L, 302, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 404, 404, 404, 404, 404, 404),
        "urgent_review":     (  L, 404, 404, 404, 404, 404, 404),
        "approved":          (  L, 404, 404, 404, 404, 404, 404),
        "returned":          (  L, 404, 404, 404, 404, 404, 404),
        "rejected":          (  L, 404, 404, 404, 404, 404, 404),
        "recorded_consent":  (  L, 404, 404, 404, 404, 404, 404),
        "recorded_refusal":  (  L, 404, 404, 404, 404, 404, 404),
        "other_team":        (  L, 404, 404, 404, 404, 404, 404),
        "manager_own":       (  L, 404, 404, 404, 404, 404, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    ("GET", "decisions:step"): {
        "draft":             (  L, 200, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 404, 404, 404, 404, 404, 404),
        "urgent_review":     (  L, 404, 404, 404, 404, 404, 404),
        "approved":          (  L, 404, 404, 404, 404, 404, 404),
        "returned":          (  L, 200, 404, 404, 404, 404, 404),
        "rejected":          (  L, 404, 404, 404, 404, 404, 404),
        "recorded_consent":  (  L, 404, 404, 404, 404, 404, 404),
        "recorded_refusal":  (  L, 404, 404, 404, 404, 404, 404),
        "other_team":        (  L, 404, 404, 404, 404, 404, 404),
        "manager_own":       (  L, 404, 404, 404, 404, 404, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    ("POST", "decisions:step"): {
        "draft":             (  L, 200, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 404, 404, 404, 404, 404, 404),
        "urgent_review":     (  L, 404, 404, 404, 404, 404, 404),
        "approved":          (  L, 404, 404, 404, 404, 404, 404),
        "returned":          (  L, 200, 404, 404, 404, 404, 404),
        "rejected":          (  L, 404, 404, 404, 404, 404, 404),
        "recorded_consent":  (  L, 404, 404, 404, 404, 404, 404),
        "recorded_refusal":  (  L, 404, 404, 404, 404, 404, 404),
        "other_team":        (  L, 404, 404, 404, 404, 404, 404),
        "manager_own":       (  L, 404, 404, 404, 404, 404, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    # Exports: the CSV is of the person's own search scope; subject access, bulk exports and
    # their jobs are auditors' (any auditor's job is every auditor's); a draft has no PDF.
    ("GET", "exports:records_csv"): {
        "-":                 (  L, 200, 200, 200, 200, 200, 200),
    },
    ("GET", "exports:subject_access"): {
        "-":                 (  L, 403, 403, 403, 403, 200, 403),
    },
    ("GET", "exports:record_pdf"): {
        "draft":             (  L, 404, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 200, 404, 200, 404, 200, 404),
        "urgent_review":     (  L, 200, 404, 200, 404, 200, 404),
        "approved":          (  L, 200, 404, 200, 404, 200, 404),
        "returned":          (  L, 200, 404, 200, 404, 200, 404),
        "rejected":          (  L, 200, 404, 200, 404, 200, 404),
        "recorded_consent":  (  L, 200, 404, 200, 404, 200, 404),
        "recorded_refusal":  (  L, 200, 404, 200, 404, 200, 404),
        "other_team":        (  L, 404, 404, 404, 200, 200, 404),
        "manager_own":       (  L, 404, 404, 200, 404, 200, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    ("GET", "exports:jobs"): {
        "-":                 (  L, 403, 403, 403, 403, 200, 403),
    },
    ("GET", "exports:bulk_start"): {
        "-":                 (405, 405, 405, 405, 405, 405, 405),
    },
    ("POST", "exports:bulk_start"): {
        "-":                 (  L, 403, 403, 403, 403, 302, 403),
    },
    ("GET", "exports:job"): {
        "own":               (  L, 403, 403, 403, 403, 200, 403),
        "other":             (  L, 403, 403, 403, 403, 200, 403),
        "unknown":           (  L, 404, 404, 404, 404, 404, 404),
    },
    ("GET", "exports:job_status"): {
        "own":               (  L, 403, 403, 403, 403, 200, 403),
        "other":             (  L, 403, 403, 403, 403, 200, 403),
        "unknown":           (  L, 404, 404, 404, 404, 404, 404),
    },
    ("GET", "exports:job_download"): {
        "own":               (  L, 403, 403, 403, 403, 200, 403),
        "other":             (  L, 403, 403, 403, 403, 200, 403),
        "unknown":           (  L, 404, 404, 404, 404, 404, 404),
    },
    # Records: read by their author, their team's manager and auditors (404 to others, never
    # 403, so a reference's existence does not leak); acting on one is 403 for a reader who
    # may not act. A draft: 404 to all but its author. The admin holds no records: 404.
    ("GET", "records:list"): {
        "-":                 (  L, 200, 200, 200, 200, 200, 200),
    },
    ("GET", "records:detail"): {
        "draft":             (  L, 200, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 200, 404, 200, 404, 200, 404),
        "urgent_review":     (  L, 200, 404, 200, 404, 200, 404),
        "approved":          (  L, 200, 404, 200, 404, 200, 404),
        "returned":          (  L, 200, 404, 200, 404, 200, 404),
        "rejected":          (  L, 200, 404, 200, 404, 200, 404),
        "recorded_consent":  (  L, 200, 404, 200, 404, 200, 404),
        "recorded_refusal":  (  L, 200, 404, 200, 404, 200, 404),
        "other_team":        (  L, 404, 404, 404, 200, 200, 404),
        "manager_own":       (  L, 404, 404, 200, 404, 200, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    # Only the author confirms an approved share; otherwise they are sent to the record.
    ("GET", "records:confirm_sharing"): {
        "draft":             (  L, 302, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 302, 404, 403, 404, 403, 404),
        "urgent_review":     (  L, 302, 404, 403, 404, 403, 404),
        "approved":          (  L, 200, 404, 403, 404, 403, 404),
        "returned":          (  L, 302, 404, 403, 404, 403, 404),
        "rejected":          (  L, 302, 404, 403, 404, 403, 404),
        "recorded_consent":  (  L, 302, 404, 403, 404, 403, 404),
        "recorded_refusal":  (  L, 302, 404, 403, 404, 403, 404),
        "other_team":        (  L, 404, 404, 404, 302, 403, 404),
        "manager_own":       (  L, 404, 404, 302, 404, 403, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    ("POST", "records:confirm_sharing"): {
        "draft":             (  L, 302, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 302, 404, 403, 404, 403, 404),
        "urgent_review":     (  L, 302, 404, 403, 404, 403, 404),
        "approved":          (  L, 200, 404, 403, 404, 403, 404),
        "returned":          (  L, 302, 404, 403, 404, 403, 404),
        "rejected":          (  L, 302, 404, 403, 404, 403, 404),
        "recorded_consent":  (  L, 302, 404, 403, 404, 403, 404),
        "recorded_refusal":  (  L, 302, 404, 403, 404, 403, 404),
        "other_team":        (  L, 404, 404, 404, 302, 403, 404),
        "manager_own":       (  L, 404, 404, 302, 404, 403, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    # A POST button: a rejected decision or a recorded refusal, by its author or the team's
    # manager (a new draft); any other state sends them back with a message.
    ("GET", "records:reconsider"): {
        "draft":             (  L, 405, 405, 405, 405, 405, 405),
        "awaiting_approval": (  L, 405, 405, 405, 405, 405, 405),
        "urgent_review":     (  L, 405, 405, 405, 405, 405, 405),
        "approved":          (  L, 405, 405, 405, 405, 405, 405),
        "returned":          (  L, 405, 405, 405, 405, 405, 405),
        "rejected":          (  L, 405, 405, 405, 405, 405, 405),
        "recorded_consent":  (  L, 405, 405, 405, 405, 405, 405),
        "recorded_refusal":  (  L, 405, 405, 405, 405, 405, 405),
        "other_team":        (  L, 405, 405, 405, 405, 405, 405),
        "manager_own":       (  L, 405, 405, 405, 405, 405, 405),
        "deleted":           (  L, 405, 405, 405, 405, 405, 405),
    },
    ("POST", "records:reconsider"): {
        "draft":             (  L, 302, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 302, 404, 302, 404, 302, 404),
        "urgent_review":     (  L, 302, 404, 302, 404, 302, 404),
        "approved":          (  L, 302, 404, 302, 404, 302, 404),
        "returned":          (  L, 302, 404, 302, 404, 302, 404),
        "rejected":          (  L, 302, 404, 302, 404, 403, 404),
        "recorded_consent":  (  L, 302, 404, 302, 404, 302, 404),
        "recorded_refusal":  (  L, 302, 404, 302, 404, 403, 404),
        "other_team":        (  L, 404, 404, 404, 302, 302, 404),
        "manager_own":       (  L, 404, 404, 302, 404, 302, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    # Addenda and disagreements: the author or the team's manager; auditors read only (403).
    ("GET", "records:add_addendum"): {
        "draft":             (  L, 302, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 200, 404, 200, 404, 403, 404),
        "urgent_review":     (  L, 200, 404, 200, 404, 403, 404),
        "approved":          (  L, 200, 404, 200, 404, 403, 404),
        "returned":          (  L, 200, 404, 200, 404, 403, 404),
        "rejected":          (  L, 200, 404, 200, 404, 403, 404),
        "recorded_consent":  (  L, 200, 404, 200, 404, 403, 404),
        "recorded_refusal":  (  L, 200, 404, 200, 404, 403, 404),
        "other_team":        (  L, 404, 404, 404, 200, 403, 404),
        "manager_own":       (  L, 404, 404, 200, 404, 403, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    ("POST", "records:add_addendum"): {
        "draft":             (  L, 302, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 200, 404, 200, 404, 403, 404),
        "urgent_review":     (  L, 200, 404, 200, 404, 403, 404),
        "approved":          (  L, 200, 404, 200, 404, 403, 404),
        "returned":          (  L, 200, 404, 200, 404, 403, 404),
        "rejected":          (  L, 200, 404, 200, 404, 403, 404),
        "recorded_consent":  (  L, 200, 404, 200, 404, 403, 404),
        "recorded_refusal":  (  L, 200, 404, 200, 404, 403, 404),
        "other_team":        (  L, 404, 404, 404, 200, 403, 404),
        "manager_own":       (  L, 404, 404, 200, 404, 403, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    # Legal hold: auditors only; a practitioner or manager who can see the record gets 403.
    ("GET", "records:legal_hold"): {
        "draft":             (  L, 403, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 403, 404, 403, 404, 200, 404),
        "urgent_review":     (  L, 403, 404, 403, 404, 200, 404),
        "approved":          (  L, 403, 404, 403, 404, 200, 404),
        "returned":          (  L, 403, 404, 403, 404, 200, 404),
        "rejected":          (  L, 403, 404, 403, 404, 200, 404),
        "recorded_consent":  (  L, 403, 404, 403, 404, 200, 404),
        "recorded_refusal":  (  L, 403, 404, 403, 404, 200, 404),
        "other_team":        (  L, 404, 404, 404, 403, 200, 404),
        "manager_own":       (  L, 404, 404, 403, 404, 200, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    ("POST", "records:legal_hold"): {
        "draft":             (  L, 403, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 403, 404, 403, 404, 200, 404),
        "urgent_review":     (  L, 403, 404, 403, 404, 200, 404),
        "approved":          (  L, 403, 404, 403, 404, 200, 404),
        "returned":          (  L, 403, 404, 403, 404, 200, 404),
        "rejected":          (  L, 403, 404, 403, 404, 200, 404),
        "recorded_consent":  (  L, 403, 404, 403, 404, 200, 404),
        "recorded_refusal":  (  L, 403, 404, 403, 404, 200, 404),
        "other_team":        (  L, 404, 404, 404, 403, 200, 404),
        "manager_own":       (  L, 404, 404, 403, 404, 200, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    ("GET", "records:disagreement_new"): {
        "draft":             (  L, 403, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 200, 404, 200, 404, 403, 404),
        "urgent_review":     (  L, 200, 404, 200, 404, 403, 404),
        "approved":          (  L, 200, 404, 200, 404, 403, 404),
        "returned":          (  L, 200, 404, 200, 404, 403, 404),
        "rejected":          (  L, 200, 404, 200, 404, 403, 404),
        "recorded_consent":  (  L, 200, 404, 200, 404, 403, 404),
        "recorded_refusal":  (  L, 200, 404, 200, 404, 403, 404),
        "other_team":        (  L, 404, 404, 404, 200, 403, 404),
        "manager_own":       (  L, 404, 404, 200, 404, 403, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    ("POST", "records:disagreement_new"): {
        "draft":             (  L, 403, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 200, 404, 200, 404, 403, 404),
        "urgent_review":     (  L, 200, 404, 200, 404, 403, 404),
        "approved":          (  L, 200, 404, 200, 404, 403, 404),
        "returned":          (  L, 200, 404, 200, 404, 403, 404),
        "rejected":          (  L, 200, 404, 200, 404, 403, 404),
        "recorded_consent":  (  L, 200, 404, 200, 404, 403, 404),
        "recorded_refusal":  (  L, 200, 404, 200, 404, 403, 404),
        "other_team":        (  L, 404, 404, 404, 200, 403, 404),
        "manager_own":       (  L, 404, 404, 200, 404, 403, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    ("GET", "records:disagreement_step"): {
        "draft":             (  L, 403, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 200, 404, 200, 404, 403, 404),
        "urgent_review":     (  L, 200, 404, 200, 404, 403, 404),
        "approved":          (  L, 200, 404, 200, 404, 403, 404),
        "returned":          (  L, 200, 404, 200, 404, 403, 404),
        "rejected":          (  L, 200, 404, 200, 404, 403, 404),
        "recorded_consent":  (  L, 200, 404, 200, 404, 403, 404),
        "recorded_refusal":  (  L, 200, 404, 200, 404, 403, 404),
        "other_team":        (  L, 404, 404, 404, 200, 403, 404),
        "manager_own":       (  L, 404, 404, 200, 404, 403, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    ("POST", "records:disagreement_step"): {
        "draft":             (  L, 403, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 200, 404, 200, 404, 403, 404),
        "urgent_review":     (  L, 200, 404, 200, 404, 403, 404),
        "approved":          (  L, 200, 404, 200, 404, 403, 404),
        "returned":          (  L, 200, 404, 200, 404, 403, 404),
        "rejected":          (  L, 200, 404, 200, 404, 403, 404),
        "recorded_consent":  (  L, 200, 404, 200, 404, 403, 404),
        "recorded_refusal":  (  L, 200, 404, 200, 404, 403, 404),
        "other_team":        (  L, 404, 404, 404, 200, 403, 404),
        "manager_own":       (  L, 404, 404, 200, 404, 403, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    ("GET", "records:disagreement_resolve"): {
        "draft":             (  L, 403, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 200, 404, 200, 404, 403, 404),
        "urgent_review":     (  L, 200, 404, 200, 404, 403, 404),
        "approved":          (  L, 200, 404, 200, 404, 403, 404),
        "returned":          (  L, 200, 404, 200, 404, 403, 404),
        "rejected":          (  L, 200, 404, 200, 404, 403, 404),
        "recorded_consent":  (  L, 200, 404, 200, 404, 403, 404),
        "recorded_refusal":  (  L, 200, 404, 200, 404, 403, 404),
        "other_team":        (  L, 404, 404, 404, 200, 403, 404),
        "manager_own":       (  L, 404, 404, 200, 404, 403, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    ("POST", "records:disagreement_resolve"): {
        "draft":             (  L, 403, 404, 404, 404, 404, 404),
        "awaiting_approval": (  L, 200, 404, 200, 404, 403, 404),
        "urgent_review":     (  L, 200, 404, 200, 404, 403, 404),
        "approved":          (  L, 200, 404, 200, 404, 403, 404),
        "returned":          (  L, 200, 404, 200, 404, 403, 404),
        "rejected":          (  L, 200, 404, 200, 404, 403, 404),
        "recorded_consent":  (  L, 200, 404, 200, 404, 403, 404),
        "recorded_refusal":  (  L, 200, 404, 200, 404, 403, 404),
        "other_team":        (  L, 404, 404, 404, 200, 403, 404),
        "manager_own":       (  L, 404, 404, 200, 404, 403, 404),
        "deleted":           (  L, 404, 404, 404, 404, 404, 404),
    },
    # Approvals: managers only (403 to others, whether or not the reference exists); a manager
    # sees only records in their scope (404) and never acts on their own (403). An empty
    # form on a record no longer awaiting them sends them back with a message (302).
    ("GET", "approvals:queue"): {
        "-":                 (  L, 403, 403, 200, 200, 403, 403),
    },
    ("GET", "approvals:detail"): {
        "draft":             (  L, 403, 403, 404, 404, 403, 403),
        "awaiting_approval": (  L, 403, 403, 200, 404, 403, 403),
        "urgent_review":     (  L, 403, 403, 200, 404, 403, 403),
        "approved":          (  L, 403, 403, 200, 404, 403, 403),
        "returned":          (  L, 403, 403, 200, 404, 403, 403),
        "rejected":          (  L, 403, 403, 200, 404, 403, 403),
        "recorded_consent":  (  L, 403, 403, 200, 404, 403, 403),
        "recorded_refusal":  (  L, 403, 403, 200, 404, 403, 403),
        "other_team":        (  L, 403, 403, 404, 403, 403, 403),
        "manager_own":       (  L, 403, 403, 403, 404, 403, 403),
        "deleted":           (  L, 403, 403, 404, 404, 403, 403),
    },
    ("POST", "approvals:detail"): {
        "draft":             (  L, 403, 403, 404, 404, 403, 403),
        "awaiting_approval": (  L, 403, 403, 200, 404, 403, 403),
        "urgent_review":     (  L, 403, 403, 200, 404, 403, 403),
        "approved":          (  L, 403, 403, 302, 404, 403, 403),
        "returned":          (  L, 403, 403, 302, 404, 403, 403),
        "rejected":          (  L, 403, 403, 302, 404, 403, 403),
        "recorded_consent":  (  L, 403, 403, 302, 404, 403, 403),
        "recorded_refusal":  (  L, 403, 403, 302, 404, 403, 403),
        "other_team":        (  L, 403, 403, 404, 403, 403, 403),
        "manager_own":       (  L, 403, 403, 403, 404, 403, 403),
        "deleted":           (  L, 403, 403, 404, 404, 403, 403),
    },
    # The audit trail: auditors only.
    ("GET", "audit:log"): {
        "-":                 (  L, 403, 403, 403, 403, 200, 403),
    },
    # Guidance: public.
    ("GET", "guidance:index"): {
        "-":                 (200, 200, 200, 200, 200, 200, 200),
    },
    ("GET", "guidance:search"): {
        "-":                 (200, 200, 200, 200, 200, 200, 200),
    },
    ("GET", "guidance:page"): {
        "page":              (200, 200, 200, 200, 200, 200, 200),
        "faq":               (200, 200, 200, 200, 200, 200, 200),
        "flowchart":         (200, 200, 200, 200, 200, 200, 200),
        "unknown":           (404, 404, 404, 404, 404, 404, 404),
    },
    # Management information: managers (their teams) and auditors.
    ("GET", "insight:dashboard"): {
        "-":                 (  L, 403, 403, 200, 200, 200, 403),
    },
    ("GET", "insight:report_pdf"): {
        "-":                 (  L, 403, 403, 200, 200, 200, 403),
    },
    ("GET", "insight:chart_svg"): {
        "chart":             (  L, 403, 403, 200, 200, 200, 403),
        "unknown":           (  L, 403, 403, 404, 404, 404, 403),
    },
    ("GET", "insight:chart_csv"): {
        "chart":             (  L, 403, 403, 200, 200, 200, 403),
        "unknown":           (  L, 403, 403, 404, 404, 404, 403),
    },
    # The liveness probe: public, says nothing but whether the database answers.
    ("GET", "healthz"): {
        "-":                 (200, 200, 200, 200, 200, 200, 200),
    },
}
# fmt: on
