from __future__ import annotations

from django.core.management.base import BaseCommand

from procore_sandbox.seed import credentials


class Command(BaseCommand):
    help = "Print the demo's address and the sandbox users to sign in with."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000")

    def handle(self, *args: object, url: str = "", **options: object) -> None:
        users = credentials()["users"]
        lines = [
            "",
            f"  Document Portal demo: {url}/",
            "  Sign in with Procore, then pick one of these sandbox users:",
            "",
        ]
        lines += [f"    {u['login']:<38} {u['name']:<16} {u['role']}" for u in users]
        lines += [
            "",
            f"  Password for every sandbox user: {users[0]['password'] if users else '(none)'}",
            f"  Django admin: {url}/admin/ (create an account with `.venv/bin/python manage.py createsuperuser`)",
            "  Stop with Ctrl-C.",
            "",
        ]
        self.stdout.write("\n".join(lines))
