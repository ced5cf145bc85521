from __future__ import annotations

from django.core.management.base import BaseCommand

from procore_sandbox.seed import credentials


class Command(BaseCommand):
    help = "Print the demo's address, the sandbox users to sign in with, and this database's secrets."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000")

    def handle(self, *args: object, url: str = "", **options: object) -> None:
        known = credentials()
        users = known["users"]
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
            "  The sandbox's apps (their secrets are random for this database, like the password):",
        ]
        lines += [
            f"    {a['name']:<28} client id {a['client_id']:<24} secret {a['client_secret']}" for a in known["apps"]
        ]
        lines += [
            f"  Django admin: {url}/admin/ (create an account with `.venv/bin/python manage.py createsuperuser`)",
            "  Stop with Ctrl-C.",
            "",
        ]
        self.stdout.write("\n".join(lines))
