"""Create the staged-files bucket (S3_BUCKET) when it does not exist; does nothing on local disk."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from portal.staging.incoming.storage import ensure_bucket


class Command(BaseCommand):
    help = "Create the S3 bucket for staged files (S3_BUCKET) if it does not exist yet."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(ensure_bucket())
