"""Direct uploads for the Documents tool (procore-api.md §6.1) and the files they become (§5).

A file up to SEGMENT_THRESHOLD goes in one multipart POST to the storage URL Procore returns,
with every `fields` entry unchanged plus `file`. A larger one is segmented: SHA-256 per segment,
each segment PUT to its URL with exactly the headers given, then `PATCH .../uploads/{uuid}`
with the etags in order. Either way the completed upload's `uuid` then becomes a project or
company file (`upload_uuid`) or a new version of one.

- Storage never sees a Procore token: it gets a plain `requests` session of its own, never the
  API client's. Storage URLs and fields are signatures: only paths are logged.
- Memory stays bounded: hashes are computed a chunk at a time and segments are streamed.
- Creating an upload is not idempotent, but an unused upload is harmless (Procore deletes it
  after a week), so a create that may have been applied is simply made again; a storage POST or
  PUT that expired (403 after an hour) is answered by creating a fresh upload.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

import requests

from .errors import ProcoreError
from .http import ProcoreClient
from .uploads import PartReader, log_path, plan_file

log = logging.getLogger("portal.procore")

SEGMENT_THRESHOLD = 5 * 1024 * 1024  # "segmented above 5 MB"
SEGMENT_SIZE = 16 * 1024 * 1024
STORAGE_ATTEMPTS = 3


class StorageRefused(ProcoreError):
    """Storage refused the bytes (an expired or altered form, a checksum mismatch)."""

    permanent = False


@dataclass(frozen=True)
class Place:
    """Where documents go: a project's Documents tool, or (project_id None) a company's."""

    company_id: int
    project_id: int | None = None

    def path(self, suffix: str, version: str = "v1.0") -> str:
        if self.project_id is not None:
            return f"/rest/{version}/projects/{self.project_id}/{suffix}"
        return f"/rest/{version}/companies/{self.company_id}/{suffix}"

    def params(self) -> dict[str, Any]:
        return {"project_id": self.project_id} if self.project_id is not None else {}

    def files_path(self, suffix: str = "files") -> str:
        """Files and folders: `/rest/v1.0/files?project_id=` or `/rest/v1.0/companies/{id}/files`."""
        if self.project_id is not None:
            return f"/rest/v1.0/{suffix}"
        return f"/rest/v1.0/companies/{self.company_id}/{suffix}"


class DocumentsUploads:
    def __init__(self, client: ProcoreClient, place: Place, storage: requests.Session | None = None) -> None:
        self.client = client.for_company(place.company_id)
        self.place = place
        self.storage = storage or requests.Session()

    # --- bytes -----------------------------------------------------------------------------

    def upload(self, open_file: Callable[[], BinaryIO], size: int, file_name: str, content_type: str) -> str:
        """Store a file's bytes; return the completed upload's uuid."""
        last_error: ProcoreError | None = None
        for _ in range(STORAGE_ATTEMPTS):
            try:
                if size <= SEGMENT_THRESHOLD:
                    return self._single(open_file, file_name, content_type)
                return self._segmented(open_file, size, file_name, content_type)
            except StorageRefused as exc:
                # An expired form or URL: a fresh upload gets fresh ones.
                log.info("Storage refused an upload of %s bytes (%s); creating a new upload", size, exc.status)
                last_error = exc
        assert last_error is not None
        raise last_error

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        # An unused upload is harmless, so a create that may have been applied is safe to repeat.
        return self.client.post(self.place.path("uploads", "v1.1"), json=body, retry_safe=True).json()

    def _single(self, open_file: Callable[[], BinaryIO], file_name: str, content_type: str) -> str:
        created = self._create({"response_filename": file_name, "response_content_type": content_type})
        with open_file() as handle:
            try:
                response = self.storage.post(
                    created["url"],
                    data=dict(created.get("fields") or {}),
                    files={"file": (file_name, handle, content_type)},
                    timeout=(10, 300),
                )
            except requests.RequestException as exc:
                raise StorageRefused(f"Storage could not be reached ({type(exc).__name__}).") from exc
        if response.status_code >= 300:
            raise StorageRefused(
                f"Storage refused the file ({response.status_code}).",
                status=response.status_code,
                path=log_path(created["url"]),
            )
        return str(created["uuid"])

    def _segmented(self, open_file: Callable[[], BinaryIO], size: int, file_name: str, content_type: str) -> str:
        plan = plan_file(open_file, size, SEGMENT_SIZE)
        created = self._create(
            {
                "response_filename": file_name,
                "response_content_type": content_type,
                "segments": [{"size": s.size, "sha256": s.sha256} for s in plan.segments],
            }
        )
        etags = []
        with open_file() as handle:
            for index, segment in enumerate(created.get("segments") or []):
                headers = {str(k): str(v) for k, v in (segment.get("headers") or {}).items()}
                headers.setdefault("Content-Type", "application/octet-stream")
                length = plan.segments[index].size
                try:
                    response = self.storage.put(
                        segment["url"],
                        data=PartReader(handle, plan.offset(index), length),
                        headers=headers,
                        timeout=(10, 300),
                    )
                except requests.RequestException as exc:
                    raise StorageRefused(f"Storage could not be reached ({type(exc).__name__}).") from exc
                if response.status_code >= 300:
                    raise StorageRefused(
                        f"Storage refused a segment ({response.status_code}).",
                        status=response.status_code,
                        path=log_path(segment["url"]),
                    )
                etags.append(response.headers.get("ETag", "").strip('"'))
        self.client.patch(
            self.place.path(f"uploads/{created['uuid']}", "v1.1"),
            json={"segments": [{"etag": etag} for etag in etags]},
            retry_safe=True,
        )
        return str(created["uuid"])

    # --- files and folders ---------------------------------------------------------------

    def create_file(
        self, *, parent_id: int | None, name: str, description: str, upload_uuid: str, unique_name: bool = False
    ) -> dict[str, Any]:
        """A new file in a folder (the root folder when `parent_id` is None). Not idempotent: a lost answer is surfaced (TransportError with
        maybe_applied) for the caller to look in the folder before trying again."""
        body = {
            "file": {
                "parent_id": parent_id,
                "name": name,
                "description": description,
                "upload_uuid": upload_uuid,
                "unique_name": unique_name,
            }
        }
        return self.client.post(self.place.files_path(), params=self.place.params(), json=body).json()

    def new_version(self, file_id: int, *, upload_uuid: str, notes: str = "") -> dict[str, Any]:
        """A new version of an existing file (PATCH with `upload_uuid`)."""
        body = {"file": {"upload_uuid": upload_uuid}}
        if notes:
            body["file"]["description"] = notes
        return self.client.patch(
            self.place.files_path(f"files/{file_id}"), params=self.place.params(), json=body
        ).json()

    def create_folder(self, *, parent_id: int | None, name: str) -> dict[str, Any]:
        body = {"folder": {"parent_id": parent_id, "name": name}}
        return self.client.post(self.place.files_path("folders"), params=self.place.params(), json=body).json()

    def folder(self, folder_id: int | None) -> dict[str, Any]:
        """A folder with its files (latest versions), to look for a name before creating it."""
        suffix = f"folders/{folder_id}" if folder_id else "folders"
        params = {**self.place.params(), "show_latest_file_version_only": "true", "exclude_folders": "true"}
        return self.client.get_json(self.place.files_path(suffix), params=params)
