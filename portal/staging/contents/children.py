"""Documents made from another one (a zip's members, a set's sheets) are staged exactly as an
upload is — the same name cleaning, hashing, duplicate check, proposals and validation
(services.add_document) — from a temporary file the worker wrote."""

from __future__ import annotations

import mimetypes
from typing import IO, Any

from django.core.files.uploadedfile import UploadedFile

from portal.accounts.models import User

from ..models import Batch, DocumentContents, StagedDocument
from ..schema import Schema
from ..services import add_document
from ..uploads import UploadRefused


def stage_child(
    batch: Batch, user: User | None, name: str, handle: IO[bytes], size: int, schema: Schema, **contents: Any
) -> tuple[StagedDocument | None, str]:
    """The staged document, or None and the sentence that says why it was not added."""
    handle.seek(0)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    upload = UploadedFile(file=handle, name=name, content_type=content_type, size=size)
    try:
        document, _notes = add_document(batch, user, upload, schema)  # type: ignore[arg-type]
    except UploadRefused as exc:
        return None, str(exc)
    if contents:
        DocumentContents.objects.filter(document=document).update(**contents)
    return document, ""
