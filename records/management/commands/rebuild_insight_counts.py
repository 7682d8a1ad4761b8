from django.core.management.base import BaseCommand, CommandError

from records import insight_counts


class Command(BaseCommand):
    help = (
        "Recount the management information's counts from the records and replace them, "
        "with each outcome's latest title (the records filter's outcomes). The services keep "
        "both up to date; run this after loading records any other way (a restore, a bulk "
        "import). --check only compares the counts with a recount: exit 1 with the cells "
        "that differ, 0 when they agree."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Compare with a recount; change nothing."
        )

    def handle(self, *args, check=False, **options):
        if check:
            differences = insight_counts.verify()
            for line in differences:
                self.stdout.write(line)
            if differences:
                raise CommandError(f"{len(differences)} counts differ from a recount.")
            self.stdout.write("The counts equal a recount of the records.")
            return
        made = insight_counts.rebuild()
        made["OutcomeTitle"] = insight_counts.rebuild_outcome_titles()
        self.stdout.write(
            "Rebuilt: " + ", ".join(f"{rows} {name} rows" for name, rows in made.items()) + "."
        )
