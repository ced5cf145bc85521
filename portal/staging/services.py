"""What people do to batches, as plain functions: every change is validated and written to the audit log."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count

from portal.accounts.models import User
from portal.mirror.models import Project

from .folder_target import revalidate_folder_batch, target_label
from .models import AuditEntry, Batch, MetadataTemplate, StagedDocument
from .naming import propose
from .schema import Schema
from .uploads import UploadRefused, check_upload, clean_file_name, mime_type_of, sha256_of
from .validation import revalidate_batch, validate

EDITABLE_STATES = [StagedDocument.State.READY, StagedDocument.State.ERRORS, StagedDocument.State.FAILED]


class BatchLocked(Exception):
    """The batch is being submitted or was submitted: it cannot change."""


def audit(batch: Batch, user: User | None, action: str, detail: str = "") -> None:
    AuditEntry.objects.create(batch=batch, user=user, action=action, detail=detail[:2000])


def ensure_editable(batch: Batch) -> None:
    if not batch.is_editable:
        raise BatchLocked(f"“{batch.name}” is {batch.get_state_display().lower()} and can no longer be changed.")


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


def apply_validation(document: StagedDocument, schema: Schema) -> None:
    """Set the document's rule, problems and state from its metadata (not saved)."""
    rule, problems = validate(
        document.metadata, file_name=document.file_name, mime_type=document.mime_type, schema=schema
    )
    document.rule_id = rule.id if rule else ""
    document.problems = [{"field": p.field_id, "message": p.message} for p in problems]
    if document.state in {StagedDocument.State.READY, StagedDocument.State.ERRORS}:
        document.state = StagedDocument.State.ERRORS if problems else StagedDocument.State.READY


def _checks_across_documents(schema: Schema) -> bool:
    """Whether one document's metadata can make another wrong (two equal revisions in a batch)."""
    return any(not rule.allow_duplicate_revisions for rule in schema.rules)


def add_document(batch: Batch, user: User, upload: UploadedFile, schema: Schema) -> tuple[StagedDocument, list[str]]:
    """Store an uploaded file in the batch with metadata proposed from its name; returns notes for the person."""
    ensure_editable(batch)
    check_upload(upload)
    clean = clean_file_name(upload.name)
    notes = (
        [f"Renamed to “{clean.name}”: file names cannot contain folders or special characters."]
        if clean.changed
        else []
    )
    digest = sha256_of(upload)
    original = batch.documents.filter(sha256=digest).only("file_name").first()
    if original is not None:
        raise UploadRefused(
            f"{clean.name} is the same file as {original.file_name}, already in this batch. It was not added again."
        )
    if batch.target == Batch.Target.FOLDER:
        document = StagedDocument(
            batch=batch,
            file_name=clean.name,
            title=clean.name,
            size=upload.size,
            sha256=digest,
            mime_type=mime_type_of(clean.name, upload.content_type),
            position=(batch.documents.order_by("-position").values_list("position", flat=True).first() or 0) + 1,
        )
        document.file.save(clean.name, upload, save=False)
        document.save()
        revalidate_folder_batch(batch)
        document.refresh_from_db(fields=["problems", "state"])
        audit(batch, user, "Added a file", f"{document.file_name} ({document.size} bytes)")
        return document, notes
    proposal = propose(clean.name, schema)
    document = StagedDocument(
        batch=batch,
        file_name=clean.name,
        size=upload.size,
        sha256=digest,
        mime_type=mime_type_of(clean.name, upload.content_type),
        metadata=proposal.metadata,
        proposals=proposal.sources,
        unmatched=proposal.unmatched,
        position=(batch.documents.order_by("-position").values_list("position", flat=True).first() or 0) + 1,
    )
    document.file.save(clean.name, upload, save=False)
    apply_validation(document, schema)
    document.save()
    if _checks_across_documents(schema):
        revalidate_batch(batch, schema)
        document.refresh_from_db(fields=["problems", "rule_id", "state"])
    audit(batch, user, "Added a file", f"{document.file_name} ({document.size} bytes)")
    return document, notes


def _documents(batch: Batch, ids: Iterable[int]) -> list[StagedDocument]:
    wanted = [int(i) for i in ids]
    rows = {d.pk: d for d in batch.documents.filter(pk__in=wanted, state__in=EDITABLE_STATES)}
    return [rows[i] for i in wanted if i in rows]


