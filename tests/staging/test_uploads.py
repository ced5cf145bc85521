"""Files arrive in parts: straight to S3 (a real SeaweedFS) or, on local disk, through the portal;
limits are checked before any byte is stored; the worker hashes the stored file and records it."""

from __future__ import annotations

import hashlib

import pytest
import requests
from django.test import Client

from portal.mirror.sync import sync_memberships
from portal.staging.models import Batch, IncomingFile, StagedDocument
from portal.staging.tasks import record_incoming
from procore_sandbox.testing import ELI, SAM
from tests.flows import portal_user, stage_file

pytestmark = pytest.mark.django_db(transaction=True)

RIVERSIDE = 2305
MiB = 1024 * 1024


@pytest.fixture
def eli_riverside(synced_project, media, settings):
    settings.STAGING_UPLOAD_PART_SIZE = 5 * MiB
    return synced_project(ELI, RIVERSIDE)


@pytest.fixture
def client(eli_riverside):
    return eli_riverside.client


@pytest.fixture
def batch(client):
    client.post(f"/projects/{RIVERSIDE}/batches/", {"name": "Uploads"})
    return Batch.objects.get()


def start(client, batch, name: str, size: int, part_size: int = 5 * MiB):
    return client.post(
        f"/batches/{batch.pk}/uploads/",
        {"name": name, "size": size, "type": "application/pdf", "partSize": part_size},
        content_type="application/json",
    )


