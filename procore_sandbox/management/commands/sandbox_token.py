from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from procore_sandbox.models import App, Person
from procore_sandbox.oauth.views import issue_token


class Command(BaseCommand):
    help = "Print a fresh sandbox access token for LOGIN (the first seeded user when omitted)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("login", nargs="?", help="the sandbox user's login (email)")

    def handle(self, *args: object, login: str | None = None, **options: object) -> None:
        people = Person.objects.order_by("id")
        person = people.filter(login=login).first() if login else people.filter(is_service_account=False).first()
        if person is None:
            raise CommandError(f"No sandbox user {login!r}; run `manage.py sandbox_seed` first.")
        if person.is_service_account:
            app = App.objects.filter(service_account=person).first()
        else:
            app = (
                App.objects.filter(client_id=settings.PROCORE_CLIENT_ID).first()
                or App.objects.filter(service_account=None).first()
            )
        if app is None:
            raise CommandError("No sandbox app; run `manage.py sandbox_seed` first.")
        self.stdout.write(issue_token(app, person).access_token)
