"""What people do to batches, as plain functions: every change is validated and written to the audit log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count

from portal.accounts.models import User
from portal.mirror.models import Project

from .contents.pictures import delete_pictures
from .contents.tasks import queue_reading
from .edits import (
    EDITABLE_STATES,
    FOLDER_FIELDS,
    BatchLocked,
    EditResult,
    FieldEdit,
    apply_edits,
    apply_validation,
    checks_across_documents,
    ensure_editable,
    stored,
)
from .folder_target import revalidate_folder_batch, target_label
from .models import AuditEntry, Batch, MetadataTemplate, StagedDocument, staged_key
from .naming import propose
from .schema import Schema
from .uploads import UploadRefused, check_upload, clean_file_name, mime_type_of, sha256_of
from .validation import duplicate_problem, revision_field_id, revision_key


def audit(batch: Batch, user: User | None, action: str, detail: str = "") -> None:
    AuditEntry.objects.create(batch=batch, user=user, action=action, detail=detail[:2000])


def create_batch(
    project: Project,
    user: User,
    *,
    name: str,
    note: str = "",
    target: str = Batch.Target.DOCUMENT_MANAGEMENT,
    folder_scope: str = Batch.FolderScope.PROJECT,
    folder_id: int | None = None,
    new_folder_name: str = "",
    on_name_clash: str = Batch.NameClash.NEW_VERSION,
) -> Batch:
    batch = Batch.objects.create(
        project=project,
        created_by=user,
        name=name.strip(),
        note=note.strip(),
        target=target,
        folder_scope=folder_scope,
        folder_id=folder_id,
        new_folder_name=new_folder_name.strip(),
        on_name_clash=on_name_clash,
    )
    where = target_label(batch) if target == Batch.Target.FOLDER else batch.get_target_display()
    audit(batch, user, "Created the batch", f"Target: {where}")
    return batch


def add_document(batch: Batch, user: User, upload: UploadedFile, schema: Schema) -> tuple[StagedDocument, list[str]]:
    """Stage a file the portal already holds (e.g. one taken out of a zip): store it, then record
    it as an upload from a browser is recorded. Returns the document and notes for the person."""
    ensure_editable(batch)
    check_upload(upload)
    clean = clean_file_name(upload.name or "")
    notes = (
        [f"Renamed to “{clean.name}”: file names cannot contain folders or special characters."]
        if clean.changed
        else []
    )
    digest = sha256_of(upload)
    refuse_copy(batch, clean.name, digest)
    key = default_storage.save(staged_key(batch), upload)
    try:
        document = record_document(
            batch,
            user,
            name=clean.name,
            key=key,
            size=upload.size or 0,
            sha256=digest,
            mime_type=mime_type_of(clean.name, upload.content_type),
            schema=schema,
        )
    except (UploadRefused, BatchLocked):
        default_storage.delete(key)
        raise
    return document, notes


def refuse_copy(batch: Batch, name: str, digest: str) -> None:
    """A file whose bytes are already in the batch is not added twice."""
    original = batch.documents.filter(sha256=digest).only("file_name").first()
    if original is not None:
        raise UploadRefused(
            f"{name} is the same file as {original.file_name}, already in this batch. It was not added again."
        )


def record_document(
    batch: Batch,
    user: User | None,
    *,
    name: str,
    key: str,
    size: int,
    sha256: str,
    mime_type: str,
    schema: Schema,
) -> StagedDocument:
    """Add a stored, hashed file to the batch with metadata proposed from its name, and check it.

    The batch row is locked meanwhile, so two copies of one file arriving at once cannot both
    pass the duplicate check. Both ways in — a browser's upload recorded by the worker, and
    `add_document` — end here, hashed and typed: this is where a staged file has arrived."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        ensure_editable(batch)
        refuse_copy(batch, name, sha256)
        position = (batch.documents.order_by("-position").values_list("position", flat=True).first() or 0) + 1
        document = StagedDocument(
            batch=batch, file_name=name, size=size, sha256=sha256, mime_type=mime_type, position=position
        )
        document.file.name = key
        if batch.target == Batch.Target.FOLDER:
            document.title = name
            document.save()
            revalidate_folder_batch(batch)
            document.refresh_from_db(fields=["problems", "state"])
        else:
            proposal = propose(name, schema)
            document.metadata = proposal.metadata
            document.proposals = proposal.sources
            document.unmatched = proposal.unmatched
            apply_validation(document, schema)
            if checks_across_documents(schema):
                check_twin(batch, document, schema)
            document.save()
        audit(batch, user, "Added a file", f"{document.file_name} ({document.size} bytes)")
        # The file has arrived: its contents (title block, sheets, a zip's files) are read by the
        # worker once this commits. Work that starts from an arrived file starts here.
        queue_reading(document, requested_by=user)
    return document


