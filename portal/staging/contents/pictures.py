"""Where a document's pictures are stored (names in default_storage, the same on disk and on S3),
and removing them with the document."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.storage import default_storage

from ..models import StagedDocument

PICTURES = ("thumbnail", "preview", "title-block")


def picture_name(document: StagedDocument, what: str) -> str:
    batch = document.batch
    return f"previews/{batch.project_id}/{batch.pk}/{document.pk}/{what}.png"


def delete_pictures(documents: Iterable[StagedDocument]) -> None:
    for document in documents:
        for what in PICTURES:
            default_storage.delete(picture_name(document, what))  # no error when there is none
