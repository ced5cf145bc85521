"""The content ledger: every file issued into a project's Procore, by SHA-256, with where it went.

Two sources fill it:

- the portal's own submissions (Document Management revisions and Documents-tool files):
  `record_submitted` after a submit run, idempotent, once per staged document;
- current revisions the portal downloads for a visual compare: Procore gives no file hash for a
  Document Management revision or a Documents file (procore-api.md §5, §7.10–§7.11), so the hash
  is computed while the file is downloaded (`record_downloaded`).

`document_label` is how a staged document is named in the ledger and in warnings: the naming
standard's codes ("A-DRW-101") or the number, the name and the revision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from portal.mirror.models import Project, Revision

from ..models import Batch, LedgerEntry, RevisionFile, StagedDocument
from ..schema import Schema, load_schema


@dataclass(frozen=True)
class DocumentLabel:
    number: str  # naming codes or the number field; "" when neither is set
    name: str
    revision: str

    def title(self) -> str:
        """ "A-DRW-101 (Floor Plan)", or “Floor Plan” without a number."""
        if not self.number:
            return f"“{self.name}”" if self.name else "a document"
        return f"{self.number} ({self.name})" if self.name else self.number


def _first(metadata: Mapping[str, list[str]], schema: Schema, name: str) -> str:
    field = schema.fields_by_name.get(name)
    values = [v for v in (metadata.get(field.id) or []) if isinstance(v, str) and v.strip()] if field else []
    return schema.field_code(field, values[0]) if field and values else ""


def document_label(document: StagedDocument, schema: Schema | None) -> DocumentLabel:
    if document.batch.target == Batch.Target.FOLDER or schema is None:
        return DocumentLabel("", document.title or document.file_name, "")
    metadata = document.metadata or {}
    codes = []
    for field in schema.naming_fields:
        raw = [v for v in (metadata.get(field.id) or []) if v]
        codes.append(schema.field_code(field, raw[0]) if raw else "")
    number = schema.naming_separator.join(codes) if schema.naming_fields and all(codes) else ""
    return DocumentLabel(
        number or _first(metadata, schema, "number"),
        _first(metadata, schema, "name"),
        _first(metadata, schema, "revision"),
    )


def person_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def record_submitted(batch: Batch) -> int:
    """Write (or complete) the ledger entry of every document of the batch Procore accepted."""
    documents = list(
        batch.documents.filter(state=StagedDocument.State.SUBMITTED).select_related("batch", "ledger_entry")
    )
    if not documents:
        return 0
    schema = load_schema(batch.project) if batch.target == Batch.Target.DOCUMENT_MANAGEMENT else None
    submitter = batch.submissions.select_related("submitted_by").first()
    user = submitter.submitted_by if submitter else batch.created_by
    target = (
        LedgerEntry.Target.FOLDER if batch.target == Batch.Target.FOLDER else LedgerEntry.Target.DOCUMENT_MANAGEMENT
    )
    versions = _mirrored_versions(batch.project, [d.revision_id for d in documents if d.version is None])
    written = 0
    for document in documents:
        label = document_label(document, schema)
        values = {
            "project": batch.project,
            "sha256": document.sha256,
            "size": document.size,
            "file_name": document.file_name,
            "source": LedgerEntry.Source.PORTAL,
            "target": target,
            "name": label.name,
            "number": label.number,
            "revision": label.revision,
            "container_id": document.container_id,
            "revision_id": document.revision_id,
            "version": document.version if document.version is not None else versions.get(document.revision_id),
            "batch": batch,
            "issued_by": user,
            "issued_by_name": person_name(user),
        }
        entry = getattr(document, "ledger_entry", None)
        if entry is None:
            try:
                with transaction.atomic():
                    LedgerEntry.objects.create(
                        document=document, issued_at=document.landed_at or timezone.now(), **values
                    )
            except IntegrityError:  # another worker recorded it first
                continue
            written += 1
            continue
        changed = {k: v for k, v in values.items() if k in {"container_id", "revision_id", "version"} and v}
        changed = {k: v for k, v in changed.items() if getattr(entry, k) != v}
        if changed:
            LedgerEntry.objects.filter(pk=entry.pk).update(**changed)
            written += 1
    return written


def _mirrored_versions(project: Project, revision_ids: Iterable[str]) -> dict[str, int]:
    wanted = [r for r in revision_ids if r]
    if not wanted:
        return {}
    return {
        procore_id: version
        for procore_id, version in Revision.objects.filter(project=project, procore_id__in=wanted).values_list(
            "procore_id", "version"
        )
        if version is not None
    }


def record_downloaded(project: Project, revision: Revision, sha256: str, size: int) -> None:
    """The hash of a current revision read from Procore, unless the portal issued that revision."""
    if LedgerEntry.objects.filter(project=project, revision_id=revision.procore_id).exists():
        return
    fields = revision.fields or {}
    uploaded_by = _label(fields.get("uploaded_by"))
    created = _label(fields.get("created_at")) or _label(fields.get("uploaded_at"))
    issued_at = parse_datetime(created) if created else None
    number = _label(fields.get("number"))
    try:
        with transaction.atomic():
            LedgerEntry.objects.create(
                project=project,
                sha256=sha256,
                size=size,
                file_name=_label(fields.get("original_filename")) or revision.name,
                source=LedgerEntry.Source.PROCORE,
                target=LedgerEntry.Target.DOCUMENT_MANAGEMENT,
                name=revision.name,
                number=number or revision.number,
                revision=revision.revision,
                container_id=revision.container_id,
                revision_id=revision.procore_id,
                version=revision.version,
                issued_by_name=uploaded_by,
                issued_at=issued_at or revision.procore_updated_at,
            )
    except IntegrityError:
        pass  # recorded meanwhile by another compare


def _label(values) -> str:
    if not values:
        return ""
    first = values[0]
    return str(first.get("label") or "") if isinstance(first, dict) else str(first)


def entries_by_hash(project: Project, hashes: Iterable[str] | QuerySet) -> dict[str, list[LedgerEntry]]:
    """Ledger entries of the project for these hashes (or a subquery of them), oldest issue first."""
    found: dict[str, list[LedgerEntry]] = {}
    if isinstance(hashes, QuerySet):
        chunks: list[Any] = [hashes]
    else:
        wanted = sorted({h for h in hashes if h})
        chunks = [wanted[start : start + 500] for start in range(0, len(wanted), 500)]
    for chunk in chunks:
        rows = (
            LedgerEntry.objects.filter(project=project, sha256__in=chunk).exclude(sha256="").order_by("issued_at", "id")
        )
        for entry in rows:
            found.setdefault(entry.sha256, []).append(entry)
    return found


def hash_of_revision(project: Project, revision_ids: Iterable[str]) -> dict[str, str]:
    """What the portal knows of these revisions' file hashes (issued by it, or downloaded)."""
    wanted = [r for r in revision_ids if r]
    known = dict(
        LedgerEntry.objects.filter(project=project, revision_id__in=wanted)
        .exclude(target=LedgerEntry.Target.FOLDER)
        .values_list("revision_id", "sha256")
    )
    for revision_id, sha256 in RevisionFile.objects.filter(project=project, revision_id__in=wanted).values_list(
        "revision_id", "sha256"
    ):
        known.setdefault(revision_id, sha256)
    return known