def _save_metadata(batch: Batch, documents: list[StagedDocument], schema: Schema) -> None:
    """Store new metadata and re-check: the changed documents, or the whole batch when documents
    can conflict with each other."""
    if _checks_across_documents(schema):
        StagedDocument.objects.bulk_update(documents, ["metadata", "proposals"], batch_size=500)
        revalidate_batch(batch, schema)
        return
    for document in documents:
        apply_validation(document, schema)
    StagedDocument.objects.bulk_update(
        documents, ["metadata", "proposals", "problems", "rule_id", "state"], batch_size=500
    )


@transaction.atomic
def set_field(batch: Batch, user: User, ids: Iterable[int], field_id: str, values: list[str], schema: Schema) -> int:
    """Give one field the same values on every chosen document (empty values clear it)."""
    ensure_editable(batch)
    documents = _documents(batch, ids)
    for document in documents:
        if values:
            document.metadata[field_id] = list(values)
        else:
            document.metadata.pop(field_id, None)
        document.proposals.pop(field_id, None)  # a person decided: no longer a proposal
    _save_metadata(batch, documents, schema)
    field = schema.fields_by_id.get(field_id)
    audit(batch, user, "Set a field", f"{field.label if field else field_id} on {len(documents)} document(s)")
    return len(documents)


@transaction.atomic
def set_document_metadata(
    batch: Batch, user: User, document: StagedDocument, metadata: dict[str, list[str]], schema: Schema
) -> None:
    ensure_editable(batch)
    changed = [k for k in set(metadata) | set(document.metadata) if metadata.get(k) != document.metadata.get(k)]
    document.metadata = {k: v for k, v in metadata.items() if v}
    for field_id in changed:
        document.proposals.pop(field_id, None)
    _save_metadata(batch, [document], schema)
    audit(batch, user, "Edited a document", f"{document.file_name}: {len(changed)} field(s) changed")


@transaction.atomic
def copy_down(batch: Batch, user: User, ids: list[int], field_id: str, schema: Schema) -> int:
    """Copy a field from the first chosen document to the others."""
    ensure_editable(batch)
    documents = _documents(batch, ids)
    if len(documents) < 2:
        return 0
    values = documents[0].metadata.get(field_id, [])
    for document in documents[1:]:
        if values:
            document.metadata[field_id] = list(values)
        else:
            document.metadata.pop(field_id, None)
        document.proposals.pop(field_id, None)
    _save_metadata(batch, documents[1:], schema)
    field = schema.fields_by_id.get(field_id)
    audit(
        batch,
        user,
        "Copied a value down",
        f"{field.label if field else field_id} from {documents[0].file_name} to {len(documents) - 1} document(s)",
    )
    return len(documents) - 1


@transaction.atomic
def apply_template(batch: Batch, user: User, template: MetadataTemplate, ids: Iterable[int], schema: Schema) -> int:
    ensure_editable(batch)
    documents = _documents(batch, ids)
    for document in documents:
        for field_id, values in template.values.items():
            if field_id in schema.fields_by_id:
                document.metadata[field_id] = list(values)
                document.proposals.pop(field_id, None)
    _save_metadata(batch, documents, schema)
    audit(batch, user, "Applied a template", f"“{template.name}” to {len(documents)} document(s)")
    return len(documents)


@transaction.atomic
def set_folder_detail(batch: Batch, user: User, ids: Iterable[int], field: str, value: str) -> int:
    """Set the name or the description of documents going to a folder."""
    ensure_editable(batch)
    if field not in {"title", "description"}:
        raise ValueError(f"Unknown detail: {field}")
    documents = _documents(batch, ids)
    for document in documents:
        setattr(document, field, value.strip())
    StagedDocument.objects.bulk_update(documents, [field], batch_size=500)
    revalidate_folder_batch(batch)
    audit(
        batch, user, "Set a field", f"{'Name' if field == 'title' else 'Description'} on {len(documents)} document(s)"
    )
    return len(documents)


def save_template(project: Project, user: User, name: str, values: dict[str, list[str]]) -> MetadataTemplate:
    template, _ = MetadataTemplate.objects.update_or_create(
        project=project, name=name.strip(), defaults={"values": values, "created_by": user}
    )
    return template


def _delete_files(documents: list[StagedDocument]) -> None:
    """Remove stored files no other document still uses."""
    names = {d.file.name for d in documents if d.file}
    in_use = set(StagedDocument.objects.filter(file__in=names).values_list("file", flat=True))
    for name in names - in_use:
        default_storage.delete(name)


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
    rows = StagedDocument.objects.filter(batch__in=list(batches)).values("batch_id", "state").annotate(n=Count("id"))
    for row in rows:
        counts.setdefault(row["batch_id"], {})[row["state"]] = row["n"]
    return counts
