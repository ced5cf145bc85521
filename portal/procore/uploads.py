"""Unified File Upload API v2.1 (procore-api.md §6.2): segmented, streamed, resumable.

One file goes through: create (segments with their SHA-256 and the whole file's SHA-256) →
PUT each part to its presigned URL → PATCH ``part_etags`` → GET status until ``available``.

- Parts: every part but the last is larger than 5 MiB (≥ 5,242,881 bytes) and none exceeds
  100 MiB; we cut files into PART_SIZE pieces (a file up to PART_SIZE is one part).
- Memory stays bounded whatever the file size: hashes are computed reading CHUNK bytes at a time,
  and each PUT streams its part from an open file object (`PartReader`), never the whole part.
- The PUT goes to storage, not to the API: a plain `requests` session of its own (never the API
  client's, so no bearer token or company header can leak to the storage host), copying the
  segment's ``url`` and ``headers`` verbatim. Presigned URLs carry signatures in their query
  string, so only the path is ever logged.
- An expired URL (storage answers 403) is refreshed with GET status and ``url_expires_in``,
  which returns fresh URLs for the parts not received yet. Storage errors and dropped
  connections are retried a few times with backoff.
- ``uploader_tool_name: document_management`` is sent (the reference requires it, the tutorial
  omits it; §6.2 [conflict]).
- Create is marked safe to retry: a repeated create leaves an unused upload that Procore deletes
  after 24 hours, which is harmless. The completing PATCH is retried too; if a lost answer had
  already completed the upload, Procore answers 400 and the status GET tells us it is done.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import requests

from portal.throttle import clock

from .errors import ProcoreError, ValidationFailed
from .http import ProcoreClient

log = logging.getLogger("portal.procore")


class RedactQueries(logging.Filter):
    """urllib3 logs each request line at debug level, query string included: for a presigned URL
    that is a credential, so every query string is cut from its records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_cut_query(a) if isinstance(a, str) else a for a in record.args)
        return True


def _cut_query(text: str) -> str:
    return text.split("?", 1)[0] + ("?[redacted]" if "?" in text else "")


_redact = RedactQueries()
if _redact not in logging.getLogger("urllib3.connectionpool").filters:
    logging.getLogger("urllib3.connectionpool").addFilter(_redact)

MIN_PART = 5_242_881  # parts other than the last must be > 5 MiB
MAX_PART = 104_857_600  # 100 MiB
MAX_PARTS = 10_000
PART_SIZE = 50 * 1024 * 1024
CHUNK = 1024 * 1024
PUT_ATTEMPTS = 5
STATUS_POLL = 0.5
AVAILABLE_TIMEOUT = 600.0
URL_MARGIN = 60  # seconds
DONE = {"complete", "scanning", "available"}


class UploadFailed(ProcoreError):
    """The file could not be stored (a checksum mismatch, a failed scan, storage refusing it)."""


@dataclass
class Segment:
    size: int
    sha256: str


@dataclass
class FilePlan:
    file_size: int
    sha256: str
    segments: list[Segment] = field(default_factory=list)

    def offset(self, index: int) -> int:
        return sum(s.size for s in self.segments[:index])


def part_sizes(size: int, part_size: int | None = None) -> list[int]:
    """Sizes of the parts of a file: all `part_size` but the last (which may be small)."""
    part_size = part_size or PART_SIZE
    if not MIN_PART <= part_size <= MAX_PART:
        raise ValueError("part_size must be > 5 MiB and at most 100 MiB")
    if size <= part_size:
        return [max(size, 0)]
    count = math.ceil(size / part_size)
    if count > MAX_PARTS:
        raise ValueError("file too large for 10,000 parts")
    return [part_size] * (count - 1) + [size - part_size * (count - 1)]


def plan_file(open_file: Callable[[], BinaryIO], size: int, part_size: int | None = None) -> FilePlan:
    """Hash the file and each part, reading CHUNK bytes at a time."""
    whole = hashlib.sha256()
    segments = []
    with open_file() as handle:
        for part in part_sizes(size, part_size):
            digest = hashlib.sha256()
            left = part
            while left > 0:
                chunk = handle.read(min(CHUNK, left))
                if not chunk:
                    raise UploadFailed("The staged file is shorter than its recorded size.")
                digest.update(chunk)
                whole.update(chunk)
                left -= len(chunk)
            segments.append(Segment(part, digest.hexdigest()))
    return FilePlan(size, whole.hexdigest(), segments)


class PartReader:
    """A file-like view of `length` bytes from `offset`, read in small blocks (bounded memory)."""

    def __init__(self, handle: BinaryIO, offset: int, length: int) -> None:
        self.handle = handle
        self.left = length
        self.length = length
        handle.seek(offset)

    def __len__(self) -> int:
        return self.length

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        size = CHUNK if size is None or size < 0 else min(size, CHUNK)
        data = self.handle.read(min(size, self.left))
        self.left -= len(data)
        return data


def log_path(url: str) -> str:
    """The path of a presigned URL: its query string is a credential."""
    return urlsplit(url).path