def check_twin(batch: Batch, document: StagedDocument, schema: Schema) -> None:
    """Flag a new document (last in the batch's order) that is the same revision as one already
    staged: one indexed lookup on the revision key; the documents before it are not affected."""
    rule = next((r for r in schema.rules if r.id == document.rule_id), None)
    document.revision_key = revision_key(document.metadata, document.file_name, document.mime_type, rule, schema)
    if not document.revision_key or any(p["field"] == revision_field_id(schema) for p in document.problems):
        return
    twin = (
        batch.documents.filter(revision_key=document.revision_key)
        .exclude(pk=document.pk)
        .order_by("position", "id")
        .only("file_name")
        .first()
    )
    if twin is None:
        return
    problem = duplicate_problem(document.metadata, schema, f"“{twin.file_name}”")
    document.problems = [*document.problems, {"field": problem.field_id, "message": problem.message}]
    if document.state in {StagedDocument.State.READY, StagedDocument.State.ERRORS}:
        document.state = StagedDocument.State.ERRORS


def _documents(batch: Batch, ids: Iterable[int]) -> list[StagedDocument]:
    wanted = [int(i) for i in ids]
    rows = {d.pk: d for d in batch.documents.filter(pk__in=wanted, state__in=EDITABLE_STATES)}
    return [rows[i] for i in wanted if i in rows]


Versions = Mapping[int, int] | None
SCOPES = {"batch", "errors", "name"}


def documents_in_scope(batch: Batch, scope: str, name_contains: str = "") -> list[int]:
    """The editable documents a bulk action means when it names no rows: the whole batch, those
    with errors, or those whose file name contains a text (one query, ids only)."""
    rows = batch.documents.filter(state__in=EDITABLE_STATES)
    if scope == "errors":
        rows = rows.filter(state=StagedDocument.State.ERRORS)
    elif scope == "name":
        rows = rows.filter(file_name__icontains=name_contains.strip()) if name_contains.strip() else rows.none()
    elif scope != "batch":
        return []
    return list(rows.order_by("position", "id").values_list("pk", flat=True))


def _base(versions: Versions, document_id: int) -> int | None:
    """The version of a document the person's page showed (None: not known, no check)."""
    return versions.get(document_id) if versions is not None else None


def set_field(
    batch: Batch,
    user: User,
    ids: Iterable[int],
    field_id: str,
    values: list[str],
    schema: Schema | None,
    versions: Versions = None,
) -> EditResult:
    """Give one field the same values on every chosen document (empty values clear it)."""
    edits = [FieldEdit(i, field_id, list(values), _base(versions, i)) for i in dict.fromkeys(int(i) for i in ids)]
    return apply_edits(batch, user, edits, schema, action="Set a field")


def set_document_fields(
    batch: Batch,
    user: User,
    document: StagedDocument,
    values: Mapping[str, list[str]],
    schema: Schema,
    base_version: int | None = None,
) -> EditResult:
    """Set the named fields of one document (others keep their values)."""
    edits = [FieldEdit(document.pk, field_id, list(v), base_version) for field_id, v in values.items()]
    return apply_edits(batch, user, edits, schema, action="Edited a document")


