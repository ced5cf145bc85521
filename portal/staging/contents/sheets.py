"""Split a PDF set into one staged document per sheet, on request (pypdf).

The set stays in the batch until the person confirms the split (then it is removed) or undoes it
(then the sheets are); while a split waits, the batch cannot be submitted, so a set and its own
sheets are never sent together. Each sheet is named after what its title block says
(`A-DRW-101_GROUND FLOOR PLAN.pdf`), or `<set> - page 3.pdf` when it says nothing, is staged like
an upload, gets its own thumbnail and title-block reading, and keeps the values a person had set
on the set (status, type …) except those that differ sheet by sheet. The worker can stop at any
point: a split that is run again skips the pages already staged.
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from portal.accounts.models import User

from ..edits import FieldEdit, apply_edits
from ..models import Batch, DocumentContents, StagedDocument
from ..schema import Schema, load_schema, split_extension
from ..services import BatchLocked, audit, ensure_editable, remove_documents
from ..uploads import UploadRefused, clean_file_name
from .children import stage_child
from .reading import lease
from .tasks import queue_split

SHEET_FIELDS = ("number", "name", "revision", "date_authored")


class CannotSplit(Exception):
    """The document cannot be split now; the message says why."""


def can_split(document: StagedDocument) -> bool:
    contents = getattr(document, "contents", None)
    return (
        contents is not None
        and contents.kind == DocumentContents.Kind.PDF
        and contents.pages > 1
        and contents.split in {DocumentContents.Split.NONE, DocumentContents.Split.FAILED}
        and document.state in {StagedDocument.State.READY, StagedDocument.State.ERRORS}
    )


def request_split(batch: Batch, user: User, document: StagedDocument) -> None:
    ensure_editable(batch)
    if not can_split(document):
        raise CannotSplit(f"{document.file_name} cannot be split: only a PDF of several pages, read and not yet split.")
    DocumentContents.objects.filter(document=document).update(
        split=DocumentContents.Split.QUEUED, requested_by=user, lease_until=None, message="", updated_at=timezone.now()
    )
    audit(batch, user, "Asked to split a set", f"{document.file_name}: {document.contents.pages} pages")
    queue_split(document, user.pk)


def sheet_name(set_name: str, page: int, sheet: dict[str, Any]) -> str:
    number = str(sheet.get("number") or "").strip()
    if number:
        title = str(sheet.get("name") or "").strip()
        raw = f"{number}_{title}.pdf" if title else f"{number}.pdf"
    else:
        raw = f"{split_extension(set_name)[0]} - page {page}.pdf"
    try:
        return clean_file_name(raw).name
    except UploadRefused:
        return f"page {page}.pdf"


def _claim(document_id: int) -> DocumentContents | None:
    now = timezone.now()
    claimed = (
        DocumentContents.objects.filter(document_id=document_id, split=DocumentContents.Split.QUEUED)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + lease(), updated_at=now)
    )
    if not claimed:
        return None
    return DocumentContents.objects.select_related("document__batch__project", "requested_by").get(
        document_id=document_id
    )


def split_document(document_id: int, user_id: int | None) -> str:
    contents = _claim(document_id)
    if contents is None:
        return f"document {document_id}: no split to do"
    document = contents.document
    batch = document.batch
    user = contents.requested_by
    try:
        ensure_editable(batch)
        staged = _split(contents, batch, user, load_schema(batch.project))
    except (BatchLocked, PdfReadError, OSError, ValueError) as exc:
        message = str(exc) if isinstance(exc, BatchLocked) else "The set could not be split: its PDF could not be read."
        DocumentContents.objects.filter(pk=contents.pk).update(
            split=DocumentContents.Split.FAILED, message=message, lease_until=None, updated_at=timezone.now()
        )
        audit(batch, user, "Could not split a set", f"{document.file_name}: {message}")
        return f"document {document_id}: split failed"
    DocumentContents.objects.filter(pk=contents.pk).update(
        split=DocumentContents.Split.AWAITING, lease_until=None, updated_at=timezone.now()
    )
    audit(batch, user, "Split a set into sheets", f"{document.file_name}: {staged} sheet(s); confirm to remove the set")
    return f"document {document_id}: split into {staged} sheet(s)"


def _inherited(document: StagedDocument, schema: Schema) -> dict[str, list[str]]:
    """What the set holds that is not sheet-specific (its status, type …): the sheets keep it."""
    specific = {f.id for f in schema.naming_fields}
    specific.update(schema.fields_by_name[n].id for n in SHEET_FIELDS if n in schema.fields_by_name)
    return {fid: list(values) for fid, values in document.metadata.items() if fid not in specific and values}


def _split(contents: DocumentContents, batch: Batch, user: User | None, schema: Schema) -> int:
    from django.core.files.storage import default_storage

    document = contents.document
    done = set(DocumentContents.objects.filter(split_from=document).values_list("split_page", flat=True))
    sheets = {int(s["page"]): s for s in contents.sheets if isinstance(s, dict) and s.get("page")}
    inherited = _inherited(document, schema) if batch.target == Batch.Target.DOCUMENT_MANAGEMENT else {}
    staged = len(done)
    children: list[StagedDocument] = []
    with default_storage.open(document.file.name or "", "rb") as handle:
        reader = PdfReader(handle)
        for index, page in enumerate(reader.pages, start=1):
            if index in done:
                continue
            writer = PdfWriter()
            writer.add_page(page)
            with tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024) as buffer:
                writer.write(buffer)
                size = buffer.tell()
                child, _refused = stage_child(
                    batch,
                    user,
                    sheet_name(document.file_name, index, sheets.get(index, {})),
                    buffer,
                    size,
                    schema,
                    split_from=document,
                    split_page=index,
                )
            if child is None:
                continue
            staged += 1
            children.append(child)
            if sheets.get(index, {}).get("number"):
                _label_as_title_block(child)
    if inherited and children:
        # What a person set on the set (its status, type …) the sheets keep, as the portal's edit.
        edits = [FieldEdit(child.pk, fid, values) for child in children for fid, values in inherited.items()]
        apply_edits(batch, user, edits, schema, action="Sheets kept the set's values", context=document.file_name)
    return staged


def _label_as_title_block(child: StagedDocument) -> None:
    """A sheet's file name was made from its title block: what it proposes comes from there."""
    for source in child.proposals.values():
        source["source"] = "title block"
    StagedDocument.objects.filter(pk=child.pk).update(proposals=child.proposals)


