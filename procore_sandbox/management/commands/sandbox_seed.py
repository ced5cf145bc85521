from __future__ import annotations

from django.core.management.base import BaseCommand

from procore_sandbox.seed import seed


class Command(BaseCommand):
    help = "Create the sandbox's demo companies, projects, users and apps (safe to run again)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--password", help="the seeded people's password (default: random per database, kept once made)"
        )

    def handle(self, *args: object, password: str | None = None, **options: object) -> None:
        seed(password)
        self.stdout.write(self.style.SUCCESS("Sandbox seeded."))