def copy_down(
    batch: Batch, user: User, ids: list[int], field_id: str, schema: Schema | None, versions: Versions = None
) -> EditResult:
    """Copy a field from the first chosen document to the others."""
    ensure_editable(batch)
    documents = _documents(batch, ids)
    if len(documents) < 2:
        return EditResult()
    values = stored(documents[0], field_id)
    edits = [FieldEdit(d.pk, field_id, values, _base(versions, d.pk)) for d in documents[1:]]
    return apply_edits(
        batch, user, edits, schema, action="Copied a value down", context=f"From {documents[0].file_name}"
    )


def apply_template(
    batch: Batch, user: User, template: MetadataTemplate, ids: Iterable[int], schema: Schema, versions: Versions = None
) -> EditResult:
    """Set the template's fields on the chosen documents (the fields it does not name keep their values)."""
    fields = {
        f: list(v) for f, v in template.values.items() if f in schema.fields_by_id and schema.fields_by_id[f].settable
    }
    edits = [
        FieldEdit(i, field_id, values, _base(versions, i))
        for i in dict.fromkeys(int(i) for i in ids)
        for field_id, values in fields.items()
    ]
    return apply_edits(batch, user, edits, schema, action="Applied a template", context=f"“{template.name}”")


def set_folder_detail(
    batch: Batch, user: User, ids: Iterable[int], field: str, value: str, versions: Versions = None
) -> EditResult:
    """Set the name or the description of documents going to a folder."""
    if field not in FOLDER_FIELDS:
        raise ValueError(f"Unknown detail: {field}")
    edits = [FieldEdit(i, field, [value], _base(versions, i)) for i in dict.fromkeys(int(i) for i in ids)]
    return apply_edits(batch, user, edits, None, action="Set a field")


def save_template(project: Project, user: User, name: str, values: dict[str, list[str]]) -> MetadataTemplate:
    template, _ = MetadataTemplate.objects.update_or_create(
        project=project, name=name.strip(), defaults={"values": values, "created_by": user}
    )
    return template


def _delete_files(documents: list[StagedDocument]) -> None:
    """Remove stored files no other document still uses, and the documents' pictures."""
    names = {d.file.name for d in documents if d.file and d.file.name}
    in_use = set(StagedDocument.objects.filter(file__in=names).values_list("file", flat=True))
    for name in names - in_use:
        default_storage.delete(name)
    delete_pictures(documents)


def remove_documents(batch: Batch, user: User, ids: Iterable[int]) -> int:
    ensure_editable(batch)
    documents = _documents(batch, ids)
    with transaction.atomic():
        StagedDocument.objects.filter(pk__in=[d.pk for d in documents]).delete()
        audit(
            batch,
            user,
            "Removed documents",
            ", ".join(d.file_name for d in documents[:20])
            + (f" and {len(documents) - 20} more" if len(documents) > 20 else ""),
        )
    transaction.on_commit(lambda: _delete_files(documents))
    return len(documents)


def empty_batch(batch: Batch, user: User) -> int:
    ensure_editable(batch)
    return remove_documents(batch, user, batch.documents.values_list("pk", flat=True))


def delete_batch(batch: Batch, user: User) -> None:
    if batch.state != Batch.State.DRAFT:
        raise BatchLocked("Only a draft batch can be deleted.")
    documents = list(batch.documents.all())
    batch.delete()
    transaction.on_commit(lambda: _delete_files(documents))


def batch_counts(batches: Iterable[Batch]) -> dict[int, dict[str, int]]:
    """Documents per state for each batch, in one query."""
    counts: dict[int, dict[str, int]] = {}
    # COUNT(*), not COUNT(id): the (batch, state) index alone answers it.
    rows = StagedDocument.objects.filter(batch__in=list(batches)).values("batch_id", "state").annotate(n=Count("*"))
    for row in rows:
        counts.setdefault(row["batch_id"], {})[row["state"]] = row["n"]
    return counts
