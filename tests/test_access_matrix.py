"""The access matrix (issue 9): every URL pattern, requested as each named user and anonymous,
against records of each state, with the status each must get held in one table
(tests/access_matrix_table.py).

The patterns are read from the URL configuration, so a new URL without an entry in the table
fails ``test_it_has_an_entry_for_every_url``. The admin site is one family: a few
representative pages (``ADMIN_TABLE``), as Django's own code decides its access.

One world is built per module (users, a record in each state, export jobs), and each request
runs in a savepoint rolled back after it, so no request sees another's effects (a draft
discarded, a job started, a "viewed" event).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern

from tests.access_matrix_table import (
    ACTS_ON_EMPTY_POST,
    ADMIN_KWARGS,
    ADMIN_LOGIN,
    ADMIN_TABLE,
    LOGIN,
    ROLES,
    TABLE,
)

pytestmark = pytest.mark.django_db

# --- The URL configuration ---------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str | None  # "namespace:name", None when the pattern has no name
    route: str
    params: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")


def _params(pattern) -> frozenset[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters is not None and hasattr(pattern.pattern, "_route"):
        return frozenset(converters)
    return frozenset(pattern.pattern.regex.groupindex)


def walk(resolver=None, namespace: str = "", route: str = "", params=frozenset()):
    """Every URL pattern, with its full name, route and URL parameters."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        here = route + str(entry.pattern)
        if isinstance(entry, URLResolver):
            space = namespace
            if entry.namespace:
                space = f"{namespace}{entry.namespace}:"
            yield from walk(entry, space, here, params | _params(entry))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield Pattern(name, here, params | _params(entry))


def app_patterns(resolver=None) -> dict[str | None, Pattern]:
    """The service's own patterns (not the admin site's), by name."""
    return {pattern.name: pattern for pattern in walk(resolver) if not pattern.is_admin}


def without_entry(resolver=None) -> list[str]:
    """The service's URLs the table has no entry for (unnamed ones by their route)."""
    patterns = app_patterns(resolver)
    unnamed = [pattern.route for name, pattern in patterns.items() if name is None]
    in_table = {name for _, name in TABLE}
    return sorted(set(patterns) - in_table - {None}) + unnamed


# --- The world: users, a record in each state, export jobs --------------------------------------

# Each record's state, as the table's rows name them (tests/access_matrix_table.py says
# what each is). "deleted" is a discarded draft's reference: the audit trail still holds it.
RECORD_STATES = (
    "draft",
    "awaiting_approval",
    "urgent_review",
    "approved",
    "returned",
    "rejected",
    "recorded_consent",
    "recorded_refusal",
    "other_team",
    "manager_own",
    "deleted",
)
JOB_VARIANTS = ("own", "other", "unknown")
GUIDANCE_VARIANTS = ("page", "faq", "flowchart", "unknown")
CHART_VARIANTS = ("chart", "unknown")
NONE = ("-",)
UNKNOWN_PK = 999999


def _build_records(users: dict) -> dict:
    from decisions import demo
    from records.services import decision_act, decision_discard, disagreement_raise

    practitioner, manager = users["practitioner"], users["manager"]

    def submitted(outcome="share_without_consent", author=practitioner, **overrides):
        return demo.create_submitted(
            author=author, answers=demo.finished_answers(outcome, **overrides)
        )

    def acted(record, kind, comment="Fictional comment."):
        decision_act(record=record, manager=manager, kind=kind, comment=comment)
        record.refresh_from_db()
        return record

    records = {
        "draft": demo.create_draft(
            author=practitioner, answers=demo.finished_answers("share_without_consent")
        ),
        "awaiting_approval": submitted(),
        "urgent_review": submitted(urgent="yes"),
        "approved": acted(submitted(), "approved"),
        "returned": acted(submitted(), "returned"),
        "rejected": acted(submitted(), "rejected"),
        "recorded_consent": submitted("share_with_consent"),
        "recorded_refusal": acted(submitted("not_share_no_basis"), "approved"),
        # Another team's decision, recorded: its manager (manager2) made it.
        "other_team": submitted("share_with_consent", author=users["manager2"]),
        # The family team's only manager's own decision: the organisation's other managers
        # approve it (none here), never its author.
        "manager_own": submitted(author=manager),
    }
    expected_states = {
        "draft": "draft",
        "awaiting_approval": "awaiting_approval",
        "urgent_review": "awaiting_review",
        "approved": "approved",
        "returned": "returned",
        "rejected": "rejected",
        "recorded_consent": "recorded",
        "recorded_refusal": "recorded",
        "other_team": "recorded",
        "manager_own": "awaiting_approval",
    }
    assert {key: record.state for key, record in records.items()} == expected_states
    assert records["recorded_refusal"].can_be_reconsidered
    assert records["manager_own"].approval_scope == "organisation"
    discarded = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    decision_discard(record=discarded, author=practitioner)
    # An open disagreement on each submitted record, for its steps and resolution pages.
    disagreements = {}
    for key, record in records.items():
        if record.is_draft:
            continue  # nothing to disagree about yet
        disagreements[key] = disagreement_raise(
            record=record,
            user=record.author,
            direction="they_dispute",
            party="Northshire Police (fictional), duty sergeant",
            reason="Fictional example: they want the whole file.",
        ).pk
    references = {key: record.reference for key, record in records.items()}
    return {**references, "deleted": discarded.reference}, disagreements