def content(size: int, seed: bytes = b"sheet") -> bytes:
    block = hashlib.sha256(seed).digest() * 32
    return (block * (size // len(block) + 1))[:size]


def open_uploads(s3) -> list:
    return s3.client().list_multipart_uploads(Bucket=s3.bucket).get("Uploads", [])


def stored_keys(s3) -> list[str]:
    return [o["Key"] for o in s3.client().list_objects_v2(Bucket=s3.bucket).get("Contents", [])]


def test_it_sends_a_file_in_parts_straight_to_s3_and_the_worker_records_it(client, batch, s3_storage):
    data = content(12 * MiB + 123)
    answer = start(client, batch, "A-DRW-101_Floor Plan_Rev B.pdf", len(data)).json()
    assert answer["ok"] and answer["partSize"] == 5 * MiB
    # Three parts, all signed for storage itself (not the portal), each for its exact length.
    assert [p["number"] for p in answer["parts"]] == [1, 2, 3]
    assert all(p["url"].startswith(s3_storage.endpoint_url + f"/{s3_storage.bucket}/") for p in answer["parts"])
    assert all("content-length" in p["url"].lower() for p in answer["parts"])

    result = stage_file(client, batch.pk, "A-DRW-102_Elevations_Rev B.pdf", data)
    assert result["ok"], result
    document = StagedDocument.objects.get(pk=result["id"])
    assert document.sha256 == hashlib.sha256(data).hexdigest() and document.size == len(data)
    assert document.mime_type == "application/pdf"
    assert document.file.name in stored_keys(s3_storage)
    body = s3_storage.client().get_object(Bucket=s3_storage.bucket, Key=document.file.name)["Body"].read()
    assert body == data


def test_it_refuses_an_over_limit_or_empty_file_before_any_part_is_stored(client, batch, s3_storage, settings):
    settings.STAGING_MAX_FILE_SIZE = 10 * MiB
    big = start(client, batch, "huge.pdf", 10 * MiB + 1)
    assert big.status_code == 400
    assert big.json()["error"] == (
        "huge.pdf is 10,485,761 bytes, over the limit of 10,485,760 bytes per file. Nothing was added."
    )
    empty = start(client, batch, "empty.pdf", 0)
    assert empty.status_code == 400 and empty.json()["error"] == "empty.pdf is empty (0 bytes). Nothing was added."
    assert open_uploads(s3_storage) == [] and stored_keys(s3_storage) == []
    assert not IncomingFile.objects.exists()


def test_it_signs_no_part_beyond_the_declared_size_and_storage_takes_no_extra_byte(client, batch, s3_storage):
    answer = start(client, batch, "plan.pdf", 6 * MiB).json()  # two parts: 5 MiB and 1 MiB
    beyond = client.post(
        f"/batches/{batch.pk}/uploads/{answer['id']}/sign/", {"parts": [3]}, content_type="application/json"
    )
    assert beyond.status_code == 400 and "part 3 is beyond it" in beyond.json()["error"]
    last = next(p for p in answer["parts"] if p["number"] == 2)
    # A body longer than the signed length is refused by storage itself.
    assert requests.put(last["url"], data=b"x" * (MiB + 1), timeout=30).status_code == 403
    assert requests.put(last["url"], data=b"x" * MiB, timeout=30).status_code == 200
    listed = client.get(f"/batches/{batch.pk}/uploads/{answer['id']}/parts/").json()["parts"]
    assert [(p["PartNumber"], p["Size"]) for p in listed] == [(2, MiB)]


def test_the_worker_checks_the_stored_size_at_completion_and_keeps_nothing_over_the_limit(
    client, batch, s3_storage, settings
):
    data = content(6 * MiB)
    answer = start(client, batch, "plan.pdf", len(data)).json()
    parts = []
    for part in answer["parts"]:
        chunk = data[(part["number"] - 1) * 5 * MiB : part["number"] * 5 * MiB]
        put = requests.put(part["url"], data=chunk, timeout=30)
        parts.append({"PartNumber": part["number"], "ETag": put.headers["ETag"]})
    settings.STAGING_MAX_FILE_SIZE = 5 * MiB  # the limit fell while the file was on its way
    done = client.post(
        f"/batches/{batch.pk}/uploads/{answer['id']}/complete/", {"parts": parts}, content_type="application/json"
    )
    assert done.json()["state"] == IncomingFile.State.COMPLETING  # sent: the worker's turn
    record_incoming(answer["id"])
    assert stored_keys(s3_storage) == [] and open_uploads(s3_storage) == []
    told = client.get(f"/batches/{batch.pk}/uploads/states/?ids={answer['id']}").json()["files"][0]
    assert told["state"] == "refused" and "over the limit" in told["error"]
    assert not StagedDocument.objects.exists()


def test_the_worker_refuses_a_copy_of_a_file_already_in_the_batch_and_removes_it(client, batch, s3_storage):
    data = content(300 * 1024)
    first = stage_file(client, batch.pk, "Sheet 1.pdf", data)
    again = stage_file(client, batch.pk, "Sheet 1 again.pdf", data)
    assert first["ok"] and not again["ok"]
    assert again["error"] == (
        "Sheet 1 again.pdf is the same file as Sheet 1.pdf, already in this batch. It was not added again."
    )
    assert stored_keys(s3_storage) == [StagedDocument.objects.get().file.name]


def test_a_cancelled_upload_leaves_nothing_in_storage(client, batch, s3_storage):
    answer = start(client, batch, "plan.pdf", 6 * MiB).json()
    requests.put(answer["parts"][0]["url"], data=content(5 * MiB), timeout=30)
    assert len(open_uploads(s3_storage)) == 1
    client.post(f"/batches/{batch.pk}/uploads/{answer['id']}/abort/")
    assert open_uploads(s3_storage) == [] and stored_keys(s3_storage) == []
    assert IncomingFile.objects.get().state == IncomingFile.State.CANCELLED
    signed = client.post(
        f"/batches/{batch.pk}/uploads/{answer['id']}/sign/", {"parts": [2]}, content_type="application/json"
    )
    assert signed.status_code == 400


def test_on_local_disk_parts_go_through_the_portal_signed_for_their_length(client, batch, settings):
    data = content(7 * MiB)
    answer = start(client, batch, "plan.pdf", len(data)).json()
    first = answer["parts"][0]["url"]
    assert first.startswith("/uploads/parts/")
    assert client.put(first, data=data[:MiB], content_type="application/octet-stream").status_code == 403
    assert client.put(first.replace("signature=", "signature=0"), data=data[: 5 * MiB]).status_code == 403
    put = client.put(first, data=data[: 5 * MiB], content_type="application/octet-stream")
    assert put.status_code == 200 and put.headers["ETag"] == f'"{hashlib.md5(data[: 5 * MiB]).hexdigest()}"'
    listed = client.get(f"/batches/{batch.pk}/uploads/{answer['id']}/parts/").json()["parts"]
    assert listed == [{"PartNumber": 1, "ETag": put.headers["ETag"], "Size": 5 * MiB}]

    result = stage_file(client, batch.pk, "A-DRW-103_Sections_Rev A.pdf", data)
    assert result["ok"], result
    document = StagedDocument.objects.get(pk=result["id"])
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    with document.file.open("rb") as handle:
        assert handle.read() == data


def test_only_the_person_who_started_an_upload_may_continue_it(client, batch, sandbox):
    answer = start(client, batch, "plan.pdf", 6 * MiB).json()
    sam = portal_user(sandbox, SAM)
    sync_memberships(sam)
    other = Client()
    other.force_login(sam)
    assert other.post(f"/batches/{batch.pk}/uploads/", {}, content_type="application/json").status_code == 404
    for what in ["sign", "complete", "abort"]:
        url = f"/batches/{batch.pk}/uploads/{answer['id']}/{what}/"
        assert other.post(url, {"parts": [1]}, content_type="application/json").status_code == 404
    assert other.get(f"/batches/{batch.pk}/uploads/{answer['id']}/parts/").status_code == 404
    assert IncomingFile.objects.get().state == IncomingFile.State.OPEN


def test_a_person_no_longer_in_the_project_cannot_go_on_with_their_upload(client, batch, eli_riverside):
    from portal.mirror.models import Membership

    answer = start(client, batch, "plan.pdf", 6 * MiB).json()
    Membership.objects.filter(user=eli_riverside.user, project_id=RIVERSIDE).delete()  # left the project
    url = f"/batches/{batch.pk}/uploads/{answer['id']}"
    assert client.post(f"{url}/sign/", {"parts": [2]}, content_type="application/json").status_code == 404
    assert client.post(f"{url}/complete/", {"parts": []}, content_type="application/json").status_code == 404
    assert start(client, batch, "more.pdf", 10).status_code == 404
    assert IncomingFile.objects.get().state == IncomingFile.State.OPEN


def test_a_file_still_checking_is_recorded_once_even_if_the_task_runs_twice(client, batch, s3_storage):
    data = content(1000)
    answer = start(client, batch, "twice.pdf", len(data)).json()
    put = requests.put(answer["parts"][0]["url"], data=data, timeout=30)
    client.post(
        f"/batches/{batch.pk}/uploads/{answer['id']}/complete/",
        {"parts": [{"PartNumber": 1, "ETag": put.headers["ETag"]}]},
        content_type="application/json",
    )
    record_incoming(answer["id"])
    record_incoming(answer["id"])
    assert StagedDocument.objects.count() == 1
    assert IncomingFile.objects.get().state == IncomingFile.State.ADDED


def test_a_browser_resuming_a_file_already_completed_is_told_what_became_of_it(client, batch, s3_storage):
    data = content(1000)
    answer = start(client, batch, "done.pdf", len(data)).json()
    put = requests.put(answer["parts"][0]["url"], data=data, timeout=30)
    parts = [{"PartNumber": 1, "ETag": put.headers["ETag"]}]
    url = f"/batches/{batch.pk}/uploads/{answer['id']}"
    client.post(f"{url}/complete/", {"parts": parts}, content_type="application/json")
    record_incoming(answer["id"])
    # A tab reloaded before it heard the answer resumes: storage "holds" every part, and completing
    # again (through any web process) answers with the file's fate instead of failing.
    assert client.get(f"{url}/parts/").json()["parts"] == [{"PartNumber": 1, "ETag": "", "Size": 1000}]
    again = client.post(f"{url}/complete/", {"parts": [{"PartNumber": 1, "ETag": ""}]}, content_type="application/json")
    assert again.json()["state"] == "added" and again.json()["document"]["id"] == StagedDocument.objects.get().pk


def test_a_refusal_says_the_sizes_as_people_read_them(settings):
    from portal.staging.uploads import over_limit

    settings.STAGING_MAX_FILE_SIZE = 2 * 1024**3
    assert over_limit("Model.ifc", int(2.5 * 1024**3)) == (
        "Model.ifc is 2.5 GiB, over the limit of 2.0 GiB per file. Nothing was added."
    )
    # Sizes that would read alike when rounded are given in bytes.
    assert over_limit("Scan.pdf", 2 * 1024**3 + 1) == (
        "Scan.pdf is 2,147,483,649 bytes, over the limit of 2,147,483,648 bytes per file. Nothing was added."
    )


def test_a_file_sent_to_s3_has_its_title_block_read_from_s3_once_recorded(client, batch, s3_storage, worker, sheet_pdf):
    from portal.staging.models import DocumentContents

    result = stage_file(client, batch.pk, "A-DRW-101_Ground Floor Plan_Rev B.pdf", sheet_pdf("A-DRW-101", ["A", "C"]))
    assert result["ok"], result
    # Recording the file queued its reading; the worker reads it (and stores its pictures) in the bucket.
    assert worker() == [f"document {result['id']}: read"]
    contents = DocumentContents.objects.get(document_id=result["id"])
    assert contents.state == DocumentContents.State.DONE
    assert contents.fields["number"] == "A-DRW-101" and contents.fields["revision"] == "C"
    assert contents.title_block_image in stored_keys(s3_storage)


def test_the_page_starts_the_files_added_at_once_in_one_request_and_each_refusal_is_its_own(
    client, batch, s3_storage, settings
):
    settings.STAGING_MAX_FILE_SIZE = 20 * MiB
    files = [
        {"name": "A-DRW-101_Plan_Rev A.pdf", "size": 1000, "type": "application/pdf"},
        {"name": "empty.pdf", "size": 0},
        {"name": "A-DRW-102_Big_Rev A.pdf", "size": 12 * MiB, "type": "application/pdf", "partSize": 5 * MiB},
        {"name": "huge.pdf", "size": 20 * MiB + 1},
        {"name": "no size.pdf"},
    ]
    answer = client.post(f"/batches/{batch.pk}/uploads/", {"files": files}, content_type="application/json").json()
    assert answer["ok"]
    started, empty, big, huge, unsized = answer["files"]
    assert started["ok"] and len(started["parts"]) == 1 and big["ok"] and len(big["parts"]) == 3
    assert (empty["ok"], empty["name"], empty["error"]) == (
        False,
        "empty.pdf",
        "empty.pdf is empty (0 bytes). Nothing was added.",
    )
    assert not huge["ok"] and "over the limit" in huge["error"]
    assert not unsized["ok"] and unsized["error"] == "The file's size did not arrive. Add it again."
    assert sorted(u["UploadId"] for u in open_uploads(s3_storage)) == sorted([started["uploadId"], big["uploadId"]])
    assert IncomingFile.objects.count() == 2
    # Each file of the list goes on as one started alone would.
    put = requests.put(started["parts"][0]["url"], data=content(1000), timeout=30)
    assert put.status_code == 200
    too_many = client.post(
        f"/batches/{batch.pk}/uploads/", {"files": [files[0]] * 101}, content_type="application/json"
    )
    assert too_many.status_code == 400 and too_many.json()["error"] == "Start at most 100 files a request."


def test_the_worker_refuses_a_file_whose_parts_storage_does_not_hold_whole(client, batch, s3_storage):
    data = content(6 * MiB)
    answer = start(client, batch, "half.pdf", len(data)).json()
    first = requests.put(answer["parts"][0]["url"], data=data[: 5 * MiB], timeout=30)
    # The browser says both parts are there; storage holds only the first.
    claimed = [{"PartNumber": 1, "ETag": first.headers["ETag"]}, {"PartNumber": 2, "ETag": '"made-up"'}]
    done = client.post(
        f"/batches/{batch.pk}/uploads/{answer['id']}/complete/", {"parts": claimed}, content_type="application/json"
    )
    assert done.json()["ok"]
    record_incoming(answer["id"])
    told = client.get(f"/batches/{batch.pk}/uploads/states/?ids={answer['id']}").json()["files"][0]
    assert told["state"] == "refused"
    assert told["error"] == "half.pdf did not arrive whole in storage. Nothing was added; add it again."
    assert stored_keys(s3_storage) == [] and open_uploads(s3_storage) == []
    assert not StagedDocument.objects.exists()


def test_a_file_joined_in_storage_by_a_worker_that_died_before_saying_so_is_still_added(client, batch, s3_storage):
    data = content(6 * MiB)
    answer = start(client, batch, "joined.pdf", len(data)).json()
    parts = []
    for part in answer["parts"]:
        put = requests.put(
            part["url"], data=data[(part["number"] - 1) * 5 * MiB : part["number"] * 5 * MiB], timeout=30
        )
        parts.append({"PartNumber": part["number"], "ETag": put.headers["ETag"]})
    client.post(
        f"/batches/{batch.pk}/uploads/{answer['id']}/complete/", {"parts": parts}, content_type="application/json"
    )
    # The first worker joined the parts in storage, then died before its transaction committed.
    incoming = IncomingFile.objects.get()
    s3_storage.client().complete_multipart_upload(
        Bucket=s3_storage.bucket, Key=incoming.key, UploadId=incoming.upload_id, MultipartUpload={"Parts": parts}
    )
    assert incoming.state == IncomingFile.State.COMPLETING
    record_incoming(incoming.pk)
    document = StagedDocument.objects.get()
    assert (document.file_name, document.size, document.sha256) == (
        "joined.pdf",
        len(data),
        hashlib.sha256(data).hexdigest(),
    )