def pending_sheets(document: StagedDocument) -> list[StagedDocument]:
    return list(
        StagedDocument.objects.filter(contents__split_from=document)
        .select_related("contents")
        .order_by("contents__split_page")
    )


@transaction.atomic
def confirm_split(batch: Batch, user: User, document: StagedDocument) -> int:
    ensure_editable(batch)
    contents = DocumentContents.objects.select_for_update().get(document=document)
    if contents.split != DocumentContents.Split.AWAITING:
        raise CannotSplit(f"{document.file_name} has no split waiting to be confirmed.")
    sheets = StagedDocument.objects.filter(contents__split_from=document).count()
    remove_documents(batch, user, [document.pk])
    audit(batch, user, "Confirmed a split", f"{document.file_name} replaced by its {sheets} sheet(s)")
    return sheets


@transaction.atomic
def undo_split(batch: Batch, user: User, document: StagedDocument) -> int:
    ensure_editable(batch)
    contents = DocumentContents.objects.select_for_update().get(document=document)
    if contents.split not in {DocumentContents.Split.AWAITING, DocumentContents.Split.FAILED}:
        raise CannotSplit(f"{document.file_name} has no split to undo.")
    ids = list(StagedDocument.objects.filter(contents__split_from=document).values_list("pk", flat=True))
    removed = remove_documents(batch, user, ids) if ids else 0
    DocumentContents.objects.filter(pk=contents.pk).update(split=DocumentContents.Split.NONE, message="")
    audit(batch, user, "Undid a split", f"{document.file_name}: {removed} sheet(s) removed, the set kept")
    return removed