def _build_jobs(users: dict) -> dict:
    from exports.models import ExportJob
    from records.models import User

    other_auditor = User.objects.create_user(username="auditor_b", role="auditor")
    jobs = {}
    for key, requester in (("own", users["auditor"]), ("other", other_auditor)):
        job = ExportJob.objects.create(
            requested_by=requester, status=ExportJob.Status.DONE, total=1, done=1
        )
        job.file.save(f"access-matrix-{key}.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
        jobs[key] = job.pk
    return jobs


@dataclass
class World:
    users: dict
    references: dict  # RECORD_STATES -> reference
    disagreements: dict
    jobs: dict
    sessions: dict  # role -> session cookie value, two-factor verified where required
    unverified: dict  # role -> session cookie value, signed in with the password only
    baseline: dict  # state_of_the_world() before any request


def _session(user, *, verified: bool) -> str:
    """A signed-in session's cookie; verified: as if the person had entered their code."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from records.mfa import mfa_required

    client = Client()
    client.force_login(user)
    if verified and mfa_required(user):
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="Authenticator app", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _stub_pdf(html: str) -> bytes:
    assert "<html" in html
    return b"%PDF-1.7 (access matrix stub)"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module inside a transaction that is rolled back at its end."""
    from tests.conftest import named_users

    media = tmp_path_factory.mktemp("access-matrix-media")
    with (
        # As in production: managers, auditors and the admin verify a second factor.
        override_settings(MEDIA_ROOT=media, REQUIRE_MFA=True),
        # The PDFs' HTML is still rendered; WeasyPrint's layout (seconds a report, and who may
        # download decided before it) is tests/exports' and tests/insight's to prove.
        mock.patch("exports.pdf.render_pdf", _stub_pdf),
        mock.patch("insight.views.render_pdf", _stub_pdf),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        users = named_users()
        references, disagreements = _build_records(users)
        jobs = _build_jobs(users)
        sessions = {role: _session(user, verified=True) for role, user in users.items()}
        unverified = {role: _session(user, verified=False) for role, user in users.items()}
        yield World(
            users, references, disagreements, jobs, sessions, unverified, state_of_the_world()
        )
        transaction.set_rollback(True)


# --- Filling a pattern's parameters ---------------------------------------------------------------


def variants_for(pattern: Pattern) -> tuple[str, ...]:
    params = pattern.params
    if "reference" in params:
        return RECORD_STATES
    if params == {"pk"}:
        return JOB_VARIANTS
    if params == {"slug"}:
        return GUIDANCE_VARIANTS
    if params == {"name"}:
        return CHART_VARIANTS
    if not params:
        return NONE
    raise AssertionError(
        f"{pattern.name} ({pattern.route}) takes {sorted(params)}: teach variants_for and "
        "kwargs_for how to fill them"
    )


def kwargs_for(pattern: Pattern, variant: str, world: World) -> dict:
    kwargs = {}
    for param in pattern.params:
        if param == "reference":
            kwargs[param] = world.references[variant]
        elif param == "step_id":
            kwargs[param] = "urgent"  # the wizard's first page
        elif param == "pk" and "reference" in pattern.params:
            kwargs[param] = world.disagreements.get(variant, UNKNOWN_PK)
        elif param == "pk":
            kwargs[param] = world.jobs.get(variant, UNKNOWN_PK)
        elif param == "slug":
            kwargs[param] = {"page": "golden-rules", "faq": "faq", "flowchart": "flowchart"}.get(
                variant, "no-such-page"
            )
        elif param == "name":
            kwargs[param] = "outcomes" if variant == "chart" else "no-such-chart"
        else:
            raise AssertionError(f"{pattern.name}: no value for {param}")
    return kwargs


# --- Requests -----------------------------------------------------------------------------------


def _client(world: World, role: str, *, verified: bool = True) -> Client:
    client = Client()
    if role != "anonymous":
        sessions = world.sessions if verified else world.unverified
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[role]
    return client


def state_of_the_world() -> dict:
    """What an action would change: records by state, and everything added to them."""
    from django_otp.plugins.otp_static.models import StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from exports.models import ExportJob
    from records.models import (
        Addendum,
        DecisionRecord,
        Disagreement,
        DisagreementStep,
        ManagerDecision,
        SharingConfirmation,
    )

    return {
        "records": dict(
            DecisionRecord.objects.values_list("state").annotate(n=Count("pk")).order_by()
        ),
        "legal_holds": DecisionRecord.objects.filter(legal_hold=True).count(),
        "manager_decisions": ManagerDecision.objects.count(),
        "confirmations": SharingConfirmation.objects.count(),
        "addenda": Addendum.objects.count(),
        "open_disagreements": Disagreement.objects.filter(status="open").count(),
        "disagreements": Disagreement.objects.count(),
        "steps": DisagreementStep.objects.count(),
        "jobs": ExportJob.objects.count(),
        "backup_codes": list(StaticToken.objects.order_by("pk").values_list("token", flat=True)),
        "authenticators": TOTPDevice.objects.count(),
    }


def outcome(response) -> int | str:
    """The status, or LOGIN for a redirect to the sign-in page."""
    if response.status_code == 302 and response["Location"].startswith(
        resolve_url(settings.LOGIN_URL)
    ):
        return LOGIN
    return response.status_code


def request_as(world: World, role: str, method: str, url: str) -> tuple[int | str, bool]:
    """(outcome, whether anything changed), the request's effects rolled back after it."""
    with transaction.atomic():
        client = _client(world, role)
        response = client.post(url, {}) if method == "POST" else client.get(url)
        changed = method == "POST" and state_of_the_world() != world.baseline
        transaction.set_rollback(True)
    return outcome(response), changed


# --- The tests ----------------------------------------------------------------------------------


def _entries():
    """(method, url name, variant) for every row of the table, in its order."""
    for (method, name), rows in TABLE.items():
        for variant in rows:
            yield pytest.param(method, name, variant, id=f"{method} {name} {variant}")


def test_it_has_an_entry_for_every_url():
    """A new URL fails here until the table says who may reach it, and in which state."""
    named = app_patterns()
    assert without_entry() == [], "URLs with no entry in access_matrix_table (name each)"
    in_table = {name for _, name in TABLE}
    assert sorted(in_table - set(named)) == [], "entries for URLs that no longer exist"
    for (method, name), rows in TABLE.items():
        assert method in ("GET", "POST"), (method, name)
        assert tuple(rows) == variants_for(named[name]), (
            f"{method} {name}: rows for {tuple(rows)}, expected {variants_for(named[name])}"
        )
        for variant, row in rows.items():
            assert len(row) == len(ROLES), f"{method} {name} {variant}: one status per role"
        assert ("GET", name) in TABLE, f"{name}: every URL is requested with GET"


def test_a_new_url_is_found_without_an_entry_wherever_it_is_included():
    """The check above, against the URL configuration with three URLs added: one at the top,
    one inside an app's namespace, one without a name."""
    from django.urls import include, path

    def view(request):
        raise AssertionError("never requested")

    extra_app = ([path("extra/", view, name="extra")], "records")
    urls = [
        *get_resolver().url_patterns,
        path("brand-new/", view, name="brand_new"),
        path("more/", include(extra_app)),
        path("unnamed/", view),
    ]
    resolver = URLResolver(RegexPattern(r"^/"), urls)
    assert without_entry(resolver) == ["brand_new", "records:extra", "unnamed/"]


def test_the_admin_family_is_the_admin_site():
    """The admin site's patterns are covered as one family by ADMIN_TABLE, which must exist."""
    admin_names = {pattern.name for pattern in walk() if pattern.is_admin}
    for name in ADMIN_TABLE:
        assert name in admin_names, f"{name} is not an admin URL"


@pytest.mark.parametrize(("method", "name", "variant"), list(_entries()))
def test_it_gives_each_role_the_status_in_the_table(world, method, name, variant):
    pattern = app_patterns()[name]
    url = reverse(name, kwargs=kwargs_for(pattern, variant, world))
    expected = dict(zip(ROLES, TABLE[(method, name)][variant], strict=True))
    actual, changed_by = {}, []
    for role in ROLES:
        actual[role], changed = request_as(world, role, method, url)
        # An empty form acts on nothing; a button (ACTS_ON_EMPTY_POST) acts only for those
        # who may press it.
        may_act = name in ACTS_ON_EMPTY_POST and actual[role] in (200, 302)
        if changed and not may_act:
            changed_by.append(role)
    assert actual == expected, f"{method} {url}"
    assert changed_by == [], f"POST {url} changed something for {changed_by}"


REFERENCE = re.compile(r"ISD-\d{4}-\d{5}")


@pytest.mark.parametrize("name", ["records:list", "exports:records_csv"])
def test_lists_show_each_role_exactly_the_records_it_may_open(world, name):
    """The list and its CSV hold the submitted records whose page the role may open (the
    table's records:detail rows with 200), and nothing else."""
    detail = TABLE[("GET", "records:detail")]
    by_reference = {reference: state for state, reference in world.references.items()}
    for index, role in enumerate(ROLES[1:], start=1):
        response = _client(world, role).get(reverse(name))
        assert response.status_code == 200, role
        body = b"".join(response) if response.streaming else response.content
        # Ours only: the search box's hint gives an example reference.
        shown = {
            by_reference[ref] for ref in REFERENCE.findall(body.decode()) if ref in by_reference
        }
        may_open = {state for state, row in detail.items() if row[index] == 200}
        assert shown == may_open - {"draft"}, role


def test_the_queue_shows_each_manager_what_awaits_them_and_nothing_else(world):
    """The approvals queue: the records awaiting a manager whose approval page the table
    opens to them (200)."""
    approval = TABLE[("GET", "approvals:detail")]
    awaiting = {"awaiting_approval", "urgent_review"}
    by_reference = {reference: state for state, reference in world.references.items()}
    for role in ("manager", "manager2"):
        body = _client(world, role).get(reverse("approvals:queue")).content.decode()
        shown = {by_reference[ref] for ref in REFERENCE.findall(body) if ref in by_reference}
        index = ROLES.index(role)
        assert shown == {s for s, row in approval.items() if row[index] == 200} & awaiting, role


# What a person who must still verify a code gets: sent to verify (VERIFY), except on the
# pages open before the second factor (records.mfa_middleware.OPEN_URL_NAMES, /healthz).
VERIFY = "verify"
OPEN_BEFORE_MFA = {
    "login": 200,
    "logout": 405,  # GET; signing out is a POST
    "mfa_enrol": VERIFY,  # they have an authenticator already: the page sends them on
    "mfa_verify": 200,
    "healthz": 200,
}


def test_it_sends_those_who_have_not_verified_a_code_to_verify_first(world):
    """Managers, auditors and the admin signed in with their password only: every other
    page of the service (GET, the first row of its entry) sends them to verify a code."""
    verify = reverse("mfa_verify")
    for name, pattern in app_patterns().items():
        variant = variants_for(pattern)[0]
        url = reverse(name, kwargs=kwargs_for(pattern, variant, world))
        for role in ("manager", "manager2", "auditor", "admin"):
            with transaction.atomic():
                response = _client(world, role, verified=False).get(url)
                transaction.set_rollback(True)
            got = response.status_code
            if got == 302 and response["Location"].startswith(verify):
                got = VERIFY
            assert got == OPEN_BEFORE_MFA.get(name, VERIFY), (role, url)


def admin_url(name: str, world: World) -> str:
    from records.models import DecisionRecord

    kwargs = dict(ADMIN_KWARGS.get(name, {}))
    for key, value in kwargs.items():
        if value in world.users:
            kwargs[key] = world.users[value].pk
        elif value in world.references:
            kwargs[key] = DecisionRecord.objects.get(reference=world.references[value]).pk
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("name", list(ADMIN_TABLE))
def test_the_admin_site_is_for_the_superuser_only(world, name):
    url = admin_url(name, world)
    admin_login = reverse("admin:login")
    actual = {}
    for role in ROLES:
        with transaction.atomic():
            response = _client(world, role).get(url)
            transaction.set_rollback(True)
        actual[role] = response.status_code
        if actual[role] == 302 and response["Location"].startswith(admin_login):
            actual[role] = ADMIN_LOGIN
    assert actual == dict(zip(ROLES, ADMIN_TABLE[name], strict=True)), url


def test_the_admin_site_asks_the_admin_to_verify_a_code_first(world):
    verify = reverse("mfa_verify")
    for name in ADMIN_TABLE:
        response = _client(world, "admin", verified=False).get(admin_url(name, world))
        assert response.status_code == 302, name
        assert response["Location"].startswith(verify), name
