from __future__ import annotations

from django.core.management.base import BaseCommand

from procore_sandbox.seed import seed


class Command(BaseCommand):
    help = "Create the sandbox's demo companies, projects, users and apps (safe to run again)."

    def handle(self, *args: object, **options: object) -> None:
        seed()
        self.stdout.write(self.style.SUCCESS("Sandbox seeded."))
