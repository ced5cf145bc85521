from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from procore_sandbox.seed import credentials


class Command(BaseCommand):
    help = "Print the sandbox's app credentials and user logins as JSON."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(json.dumps(credentials(), indent=2))
