"""Submitting to a Documents-tool folder, end to end against the live sandbox with the real task function."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.mirror.models import Folder
from portal.staging.models import Batch, StagedDocument
from portal.staging.pipeline import control
from portal.staging.pipeline.runner import run_submission
from procore_sandbox.models import DocumentFile, DocumentFolder
from procore_sandbox.testing import SAM
from tests.flows import stage_file

pytestmark = pytest.mark.django_db(transaction=True)

OAKRIDGE = 2306


@pytest.fixture
def sam(synced_project, media):
    return synced_project(SAM, OAKRIDGE, company_documents=True).user


def staged_batch(
    sam, folder_field: str, names: list[str], *, clash: str = "version", new_folder: str = "", description: str = ""
) -> Batch:
    client = Client()
    client.force_login(sam)
    client.post(
        f"/projects/{OAKRIDGE}/batches/",
        {
            "name": f"batch {len(names)} {folder_field}",
            "target": "folder",
            "folder": folder_field,
            "on_name_clash": clash,
            "new_folder_name": new_folder,
        },
    )
    batch = Batch.objects.latest("pk")
    ids = [stage_file(client, batch.pk, name, f"%PDF-1.4 {name} {batch.pk}".encode())["id"] for name in names]
    if description:
        client.post(
            f"/batches/{batch.pk}/documents/",
            {"action": "set", "field": "description", "value": description, "documents": ids},
        )
    return batch


def submit(batch: Batch, user) -> None:
    submission = control.start(batch, user)
    run_submission(submission.pk)


def test_ten_files_land_in_a_project_folder_then_become_versions(sam):
    folder = (
        DocumentFolder.objects.filter(project_id=OAKRIDGE, is_deleted=False).exclude(parent=None).order_by("id").first()
    )
    names = [f"Report {n}.pdf" for n in range(10)]
    batch = staged_batch(sam, f"project:{folder.id}", names, description="Monthly report")
    submit(batch, sam)
    batch.refresh_from_db()
    assert batch.state == Batch.State.SUBMITTED, list(batch.documents.values_list("message", flat=True))
    files = {f.name: f for f in DocumentFile.objects.filter(folder=folder, name__in=names)}
    assert set(files) == set(names)
    assert {f.description for f in files.values()} == {"Monthly report"}
    assert all(d.landed_at is not None for d in batch.documents.all())  # confirmed in the mirror

    again = staged_batch(sam, f"project:{folder.id}", names)
    submit(again, sam)
    again.refresh_from_db()
    assert again.state == Batch.State.SUBMITTED
    assert DocumentFile.objects.filter(folder=folder, name__in=names).count() == 10
    assert {f.versions.count() for f in DocumentFile.objects.filter(folder=folder, name__in=names)} == {2}
    assert set(again.documents.values_list("version", flat=True)) == {2}


def test_keep_both_gives_a_unique_name(sam):
    taken = DocumentFile.objects.filter(project_id=OAKRIDGE, is_deleted=False).order_by("id").first()
    folder = taken.folder
    batch = staged_batch(sam, f"project:{folder.id}", [taken.name], clash="keep_both")
    submit(batch, sam)
    names = set(DocumentFile.objects.filter(folder=folder).values_list("name", flat=True))
    assert taken.name in names and any(n != taken.name and n.startswith(taken.name.rsplit(".", 1)[0]) for n in names)


def test_a_company_folder_and_a_new_folder_on_the_way(sam):
    parent = Folder.objects.filter(company_id=8089, project=None).order_by("id").first()
    batch = staged_batch(sam, f"company:{parent.id}", ["Policy A.pdf", "Policy B.pdf"], new_folder="2026 policies")
    submit(batch, sam)
    batch.refresh_from_db()
    assert batch.state == Batch.State.SUBMITTED
    created = DocumentFolder.objects.get(company_id=8089, project=None, parent_id=parent.id, name="2026 policies")
    assert set(DocumentFile.objects.filter(folder=created).values_list("name", flat=True)) == {
        "Policy A.pdf",
        "Policy B.pdf",
    }


def test_a_file_request_interrupted_after_procore_applied_it_is_not_made_twice(sam):
    folder = (
        DocumentFolder.objects.filter(project_id=OAKRIDGE, is_deleted=False).exclude(parent=None).order_by("id").first()
    )
    batch = staged_batch(sam, f"project:{folder.id}", ["Once.pdf"])
    submit(batch, sam)
    document = StagedDocument.objects.get(batch=batch)
    # As if the worker died after Procore made the file but before the answer was recorded.
    StagedDocument.objects.filter(pk=document.pk).update(
        state=StagedDocument.State.FAILED, step="file_requested", container_id=""
    )
    Batch.objects.filter(pk=batch.pk).update(state=Batch.State.FAILED)
    submission = control.retry(batch, sam, [StagedDocument.objects.get(pk=document.pk)])
    run_submission(submission.pk)
    assert DocumentFile.objects.filter(folder=folder, name="Once.pdf").count() == 1
    assert StagedDocument.objects.get(pk=document.pk).state == StagedDocument.State.SUBMITTED


def test_a_200_mb_file_goes_to_a_folder_in_segments_with_bounded_memory(sam, settings):
    import hashlib
    import os
    import tracemalloc

    from procore_sandbox.models import LegacyUpload

    folder = (
        DocumentFolder.objects.filter(project_id=OAKRIDGE, is_deleted=False).exclude(parent=None).order_by("id").first()
    )
    batch = staged_batch(sam, f"project:{folder.id}", ["Survey.pdf"])
    size = 200 * 1024 * 1024
    path = os.path.join(settings.MEDIA_ROOT, "big", "survey.pdf")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:  # sparse, with a few distinct bytes per segment
        handle.truncate(size)
        for offset in range(0, size, 7 * 1024 * 1024):
            handle.seek(offset)
            handle.write(f"block {offset}".encode())
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    StagedDocument.objects.filter(batch=batch).update(file="big/survey.pdf", size=size, sha256=digest)

    tracemalloc.start()
    try:
        submit(batch, sam)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    batch.refresh_from_db()
    assert batch.state == Batch.State.SUBMITTED, batch.documents.get().message
    file = DocumentFile.objects.get(folder=folder, name="Survey.pdf")
    version = file.versions.get()
    upload = (
        LegacyUpload.objects.filter(storage_name=version.storage_name).first()
        or LegacyUpload.objects.order_by("-created_at").first()
    )
    assert len(upload.segments) == 13  # 16 MiB segments
    stored = hashlib.sha256()
    from procore_sandbox.storage import sandbox_storage

    with sandbox_storage().open(version.storage_name, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            stored.update(chunk)
    assert stored.hexdigest() == digest
    # No segment ever sat in memory (the sandbox's server threads in this process included).
    assert peak < 40 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"
