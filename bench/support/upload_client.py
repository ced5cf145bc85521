"""A Python client speaking exactly the batch page's upload calls (static/portal/upload.js with
Uppy's S3 multipart plugin): start (the files added together, many a request), sign parts 20 at a
time, PUT each part to its signed URL, list the parts storage holds (to resume), complete, and ask
what became of the file.

Used by bench/uploads.py and the process-layout tests, over real HTTP.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urljoin

import requests

MiB = 1024 * 1024


def part_size_for(size: int, configured: int = 16 * MiB) -> int:
    """The page's rule (upload.js `partSizeFor`)."""
    return max(configured, math.ceil(size / 10000 / MiB) * MiB, 5 * MiB)


@dataclass
class Upload:
    id: int
    key: str
    size: int
    part_size: int
    urls: dict[int, dict] = field(default_factory=dict)
    etags: dict[int, str] = field(default_factory=dict)

    @property
    def part_count(self) -> int:
        return max(1, math.ceil(self.size / self.part_size))

    def part_range(self, number: int) -> tuple[int, int]:
        start = (number - 1) * self.part_size
        return start, min(self.size, start + self.part_size) - start


class UploadRefused(Exception):
    pass


class Source(Protocol):
    """What a file is read from: a real file, or bytes made up as they are read."""

    def seek(self, offset: int, whence: int = 0) -> int: ...

    def read(self, size: int = -1) -> bytes: ...


class PartBody:
    """One part read from the file a MiB at a time, with a length (so it is not sent chunked)."""

    def __init__(self, handle: Source, length: int, on_chunk: Callable[[int], None] | None) -> None:
        self.handle, self.left, self.length, self.on_chunk = handle, length, length, on_chunk

    def __len__(self) -> int:
        return self.length

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        chunk = self.handle.read(min(MiB, self.left if size is None or size < 0 else min(size, self.left)))
        self.left -= len(chunk)
        if self.on_chunk:
            self.on_chunk(len(chunk))
        return chunk


class UploadClient:
    def __init__(self, session: requests.Session, portal_url: str, batch_id: int, *, part_size: int = 16 * MiB) -> None:
        self.session = session
        self.portal_url = portal_url.rstrip("/")
        self.base = f"{self.portal_url}/batches/{batch_id}/uploads/"
        self.configured_part = part_size
        self.storage = requests.Session()  # part PUTs carry no portal cookie, as a browser's to S3
        self.parts_sent: list[tuple[int, int]] = []  # (upload id, part number) of every stored PUT

    def _headers(self) -> dict[str, str]:
        csrf = self.session.cookies.get("csrftoken") or ""
        return {"X-CSRFToken": csrf, "Referer": self.portal_url + "/", "Accept": "application/json"}

    def _call(self, method: str, url: str, body: dict | None = None) -> dict:
        answer = self.session.request(method, url, json=body, headers=self._headers(), timeout=60)
        data = answer.json()
        if not data.get("ok"):
            raise UploadRefused(data.get("error") or answer.status_code)
        return data

    def _describe(self, name: str, size: int, content_type: str) -> dict:
        return {"name": name, "size": size, "type": content_type, "partSize": part_size_for(size, self.configured_part)}

    @staticmethod
    def _upload(data: dict, size: int) -> Upload:
        upload = Upload(data["id"], data["key"], size, data["partSize"])
        upload.urls.update({p["number"]: p for p in data["parts"]})
        return upload

    def start(self, name: str, size: int, content_type: str = "application/pdf") -> Upload:
        return self._upload(self._call("POST", self.base, self._describe(name, size, content_type)), size)

    def start_many(self, files: list[tuple[str, int]], content_type: str = "application/pdf") -> list[Upload]:
        """Start files added together as the page does (upload.js `startFiles`): the first six in one
        request, so sending begins at once, then up to 100 a request."""
        uploads: list[Upload] = []
        at, take = 0, 6
        while at < len(files):
            chunk = files[at : at + take]
            data = self._call("POST", self.base, {"files": [self._describe(n, s, content_type) for n, s in chunk]})
            for (name, size), answer in zip(chunk, data["files"], strict=True):
                if not answer["ok"]:
                    raise UploadRefused(f"{name}: {answer['error']}")
                uploads.append(self._upload(answer, size))
            at, take = at + take, 100
        return uploads

    def signed(self, upload: Upload, number: int) -> dict:
        if number not in upload.urls:
            wanted = [n for n in range(number, min(upload.part_count, number + 19) + 1) if n not in upload.urls]
            data = self._call("POST", f"{self.base}{upload.key}/sign/", {"parts": wanted})
            upload.urls.update({p["number"]: p for p in data["parts"]})
        return upload.urls.pop(number)  # a URL is used once, as the page does

    def put_part(self, upload: Upload, number: int, handle: Source, on_chunk: Callable[[int], None] | None = None):
        start, length = upload.part_range(number)
        part = self.signed(upload, number)
        handle.seek(start)
        url = part["url"] if part["url"].startswith("http") else urljoin(self.portal_url, part["url"])

        answer = self.storage.put(url, data=PartBody(handle, length, on_chunk), headers=part["headers"], timeout=300)
        if answer.status_code != 200:
            raise UploadRefused(f"part {number}: storage answered {answer.status_code}")
        upload.etags[number] = answer.headers["ETag"]
        self.parts_sent.append((upload.id, number))

    def list_parts(self, upload: Upload) -> dict[int, str]:
        data = self._call("GET", f"{self.base}{upload.key}/parts/")
        return {p["PartNumber"]: p["ETag"] for p in data["parts"]}

    def complete(self, upload: Upload) -> dict:
        parts = [{"PartNumber": n, "ETag": upload.etags[n]} for n in range(1, upload.part_count + 1)]
        return self._call("POST", f"{self.base}{upload.key}/complete/", {"parts": parts})

    def send(self, name: str, handle: Source, size: int, content_type: str = "application/pdf") -> Upload:
        return self.send_started(self.start(name, size, content_type), handle)

    def send_started(self, upload: Upload, handle: Source) -> Upload:
        for number in range(1, upload.part_count + 1):
            self.put_part(upload, number, handle)
        self.complete(upload)
        return upload

    def resume(self, upload: Upload, handle: Source) -> None:
        """After a reload or a dropped connection: send only the parts storage does not hold."""
        upload.etags = self.list_parts(upload)
        upload.urls.clear()
        for number in range(1, upload.part_count + 1):
            if number not in upload.etags:
                self.put_part(upload, number, handle)
        self.complete(upload)

    def states(self, ids: list[int]) -> list[dict]:
        files: list[dict] = []
        for start in range(0, len(ids), 200):
            chunk = ids[start : start + 200]
            files += self._call("GET", f"{self.base}states/?ids={','.join(map(str, chunk))}")["files"]
        return files

    def wait_recorded(self, ids: list[int], timeout: float = 300) -> list[dict]:
        """Ask, once a second as the page does, until the worker added or refused every file."""
        deadline = time.monotonic() + timeout
        while True:
            files = self.states(ids)
            if all(f["state"] in {"added", "refused", "cancelled"} for f in files):
                return files
            if time.monotonic() > deadline:
                raise TimeoutError(f"files still being checked: {[f for f in files if f['state'] == 'checking']}")
            time.sleep(1)
