"""Batches that go to a Documents-tool folder rather than Document Management.

A document needs only a name (the file's name in the folder) and may have a description. What
happens when the name is already taken is the batch's choice (a new version of that file, or
both kept with Procore giving the new one a unique name) and is shown on every document before
anything is sent. Problems: an empty name, characters Procore refuses, the same name twice in
the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.mirror.models import File, Folder

from .models import Batch, StagedDocument
from .uploads import FORBIDDEN

CHECKED_STATES = {StagedDocument.State.READY, StagedDocument.State.ERRORS}


@dataclass(frozen=True)
class FolderChoice:
    id: int
    path: str
    scope: str


def folder_choices(batch_project) -> list[FolderChoice]:
    """Folders a batch of this project may target: the project's and its company's, by path."""
    project_folders = Folder.objects.filter(project=batch_project).only("id", "name_with_path", "name")
    company_folders = Folder.objects.filter(company_id=batch_project.company_id, project=None).only(
        "id", "name_with_path", "name"
    )
    choices = [FolderChoice(f.id, f.name_with_path or f.name, Batch.FolderScope.PROJECT) for f in project_folders]
    choices += [FolderChoice(f.id, f.name_with_path or f.name, Batch.FolderScope.COMPANY) for f in company_folders]
    return sorted(choices, key=lambda c: (c.scope != Batch.FolderScope.PROJECT, c.path.lower()))


def target_folder(batch: Batch) -> Folder | None:
    if batch.folder_id is None:
        return None
    scope = (
        {"project": batch.project}
        if batch.folder_scope == Batch.FolderScope.PROJECT
        else {"company_id": batch.project.company_id, "project": None}
    )
    return Folder.objects.filter(pk=batch.folder_id, **scope).first()


def target_label(batch: Batch) -> str:
    folder = target_folder(batch)
    where = "Company documents" if batch.folder_scope == Batch.FolderScope.COMPANY else "Project documents"
    path = (folder.name_with_path or folder.name) if folder else "the top level"
    if batch.new_folder_name:
        return f"{where} / {path} / {batch.new_folder_name} (new folder)"
    return f"{where} / {path}"


def existing_files(batch: Batch) -> dict[str, File]:
    """Files already in the target folder, by lower-cased name (none when a new folder is made)."""
    if batch.new_folder_name or batch.folder_id is None:
        return {}
    scope = (
        {"project": batch.project}
        if batch.folder_scope == Batch.FolderScope.PROJECT
        else {"company_id": batch.project.company_id, "project": None}
    )
    files = File.objects.filter(folder_id=batch.folder_id, **scope).only("id", "name", "latest_version_number")
    return {f.name.lower(): f for f in files}


def landing(document: StagedDocument, batch: Batch, existing: dict[str, File]) -> str:
    """What the document becomes in Procore, in words."""
    taken = existing.get((document.title or document.file_name).lower())
    if taken is None:
        return "New file"
    if batch.on_name_clash == Batch.NameClash.NEW_VERSION:
        number = (taken.latest_version_number or 1) + 1
        return f"New version {number} of {taken.name}"
    return f"New file beside {taken.name} (Procore gives it a unique name)"


def name_problems(title: str) -> list[str]:
    if not title.strip():
        return ["A name is required."]
    if FORBIDDEN.search(title) or any(ord(ch) < 32 for ch in title):
        return ['The name cannot contain \\ / : * ? " < > | or control characters.']
    return []


def revalidate_folder_batch(batch: Batch, *, changed_ids: set[int] | None = None) -> dict[str, int]:
    """Check every document of a folder batch and store its problems and state; `changed_ids`,
    when given, receives the ids of documents whose problems or state changed."""
    documents = list(batch.documents.only("id", "title", "file_name", "problems", "state"))
    seen: dict[str, str] = {}
    changed = []
    for document in documents:
        if document.state not in CHECKED_STATES:
            continue
        title = document.title or document.file_name
        problems = [{"field": "title", "message": m} for m in name_problems(title)]
        key = title.strip().lower()
        if key in seen:
            problems.append({"field": "title", "message": f"“{title}” is also the name of {seen[key]} in this batch."})
        else:
            seen[key] = document.file_name
        state = StagedDocument.State.ERRORS if problems else StagedDocument.State.READY
        if (problems, state) != (document.problems, document.state):
            document.problems, document.state = problems, state
            changed.append(document)
    StagedDocument.objects.bulk_update(changed, ["problems", "state"], batch_size=500)
    if changed_ids is not None:
        changed_ids.update(document.pk for document in changed)
    counts: dict[str, int] = {}
    for document in documents:
        counts[document.state] = counts.get(document.state, 0) + 1
    return counts