class UnifiedUploads:
    """Project-level unified uploads through one API client (rate-limited, typed errors)."""

    def __init__(self, client: ProcoreClient, company_id: int, project_id: int) -> None:
        self.client = client.for_company(company_id)
        self.base = f"/rest/v2.1/companies/{company_id}/projects/{project_id}/uploads"

    def create(self, file_name: str, content_type: str, plan: FilePlan) -> dict[str, Any]:
        body = {
            "file_name": file_name,
            "file_size": plan.file_size,
            "content_type": content_type,
            "sha256": plan.sha256,
            "uploader_tool_name": "document_management",
            "segments": [{"size": s.size, "sha256": s.sha256} for s in plan.segments],
        }
        return self.client.post(self.base, json=body, retry_safe=True).json()["data"]

    def status(self, upload_id: str, *, url_expires_in: int | None = None) -> dict[str, Any]:
        params = {"url_expires_in": url_expires_in} if url_expires_in else None
        return self.client.get(f"{self.base}/{upload_id}", params=params).json()["data"]

    def complete(self, upload_id: str, part_etags: list[str | None]) -> dict[str, Any]:
        return self.client.patch(f"{self.base}/{upload_id}", json={"part_etags": part_etags}, retry_safe=True).json()[
            "data"
        ]

    def send(
        self,
        upload_id: str,
        segments: list[dict[str, Any]],
        plan: FilePlan,
        open_file: Callable[[], BinaryIO],
        etags: list[str | None],
        on_part: Callable[[list[str | None]], None] = lambda etags: None,
    ) -> list[str | None]:
        """PUT every part still missing from `etags`; refresh expired URLs; return the ETags."""
        etags = list(etags) + [None] * (len(plan.segments) - len(etags))
        segments = list(segments)
        with requests.Session() as storage, open_file() as handle:
            for index, segment in enumerate(plan.segments):
                if etags[index]:
                    continue
                for attempt in range(1, PUT_ATTEMPTS + 1):
                    target = segments[index] if index < len(segments) else {}
                    if not target.get("url") or _expiring(target):
                        segments = self.fresh_segments(upload_id) or segments
                        target = segments[index] if index < len(segments) else {}
                        if not target.get("url"):  # storage already holds this part
                            etags[index] = target.get("etag")
                            break
                    answer = _put(storage, target, handle, plan.offset(index), segment.size)
                    if answer is not None and answer.status_code == 200 and answer.headers.get("ETag"):
                        etags[index] = answer.headers["ETag"]
                        break
                    status = answer.status_code if answer is not None else None
                    log.info(
                        "Part %s of upload %s: storage answered %s at %s (attempt %s)",
                        index + 1,
                        upload_id,
                        status or "nothing",
                        log_path(target.get("url", "")),
                        attempt,
                    )
                    if status in {400, 404, 411} and attempt > 1:
                        raise UploadFailed(f"Storage refused part {index + 1} ({status}).", status=status)
                    segments[index] = {}  # expired (403) or anything else: ask for a fresh URL
                    if status != 403:
                        clock.sleep(min(10.0, random.uniform(0, 0.5 * 2**attempt)))
                else:
                    raise UploadFailed(f"Part {index + 1} could not be stored after {PUT_ATTEMPTS} attempts.")
                on_part(etags)
        return etags

    def fresh_segments(self, upload_id: str) -> list[dict[str, Any]]:
        """New presigned URLs for every part not received yet (GET status with url_expires_in)."""
        return list(self.status(upload_id, url_expires_in=3600).get("segments") or [])

    def finish(self, upload_id: str, etags: list[str | None]) -> str:
        """Complete the upload and wait until it is `available`; return the final status."""
        try:
            status = self.complete(upload_id, etags).get("status", "")
        except ValidationFailed:
            status = self.status(upload_id).get("status", "")  # a lost answer may have completed it
            if status not in DONE:
                raise
        deadline = time.monotonic() + AVAILABLE_TIMEOUT
        while status != "available":
            data = self.status(upload_id)
            status = data.get("status", "")
            if status == "failed":
                error = data.get("error") or {}
                raise UploadFailed(f"Procore could not store the file: {error.get('message') or 'failed'}.")
            if status == "available":
                break
            if time.monotonic() > deadline:
                raise UploadFailed("Procore did not make the file available in time.")
            time.sleep(STATUS_POLL)
        return status


def _expiring(segment: dict[str, Any]) -> bool:
    """A URL about to expire is refreshed before a part is sent, not after storage refuses it."""
    expires = segment.get("url_expires_at")
    return isinstance(expires, (int, float)) and expires - time.time() < URL_MARGIN


def _put(
    storage: requests.Session, segment: dict[str, Any], handle: BinaryIO, offset: int, size: int
) -> requests.Response | None:
    headers = {str(k): str(v) for k, v in (segment.get("headers") or {}).items()}
    headers.setdefault("Content-Length", str(size))
    try:
        return storage.put(segment["url"], data=PartReader(handle, offset, size), headers=headers, timeout=(10, 300))
    except requests.RequestException as exc:
        log.info("PUT %s failed: %s", log_path(segment["url"]), type(exc).__name__)
        return None
