import datetime
from unittest import mock

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from decisions import demo
from records.models import Organisation, Team, User
from records.services import (
    decision_act,
    decision_reconsider,
    disagreement_add_step,
    disagreement_raise,
    disagreement_resolve,
)

PASSWORD = "demo"  # noqa: S105  (demo only: the command refuses to run without DEBUG)

USERS = [
    # username, first, last, role, team key, manages
    ("practitioner", "Pat", "Example", User.Role.PRACTITIONER, "family", []),
    ("practitioner2", "Sam", "Sample", User.Role.PRACTITIONER, "family", []),
    ("manager", "Morgan", "Demo", User.Role.MANAGER, "family", ["family"]),
    ("manager2", "Alex", "Testcase", User.Role.MANAGER, "school", ["school"]),
    ("auditor", "Ari", "Placeholder", User.Role.AUDITOR, None, []),
]


class Command(BaseCommand):
    help = "Load plainly fictional demo users and records (refuses to run unless DEBUG is on)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("load_demo only runs with DEBUG on: it creates known passwords.")
        if User.objects.filter(username="practitioner").exists():
            self.stdout.write("Demo data already loaded.")
            return
        with transaction.atomic():
            self._load()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo users: practitioner, practitioner2, manager, manager2, auditor, admin "
                f"(password '{PASSWORD}')."
            )
        )

    def _load(self):
        council = Organisation.objects.create(
            name="Northshire Council (fictional)", kind=Organisation.Kind.COUNCIL
        )
        school = Organisation.objects.create(
            name="Riverside Academy (fictional)", kind=Organisation.Kind.SCHOOL
        )
        teams = {
            "family": Team.objects.create(organisation=council, name="Family support east"),
            "school": Team.objects.create(organisation=school, name="Pastoral care"),
        }
        users = {}
        for username, first, last, role, team, manages in USERS:
            user = User.objects.create_user(
                username=username,
                password=PASSWORD,
                first_name=first,
                last_name=last,
                role=role,
                team=teams.get(team),
                organisation=teams[team].organisation if team else council,
                email=f"{username}@example.invalid",
            )
            user.managed_teams.set([teams[key] for key in manages])
            users[username] = user
        User.objects.create_superuser(
            username="admin",
            password=PASSWORD,
            email="admin@example.invalid",
            first_name="Admin",
            last_name="Demo",
            organisation=council,
        )

        practitioner = users["practitioner"]
        for number, outcome in enumerate(demo.CASES, start=1):
            demo.create_submitted(
                author=practitioner,
                answers=demo.finished_answers(outcome, subject_reference=f"DEMO-C-{number:04d}"),
            )
        demo.create_submitted(
            author=practitioner,
            answers=demo.finished_answers(
                "share_without_consent", urgent="yes", subject_reference="DEMO-C-0100"
            ),
        )
        demo.create_submitted(
            author=users["practitioner2"],
            answers=demo.finished_answers("share_with_consent", subject_reference="DEMO-C-0200"),
        )
        demo.create_submitted(
            author=users["manager2"],
            answers=demo.finished_answers(
                "share_with_consent",
                subject_reference="DEMO-S-0001",
                other_agency="Northshire Council children's services (fictional)",
            ),
        )
        self._load_approvals(practitioner, users["practitioner2"], users["manager"])
        self._load_case_history(practitioner, users["manager"])
        demo.create_draft(
            author=practitioner,
            complete=False,
            answers={**demo.CONTEXT, "subject_reference": "DEMO-C-0300"},
        )

    def _load_case_history(self, practitioner, manager):
        """One case decided twice: consent with limits, then a second decision that was
        shown the first; the police dispute the second (an open disagreement), and an
        earlier disagreement about the first was resolved."""
        case = "DEMO-C-0500"
        first = demo.create_submitted(
            author=practitioner,
            answers=demo.finished_answers(
                "share_with_consent", subject_reference=case, **demo.CONSENT_LIMITS
            ),
        )
        second = demo.create_submitted(
            author=practitioner,
            answers=demo.finished_answers(
                "share_with_consent",
                subject_reference=case,
                **demo.CONSENT_LIMITS,
                repeat_request="yes",
                repeat_changed="Fictional example: a new incident at school last week.",
                repeat_consent_again="Fictional example: yes, and the parent agreed again.",
                repeat_still_accurate="Fictional example: the visit dates are; the notes are not.",
                earlier_decisions_shown=[first.reference],
            ),
        )
        settled = disagreement_raise(
            record=first,
            user=practitioner,
            direction="they_dispute",
            party="Northshire Police (fictional), duty sergeant",
            reason="Fictional example: they asked for the full case notes, not the dates.",
        )
        disagreement_add_step(
            disagreement=settled,
            user=practitioner,
            kind="share_less",
            note="Fictional example: agreed by phone that the dates meet their purpose.",
        )
        disagreement_resolve(
            disagreement=settled,
            user=practitioner,
            resolution="Fictional example: the dates only were shared, within the consent.",
        )
        disputed = disagreement_raise(
            record=second,
            user=practitioner,
            direction="they_dispute",
            party="Northshire Police (fictional), detective inspector",
            reason="Fictional example: they want information about the older sibling too.",
        )
        disagreement_add_step(
            disagreement=disputed,
            user=practitioner,
            kind="flowchart_revisited",
            note="Fictional example: went through the questions together; consent does not "
            "cover the sibling.",
        )
        disagreement_add_step(
            disagreement=disputed,
            user=manager,
            kind="senior_advice",
            note="Fictional example: the safeguarding lead advised not to share beyond consent.",
        )

    def _load_approvals(self, practitioner, practitioner2, manager):
        """The approval loop in every state, so the demo shows all of it."""
        no_consent = "share_without_consent"

        def share(number, **overrides):
            return demo.finished_answers(
                no_consent, subject_reference=f"DEMO-C-{number:04d}", **overrides
            )

        demo.create_returned(
            author=practitioner,
            manager=manager,
            answers=share(400),
            comment="Fictional example: say more about what may happen if we do not share.",
        )
        resubmitted = demo.create_returned(
            author=practitioner2,
            manager=manager,
            answers=share(401),
            comment="Fictional example: share only the dates of the visits, not the notes.",
        )
        demo.resubmit(
            record=resubmitted,
            author=practitioner2,
            values={"shared_what": "Fictional example: the dates of two home visits only."},
        )
        rejected = demo.create_submitted(author=practitioner, answers=share(402))
        decision_act(
            record=rejected,
            manager=manager,
            kind="rejected",
            comment="Fictional example: consent can still be sought without risk; ask first.",
        )
        decision_reconsider(record=rejected, user=practitioner)
        approved = demo.create_submitted(author=practitioner, answers=share(403))
        decision_act(record=approved, manager=manager, kind="approved")
        confirmed = demo.create_submitted(author=practitioner2, answers=share(404))
        decision_act(record=confirmed, manager=manager, kind="approved")
        demo.confirm_sharing(record=confirmed, author=practitioner2)
        refusal = demo.create_submitted(
            author=practitioner,
            answers=demo.finished_answers("not_share_no_basis", subject_reference="DEMO-C-0405"),
        )
        decision_act(record=refusal, manager=manager, kind="approved")
        endorsed = demo.create_submitted(author=practitioner, answers=share(406, urgent="yes"))
        decision_act(record=endorsed, manager=manager, kind="endorsed")
        concern = demo.create_submitted(author=practitioner2, answers=share(407, urgent="yes"))
        decision_act(
            record=concern,
            manager=manager,
            kind="concern",
            comment="Fictional example: the police could have been called before sharing.",
        )
        # One item waiting long enough to be overdue, so the queue shows both kinds.
        # Submitted with the clock a week back (not backdated afterwards, which would break the
        # record's fingerprint and its month in the insight counts: verify_audit would flag it).
        week_ago = timezone.now() - datetime.timedelta(days=7)
        with mock.patch("django.utils.timezone.now", return_value=week_ago):
            demo.create_submitted(author=practitioner2, answers=share(408))
