"""A 300 MiB file goes through in parts, streamed, with the worker's memory bounded; a presigned
URL that expires mid-file is refreshed (procore-api.md §6.2)."""

from __future__ import annotations

import hashlib
import os
import tracemalloc

import pytest

from portal.procore import uploads
from portal.staging.models import StagedDocument
from procore_sandbox.models import DocumentRevision, FileUpload
from procore_sandbox.pdm import switches as pdm_switches
from tests.staging.submitting import drawing, fast_pipeline, make_batch, run_task, submit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SIZE = 300 * 1024 * 1024


def big_file(path, size: int) -> str:
    """A sparse file with a few distinct bytes per part; returns its SHA-256."""
    with open(path, "wb") as handle:
        handle.truncate(size)
        for offset in range(0, size, 7 * 1024 * 1024):
            handle.seek(offset)
            handle.write(f"%PDF-1.4 block at {offset}\n".encode())
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def staged_big_file(batch, settings, size: int) -> tuple[StagedDocument, str]:
    document = batch.documents.get()
    os.makedirs(os.path.join(settings.MEDIA_ROOT, "big"), exist_ok=True)
    digest = big_file(os.path.join(settings.MEDIA_ROOT, "big", "plan.pdf"), size)
    StagedDocument.objects.filter(pk=document.pk).update(file="big/plan.pdf", size=size, sha256=digest)
    return document, digest


def test_a_300_mib_file_goes_in_parts_with_bounded_memory(sandbox, media, settings, monkeypatch, synced_project):
    fast_pipeline(monkeypatch)
    user, project = synced_project()
    batch = make_batch(user, project, [drawing(700)])
    document, digest = staged_big_file(batch, settings, SIZE)
    tracemalloc.start()
    try:
        submission = run_task(submit(batch, user))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert submission.state == "done", batch.documents.get().message
    document.refresh_from_db()
    revision = DocumentRevision.objects.get(id=document.revision_id)
    stored = FileUpload.objects.get(id=revision.file_upload_id)
    assert stored.file_size == SIZE and stored.sha256 == digest
    assert stored.parts.count() == 6  # 50 MiB parts
    # No 50 MiB part ever sat in memory (the sandbox's server threads in this process included).
    assert peak < 24 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


def test_a_presigned_url_that_expires_mid_file_is_refreshed(sandbox, media, settings, monkeypatch, synced_project):
    fast_pipeline(monkeypatch)
    monkeypatch.setattr(uploads, "PART_SIZE", 6 * 1024 * 1024)
    user, project = synced_project()
    batch = make_batch(user, project, [drawing(701)])
    document, digest = staged_big_file(batch, settings, 15 * 1024 * 1024)
    # After the first part, the sandbox's clock moves past the URLs' hour: the next PUT is
    # refused (403) and the pipeline asks for fresh URLs of the parts still missing.
    real_put = uploads._put
    puts: list[int] = []

    def put_then_expire(storage, segment, handle, offset, size):
        answer = real_put(storage, segment, handle, offset, size)
        puts.append(answer.status_code if answer is not None else 0)
        if len(puts) == 1:
            pdm_switches.set_switch("clock", {"offset_seconds": 3700})
        return answer

    monkeypatch.setattr(uploads, "_put", put_then_expire)
    submission = run_task(submit(batch, user))
    assert submission.state == "done", batch.documents.get().message
    assert puts == [200, 403, 200, 200]
    document.refresh_from_db()
    stored = FileUpload.objects.get(id=DocumentRevision.objects.get(id=document.revision_id).file_upload_id)
    assert stored.sha256 == digest and stored.parts.count() == 3


def test_a_worker_reading_from_s3_submits_a_300_mib_file_with_bounded_memory(
    sandbox, media, settings, monkeypatch, s3_storage, tmp_path, synced_project
):
    fast_pipeline(monkeypatch)
    user, project = synced_project()
    batch = make_batch(user, project, [drawing(702)])
    document = batch.documents.get()
    # The staged file is in the bucket only: written there from a file outside every MEDIA_ROOT.
    source = tmp_path / "outside" / "plan.pdf"
    source.parent.mkdir()
    digest = big_file(source, SIZE)
    s3_storage.client().upload_file(str(source), s3_storage.bucket, "staged/big/plan.pdf")
    source.unlink()
    StagedDocument.objects.filter(pk=document.pk).update(file="staged/big/plan.pdf", size=SIZE, sha256=digest)
    tracemalloc.start()
    try:
        submission = run_task(submit(batch, user))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert submission.state == "done", batch.documents.get().message
    document.refresh_from_db()
    stored = FileUpload.objects.get(id=DocumentRevision.objects.get(id=document.revision_id).file_upload_id)
    assert stored.file_size == SIZE and stored.sha256 == digest and stored.parts.count() == 6
    assert peak < 24 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"
    assert not any(p.is_file() and p.stat().st_size > 1024 * 1024 for p in (media / "media").rglob("*"))
