"""The hourly sweep: unfinished uploads are aborted, files nothing refers to (a batch deleted with
its project, say) are removed, and what is still in use is left alone. Also the bucket command."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone

from portal.staging.models import Batch, IncomingFile, StagedDocument
from portal.staging.tasks import sweep_uploads
from procore_sandbox.testing import ELI
from tests.flows import stage_file

pytestmark = pytest.mark.django_db(transaction=True)

RIVERSIDE = 2305
MiB = 1024 * 1024


@pytest.fixture
def client(synced_project, media, settings):
    settings.STAGING_UPLOAD_PART_SIZE = 5 * MiB
    return synced_project(ELI, RIVERSIDE).client


def a_day_ago(**filters) -> None:
    then = timezone.now() - timedelta(hours=25)
    IncomingFile.objects.filter(**filters).update(updated_at=then, created_at=then)


def test_it_aborts_unfinished_uploads_and_removes_orphaned_files_in_s3(client, s3_storage, monkeypatch):
    client.post(f"/projects/{RIVERSIDE}/batches/", {"name": "Kept"})
    client.post(f"/projects/{RIVERSIDE}/batches/", {"name": "Deleted with its project"})
    kept, doomed = Batch.objects.order_by("pk")
    s3 = s3_storage.client()
    bucket = s3_storage.bucket

    assert stage_file(client, kept.pk, "kept.pdf", b"%PDF kept")["ok"]
    assert stage_file(client, doomed.pk, "doomed.pdf", b"%PDF doomed")["ok"]
    doomed_key = StagedDocument.objects.get(batch=doomed).file.name
    # An upload left half-way a day ago, and one started just now.
    stale = client.post(
        f"/batches/{kept.pk}/uploads/", {"name": "stale.pdf", "size": 6 * MiB}, content_type="application/json"
    ).json()
    requests.put(stale["parts"][0]["url"], data=b"s" * (5 * MiB), timeout=30)
    a_day_ago(pk=stale["id"])
    fresh = client.post(
        f"/batches/{kept.pk}/uploads/", {"name": "fresh.pdf", "size": 10}, content_type="application/json"
    ).json()
    # The doomed batch goes the way a deleted project takes it: its rows, not its files.
    Batch.objects.filter(pk=doomed.pk).delete()

    # Only files untouched for an hour count as orphaned: move the clock on.
    from portal.staging.incoming import sweep

    monkeypatch.setattr(sweep, "ORPHAN_GRACE", timedelta(seconds=-5))
    assert sweep_uploads() == "1 upload(s) aborted, 1 orphaned file(s) removed"

    uploads = {u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])}
    assert uploads == {fresh["uploadId"]}
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert keys == {StagedDocument.objects.get(batch=kept).file.name} and doomed_key not in keys
    stale_row = IncomingFile.objects.get(pk=stale["id"])
    assert stale_row.state == IncomingFile.State.CANCELLED and "not finished within 24 hours" in stale_row.message
    assert IncomingFile.objects.get(pk=fresh["id"]).state == IncomingFile.State.OPEN


def test_it_aborts_an_upload_storage_holds_that_no_row_knows(client, s3_storage, settings):
    client.post(f"/projects/{RIVERSIDE}/batches/", {"name": "Batch"})
    batch = Batch.objects.get()
    started = client.post(
        f"/batches/{batch.pk}/uploads/", {"name": "a.pdf", "size": 6 * MiB}, content_type="application/json"
    ).json()
    IncomingFile.objects.filter(pk=started["id"]).delete()  # as if the web process died before saving it
    settings.STAGING_UPLOAD_EXPIRY_HOURS = 0
    assert sweep_uploads().startswith("1 upload(s) aborted")
    assert s3_storage.client().list_multipart_uploads(Bucket=s3_storage.bucket).get("Uploads", []) == []


def test_on_local_disk_it_removes_unfinished_parts(client, settings):
    client.post(f"/projects/{RIVERSIDE}/batches/", {"name": "Batch"})
    batch = Batch.objects.get()
    started = client.post(
        f"/batches/{batch.pk}/uploads/", {"name": "a.pdf", "size": 6 * MiB}, content_type="application/json"
    ).json()
    client.put(started["parts"][0]["url"], data=b"p" * (5 * MiB), content_type="application/octet-stream")
    parts = Path(settings.MEDIA_ROOT) / "incoming" / started["uploadId"]
    assert parts.is_dir()
    a_day_ago(pk=started["id"])
    assert sweep_uploads().startswith("1 upload(s) aborted")
    assert not parts.exists()


def test_the_bucket_command_creates_the_bucket_once(s3_storage, settings):
    s3_storage.client().delete_bucket(Bucket=s3_storage.bucket)
    out = StringIO()
    call_command("create_storage_bucket", stdout=out)
    call_command("create_storage_bucket", stdout=out)
    assert out.getvalue().splitlines() == [
        f"Created the bucket {s3_storage.bucket}.",
        f"The bucket {s3_storage.bucket} exists.",
    ]


def test_it_removes_the_pictures_of_documents_that_are_gone(client, s3_storage, monkeypatch):
    client.post(f"/projects/{RIVERSIDE}/batches/", {"name": "Batch"})
    batch = Batch.objects.get()
    assert stage_file(client, batch.pk, "kept.pdf", b"%PDF kept")["ok"]
    kept = StagedDocument.objects.get()
    s3 = s3_storage.client()
    # Pictures read from the kept document, and from one whose batch went with its project.
    pictures = {n: f"previews/{RIVERSIDE}/{batch.pk}/{n}/thumbnail.png" for n in (kept.pk, kept.pk + 1000)}
    for key in pictures.values():
        s3.put_object(Bucket=s3_storage.bucket, Key=key, Body=b"\x89PNG")
    from portal.staging.incoming import sweep

    monkeypatch.setattr(sweep, "ORPHAN_GRACE", timedelta(seconds=-5))
    assert sweep_uploads() == "0 upload(s) aborted, 1 orphaned file(s) removed"
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=s3_storage.bucket).get("Contents", [])}
    assert keys == {kept.file.name, pictures[kept.pk]}
