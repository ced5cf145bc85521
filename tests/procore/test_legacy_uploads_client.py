"""Direct uploads into the Documents tool through the client, against the live sandbox."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
import requests

from portal.accounts.tokens import UserTokenSource
from portal.procore.http import ProcoreClient
from portal.procore.legacy_uploads import SEGMENT_THRESHOLD, DocumentsUploads, Place
from procore_sandbox.limits.clock import advance_clock, reset_clock
from procore_sandbox.models import DocumentFile, DocumentFolder, LegacyUpload
from procore_sandbox.storage import sandbox_storage
from procore_sandbox.testing import DANA
from tests.flows import portal_user

pytestmark = pytest.mark.django_db(transaction=True)

OAKRIDGE = 2306
NORTHWIND = 8089


@pytest.fixture
def client(sandbox, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return ProcoreClient(UserTokenSource.for_user(portal_user(sandbox, DANA)))


def stored_bytes(file: DocumentFile) -> bytes:
    version = file.versions.latest("number")
    return sandbox_storage().open(version.storage_name).read()


def opener(data: bytes):
    return lambda: io.BytesIO(data)


def folder_of(project_id: int | None, company_id: int = NORTHWIND) -> DocumentFolder:
    """The first folder below the root of a project's (or, with None, the company's) Documents tool."""
    folders = DocumentFolder.objects.filter(company_id=company_id, is_deleted=False).exclude(parent=None)
    scoped = folders.filter(project__isnull=True) if project_id is None else folders.filter(project_id=project_id)
    return scoped.earliest("id")


def test_a_small_file_lands_in_a_project_folder(client):
    folder = folder_of(OAKRIDGE)
    api = DocumentsUploads(client, Place(NORTHWIND, OAKRIDGE))
    data = b"%PDF-1.4 small"
    uuid = api.upload(opener(data), len(data), "Site plan.pdf", "application/pdf")
    created = api.create_file(
        parent_id=folder.id, name="Site plan.pdf", description="Issued for review", upload_uuid=uuid
    )
    file = DocumentFile.objects.get(pk=created["id"])
    assert (file.name, file.description, file.folder_id) == ("Site plan.pdf", "Issued for review", folder.id)
    assert stored_bytes(file) == data
    assert LegacyUpload.objects.get(uuid=uuid).segments in (None, [], {})


def test_a_large_file_is_segmented_and_versions_an_existing_file(client):
    folder = folder_of(OAKRIDGE)
    api = DocumentsUploads(client, Place(NORTHWIND, OAKRIDGE))
    first = b"%PDF-1.4 first"
    file_id = api.create_file(
        parent_id=folder.id,
        name="Model.pdf",
        description="",
        upload_uuid=api.upload(opener(first), len(first), "Model.pdf", "application/pdf"),
    )["id"]
    big = (b"0123456789abcdef" * (SEGMENT_THRESHOLD // 16 + 70_000))[: SEGMENT_THRESHOLD * 3 + 12345]
    uuid = api.upload(opener(big), len(big), "Model.pdf", "application/pdf")
    assert len(LegacyUpload.objects.get(uuid=uuid).segments) == 1  # 15.x MB in one 16 MiB segment
    api.new_version(file_id, upload_uuid=uuid)
    file = DocumentFile.objects.get(pk=file_id)
    assert file.versions.count() == 2
    assert hashlib.sha256(stored_bytes(file)).hexdigest() == hashlib.sha256(big).hexdigest()


def test_a_company_folder_works_the_same(client):
    folder = folder_of(None)
    api = DocumentsUploads(client, Place(NORTHWIND))
    data = b"%PDF-1.4 company"
    created = api.create_file(
        parent_id=folder.id,
        name="Policy.pdf",
        description="Company policy",
        upload_uuid=api.upload(opener(data), len(data), "Policy.pdf", "application/pdf"),
    )
    file = DocumentFile.objects.get(pk=created["id"])
    assert file.project_id is None and file.company_id == NORTHWIND and stored_bytes(file) == data


def test_an_expired_upload_form_is_replaced_not_failed(client):
    folder = folder_of(OAKRIDGE)

    class SlowStorage(requests.Session):
        """The first POST to storage arrives after the one-hour window has passed."""

        posts = 0

        def post(self, *args, **kwargs):
            SlowStorage.posts += 1
            if SlowStorage.posts == 1:
                advance_clock(timedelta(hours=1, minutes=1))
            return super().post(*args, **kwargs)

    try:
        api = DocumentsUploads(client, Place(NORTHWIND, OAKRIDGE), storage=SlowStorage())
        data = b"%PDF-1.4 late"
        uuid = api.upload(opener(data), len(data), "Late.pdf", "application/pdf")
        created = api.create_file(parent_id=folder.id, name="Late.pdf", description="", upload_uuid=uuid)
    finally:
        reset_clock()
    assert SlowStorage.posts == 2
    assert stored_bytes(DocumentFile.objects.get(pk=created["id"])) == data


def test_storage_never_receives_the_procore_token(client, monkeypatch):
    seen: list[dict] = []
    real = requests.Session.request

    def spy(self, method, url, *args, **kwargs):
        if "/storage/" in url:
            seen.append(dict(self.headers) | dict(kwargs.get("headers") or {}))
        return real(self, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    api = DocumentsUploads(client, Place(NORTHWIND, OAKRIDGE))
    big = b"x" * (SEGMENT_THRESHOLD + 10)
    api.upload(opener(b"%PDF small"), 10, "a.pdf", "application/pdf")
    api.upload(opener(big), len(big), "b.bin", "application/octet-stream")
    assert seen and all("Authorization" not in headers for headers in seen)
