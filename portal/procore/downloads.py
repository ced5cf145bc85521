"""Downloading a file Procore serves behind a redirect (procore-api.md §3.7, §7.10).

`GET .../document_management/document_revisions/{id}/download` answers 302 to a short-lived
storage URL. The API call carries the bearer token and the company header; the storage URL must
not get them (§3.7: send the token only to the API host, never to a redirect target), so it is
read with a plain session of its own, streamed a chunk at a time into the caller's file while the
SHA-256 is computed, so memory stays bounded whatever the file size. An answer 200 with
`{"data": {"url"}}` (the `no_redirect=true` shape) is followed the same way.

Storage errors, dropped connections and an expired URL (403) start again from the API call, a
few times with backoff. Only paths are logged: a storage URL's query string is a signature.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings

from portal.throttle import clock

from .errors import ProcoreError
from .http import ProcoreClient

log = logging.getLogger("portal.procore")

CHUNK = 1024 * 1024
ATTEMPTS = 4
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_storage = requests.Session()  # never the API client's: no token, no company header


class DownloadFailed(ProcoreError):
    """The file could not be read from storage (or was larger than allowed)."""


@dataclass(frozen=True)
class Downloaded:
    size: int
    sha256: str


def revision_download_path(company_id: int, project_id: int, revision_id: str) -> str:
    """The documented download endpoint of a Document Management revision (v2.0)."""
    return (
        f"/rest/v2.0/companies/{company_id}/projects/{project_id}/document_management/"
        f"document_revisions/{revision_id}/download"
    )


def download(client: ProcoreClient, path: str, sink: BinaryIO, *, max_bytes: int | None = None) -> Downloaded:
    """Stream the file behind `path` into `sink` (rewound and truncated on each attempt)."""
    last: Exception | None = None
    for attempt in range(1, ATTEMPTS + 1):
        answer = client.get(path, allow_redirects=False)
        location = _storage_url(answer)
        if location is None:
            raise DownloadFailed(
                f"Procore answered the download with {answer.status_code} and no file location.",
                status=answer.status_code,
                method="GET",
                path=urlsplit(client.url(path)).path,
            )
        try:
            return _read(location, sink, max_bytes)
        except (requests.RequestException, _StorageRefused) as exc:
            last = exc
            log.info("Download from storage failed (%s), attempt %s", type(exc).__name__, attempt)
            clock.sleep(min(8.0, 0.5 * 2 ** (attempt - 1)) + random.uniform(0, 0.2))
    raise DownloadFailed(
        f"The file could not be read from Procore's storage ({type(last).__name__}).",
        method="GET",
        path=urlsplit(client.url(path)).path,
    )


class _StorageRefused(Exception):
    """Storage answered an error worth asking the API for a fresh URL."""


def _storage_url(answer: requests.Response) -> str | None:
    if answer.status_code in REDIRECTS and answer.headers.get("Location"):
        return urljoin(answer.url, answer.headers["Location"])
    if answer.status_code == 200 and "json" in answer.headers.get("Content-Type", ""):
        url = (answer.json().get("data") or {}).get("url")
        return str(url) if url else None
    return None


def _read(url: str, sink: BinaryIO, max_bytes: int | None) -> Downloaded:
    sink.seek(0)
    sink.truncate()
    digest = hashlib.sha256()
    size = 0
    timeout = float(settings.PROCORE_TIMEOUT)
    started = time.monotonic()
    with _storage.get(url, stream=True, timeout=(min(10.0, timeout), timeout)) as response:
        log.debug(
            "GET %s status=%s duration_ms=%.0f",
            urlsplit(url).path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        if response.status_code >= 400:
            if response.status_code in {403, 404, 408, 429} or response.status_code >= 500:
                raise _StorageRefused(str(response.status_code))
            raise DownloadFailed(f"Procore's storage refused the download ({response.status_code}).")
        for chunk in response.iter_content(CHUNK):
            size += len(chunk)
            if max_bytes is not None and size > max_bytes:
                raise DownloadFailed(f"The file is larger than the {max_bytes} bytes allowed.")
            digest.update(chunk)
            sink.write(chunk)
    sink.flush()
    return Downloaded(size, digest.hexdigest())
