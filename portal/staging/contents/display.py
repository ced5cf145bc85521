"""What the batch grid and the document page show of each document's contents, read for a whole
page of documents at once (one query for the contents rows)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from ..models import DocumentContents, StagedDocument
from ..schema import Schema
from .review import AGREE, CONFLICT, FILLS, KEPT, FieldReview, review


@dataclass
class SheetInfo:
    document: StagedDocument
    contents: DocumentContents | None
    reviews: list[FieldReview] = field(default_factory=list)

    @property
    def reading(self) -> bool:
        return self.contents is not None and not self.contents.finished

    @property
    def by_field(self) -> dict[str, FieldReview]:
        return {r.field.id: r for r in self.reviews}

    def _count(self, status: str) -> int:
        return sum(1 for r in self.reviews if r.status == status)

    @property
    def conflicts(self) -> list[FieldReview]:
        return [r for r in self.reviews if r.status == CONFLICT]

    @property
    def fills(self) -> int:
        return self._count(FILLS)

    @property
    def agrees(self) -> int:
        return self._count(AGREE)

    @property
    def kept(self) -> int:
        return self._count(KEPT)

    @property
    def can_accept(self) -> bool:
        return any(r.status in {FILLS, CONFLICT, KEPT} and r.field.settable for r in self.reviews)

    def picture_url(self, what: str) -> str:
        return reverse(
            "staging:document_picture",
            args=[self.document.batch_id, self.document.pk, what],
        )

    @property
    def thumbnail_url(self) -> str:
        return self.picture_url("thumbnail") if self.contents and self.contents.thumbnail else ""


def sheet_infos(documents: Iterable[StagedDocument], schema: Schema | None) -> dict[int, SheetInfo]:
    documents = list(documents)
    rows = {c.document_id: c for c in DocumentContents.objects.filter(document__in=documents)}
    infos = {}
    for document in documents:
        contents = rows.get(document.pk)
        reviews: list[FieldReview] = []
        if schema is not None and contents is not None and contents.state == DocumentContents.State.DONE:
            reviews = review(document, contents, schema)
        infos[document.pk] = SheetInfo(document, contents, reviews)
    return infos


# batch_summary of a batch of which nothing was read.
NOTHING_READ: dict[str, Any] = {"reading": 0, "conflicted": 0, "splits_waiting": [], "zips_refused": []}


def batch_summary(batch: Any) -> dict[str, Any]:
    """Counts for the batch page: documents being read, with conflicts, splits waiting, zips refused."""
    from .review import conflicts

    contents = DocumentContents.objects.filter(document__batch=batch).select_related("document")
    reading = conflicted = 0
    waiting: list[StagedDocument] = []
    refused: list[DocumentContents] = []
    for row in contents:
        if not row.finished:
            reading += 1
        elif row.state == DocumentContents.State.REFUSED:
            refused.append(row)
        elif conflicts(row.document, row):
            conflicted += 1
        if row.split == DocumentContents.Split.AWAITING:
            waiting.append(row.document)
    return {"reading": reading, "conflicted": conflicted, "splits_waiting": waiting, "zips_refused": refused}


def sheet_context(document: StagedDocument, schema: Schema | None) -> dict[str, Any]:
    """The document page's "From the sheet" part: pictures, the review, a set's sheets."""
    from .sheets import can_split, pending_sheets

    info = sheet_infos([document], schema)[document.pk]
    contents = info.contents
    waiting = contents is not None and contents.split == DocumentContents.Split.AWAITING
    origin = None
    if contents is not None and contents.split_from_id:
        origin = StagedDocument.objects.filter(pk=contents.split_from_id).only("file_name", "batch_id").first()
    return {
        "sheet": info,
        "can_split": can_split(document) if contents is not None else False,
        "split_sheets": pending_sheets(document) if waiting else [],
        "split_origin": origin,
    }
