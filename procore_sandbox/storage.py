"""Where the sandbox keeps the bytes uploaded to "Procore": a folder of its own
(SANDBOX_STORAGE_DIR), never the portal's storage. Procore's storage is not ours — with the
portal's files in S3 the sandbox still keeps its own on the disk of the process serving it."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def sandbox_storage() -> FileSystemStorage:
    # Built per call (cheap) so a test's settings.SANDBOX_STORAGE_DIR is honoured.
    return FileSystemStorage(location=settings.SANDBOX_STORAGE_DIR)
