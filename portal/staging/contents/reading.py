"""Read one staged document in the worker: pictures, title blocks, zip expansion.

The worker claims the document's contents row with a conditional UPDATE (pending, or reading
with a lease that ran out) so two workers never read the same document, and a worker that dies
leaves a lease the scheduled sweep (tasks.resume_stalled_readings) picks up again. Files are
opened through Django's storage API, so this works the same on local disk and on S3.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import F, Q
from django.utils import timezone

from ..models import Batch, DocumentContents, StagedDocument
from ..schema import load_schema
from .extract import UnreadablePdf, open_pdf
from .pdfpage import read_page
from .pictures import picture_name
from .previews import PREVIEW_WIDTH, THUMBNAIL_WIDTH, NoPreview, image_previews, render_page, render_region
from .proposals import title_block_proposal
from .titleblock import FIELDS, read_title_block

log = logging.getLogger(__name__)

IMAGE_TYPES = {"image/jpeg", "image/png", "image/tiff", "image/gif", "image/bmp", "image/webp"}
ZIP_TYPES = {"application/zip", "application/x-zip-compressed"}
SIGNATURES = [
    (b"%PDF-", DocumentContents.Kind.PDF),
    (b"PK\x03\x04", DocumentContents.Kind.ZIP),
    (b"\x89PNG", DocumentContents.Kind.IMAGE),
    (b"\xff\xd8\xff", DocumentContents.Kind.IMAGE),
    (b"GIF8", DocumentContents.Kind.IMAGE),
    (b"II*\x00", DocumentContents.Kind.IMAGE),
    (b"MM\x00*", DocumentContents.Kind.IMAGE),
    (b"BM", DocumentContents.Kind.IMAGE),
]


def lease() -> timedelta:
    return timedelta(seconds=int(settings.STAGING_READ_LEASE))


def max_pages() -> int:
    return int(settings.STAGING_READ_MAX_PAGES)


def claim(document_id: int) -> DocumentContents | None:
    now = timezone.now()
    claimed = (
        DocumentContents.objects.filter(document_id=document_id)
        .filter(Q(state=DocumentContents.State.PENDING) | Q(state=DocumentContents.State.READING, lease_until__lt=now))
        .update(
            state=DocumentContents.State.READING, lease_until=now + lease(), attempts=F("attempts") + 1, updated_at=now
        )
    )
    if not claimed:
        return None
    return DocumentContents.objects.select_related("document__batch__project").get(document_id=document_id)


def kind_of(document: StagedDocument, head: bytes) -> str:
    """What the file is, by its first bytes (its name and declared type can lie)."""
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            if kind == DocumentContents.Kind.ZIP and not document.file_name.lower().endswith(".zip"):
                return DocumentContents.Kind.OTHER  # .docx, .xlsx, .dwfx are zip files too
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return DocumentContents.Kind.IMAGE
    return DocumentContents.Kind.OTHER


def read_document(document_id: int) -> str:
    """Read a document's contents once; a no-op when another worker holds it or it is read."""
    contents = claim(document_id)
    if contents is None:
        return f"document {document_id}: already read or being read"
    document = contents.document
    try:
        with default_storage.open(document.file.name or "", "rb") as handle:
            head = handle.read(16)
            handle.seek(0)
            contents.kind = kind_of(document, head)
            if contents.kind == DocumentContents.Kind.ZIP:
                from .zips import expand_zip

                return expand_zip(contents, handle)
            if contents.kind == DocumentContents.Kind.PDF:
                _read_pdf(contents, handle)
            elif contents.kind == DocumentContents.Kind.IMAGE:
                _read_image(contents, handle)
            contents.state = DocumentContents.State.DONE
    except (UnreadablePdf, NoPreview) as exc:
        contents.state = DocumentContents.State.FAILED
        contents.message = str(exc)
    except FileNotFoundError:
        contents.state = DocumentContents.State.FAILED
        contents.message = "The staged file is no longer stored."
    except Exception:  # a reading is a convenience: never leave a document stuck on it
        log.exception("Reading document %s failed", document_id)
        contents.state = DocumentContents.State.FAILED
        contents.message = "The file could not be read."
    _finish(contents)
    return f"document {document_id}: {contents.get_state_display().lower()}"


def _finish(contents: DocumentContents) -> None:
    contents.read_at = timezone.now()
    contents.lease_until = None
    updated = DocumentContents.objects.filter(pk=contents.pk).update(
        **{
            name: getattr(contents, name)
            for name in (
                "state",
                "kind",
                "pages",
                "scanned_pages",
                "thumbnail",
                "preview",
                "title_block_image",
                "fields",
                "sources",
                "proposed",
                "sheets",
                "notes",
                "message",
                "read_at",
                "lease_until",
            )
        },
        updated_at=timezone.now(),
    )
    if not updated:  # the document was removed while it was read: drop its pictures
        for name in (contents.thumbnail, contents.preview, contents.title_block_image):
            if name:
                default_storage.delete(name)


def _store(contents: DocumentContents, what: str, data: bytes) -> str:
    name = picture_name(contents.document, what)
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(data))


def _read_image(contents: DocumentContents, handle: object) -> None:
    thumbnail, preview = image_previews(handle)  # type: ignore[arg-type]
    contents.pages = 1
    contents.thumbnail = _store(contents, "thumbnail", thumbnail)
    contents.preview = _store(contents, "preview", preview)


def _read_pdf(contents: DocumentContents, handle: object) -> None:
    document = contents.document
    pdf = open_pdf(handle)  # type: ignore[arg-type]
    try:
        count = len(pdf)
        contents.pages = count
        sheets: list[dict[str, object]] = []
        scanned = 0
        for index in range(min(count, max_pages())):
            page = pdf[index]
            try:
                reading = read_title_block(read_page(page))
                if index == 0:
                    contents.thumbnail = _store(contents, "thumbnail", render_page(page, THUMBNAIL_WIDTH))
                    contents.preview = _store(contents, "preview", render_page(page, PREVIEW_WIDTH))
                    if reading.found:
                        region = reading.focus or reading.box
                        assert region is not None  # a title block that was found has a box
                        contents.title_block_image = _store(contents, "title-block", render_region(page, region))
                    contents.fields = {name: reading.fields.get(name) for name in FIELDS}
                    contents.sources = dict(reading.sources)
                    contents.notes = list(reading.notes)
            finally:
                page.close()
            scanned += reading.scanned
            if count > 1:
                sheets.append(
                    {
                        "page": index + 1,
                        **{name: reading.fields.get(name) for name in FIELDS},
                        "scanned": reading.scanned,
                    }
                )
    finally:
        pdf.close()
    contents.scanned_pages = scanned
    contents.sheets = sheets
    if count > max_pages():
        contents.notes.append(f"Only the first {max_pages()} of {count} pages were read.")
    if scanned:
        contents.notes = [n for n in contents.notes if "scanned" not in n.lower()]
        contents.notes.append(
            "A scanned sheet: it has no text to read, so nothing was proposed."
            if count == 1
            else f"{scanned} of {count} pages are scanned: they have no text to read."
        )
    if document.batch.target == Batch.Target.DOCUMENT_MANAGEMENT and any(contents.fields.values()):
        proposal = title_block_proposal(contents.fields, load_schema(document.batch.project))
        contents.proposed = proposal.proposed
        contents.notes.extend(proposal.notes)
