"""The staged files' storage, as the upload protocol and the workers need it.

Two backends behind one small interface, chosen by the STORAGES setting:

- **S3** (django-storages' S3Storage, any S3-compatible store): multipart uploads are the store's
  own; the portal signs each part's PUT URL for the browser with its exact `Content-Length`, so no
  part can carry a byte more than the portal allowed. Reading streams the object (ranged GETs on
  seek): a worker never holds a file in memory or copies it to its disk.
- **Local disk** (FileSystemStorage, the embedded default): the same protocol, with part URLs
  pointing at the portal itself (`staging:incoming_part`, signed the same way with an HMAC);
  parts are files under `incoming/<upload id>/` that completion joins into the staged file.

Both answer list/complete/abort as S3 does, so the browser's code is the same for both.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, cast

from django.conf import settings
from django.core.files.storage import default_storage, storages
from django.urls import reverse
from ulid import ULID

URL_LIFETIME = 3600  # seconds a signed part URL stays valid
CHUNK = 1024 * 1024


class StorageRefused(Exception):
    """Storage would not do it (an unknown upload, parts that do not match)."""


@dataclass(frozen=True)
class SignedPart:
    number: int
    url: str
    headers: dict[str, str]

    def as_json(self) -> dict[str, Any]:
        return {"number": self.number, "url": self.url, "headers": self.headers}


def is_s3() -> bool:
    return _s3_storage() is not None


def _s3_storage() -> Any:
    """The S3 storage when staged files live in one, else None (the local disk)."""
    storage = storages["default"]
    # Asked of the class: on the instance, `connection` is a property that builds a boto3 session.
    return storage if hasattr(storage, "bucket_name") and hasattr(type(storage), "connection") else None


def backend() -> S3Multipart | LocalMultipart:
    storage = _s3_storage()
    return S3Multipart(storage) if storage is not None else LocalMultipart()


def open_staged(name: str) -> BinaryIO:
    """A staged file for reading, streamed: bounded memory and no local copy whatever its size."""
    storage = _s3_storage()
    if storage is None:
        return cast(BinaryIO, default_storage.open(name, "rb"))
    return cast(BinaryIO, S3Reader(_client(storage), storage.bucket_name, name))


# --- S3 -----------------------------------------------------------------------------------------

_clients: dict[tuple, Any] = {}
_clients_lock = threading.Lock()


def _client(storage: Any, endpoint: str | None = None) -> Any:
    """One boto3 client per process and address, shared by every thread (botocore clients are
    thread-safe). django-storages builds a session and client per thread — each a parse of the
    S3 model, some 10 MB and a tenth of a CPU second — which a web process with many threads
    would pay again and again for the few calls an upload needs.

    `endpoint` is the address to sign for: S3_PUBLIC_URL for the URLs handed to browsers (signing
    is local: no request goes there), the storage's own endpoint otherwise."""
    endpoint = endpoint or storage.endpoint_url or None
    key = (endpoint, storage.access_key, storage.region_name)
    with _clients_lock:
        if key not in _clients:
            import boto3
            from botocore.config import Config

            _clients[key] = boto3.session.Session().client(
                "s3",
                endpoint_url=endpoint,
                region_name=storage.region_name,
                aws_access_key_id=storage.access_key,
                aws_secret_access_key=storage.secret_key,
                config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, max_pool_connections=32),
            )
        return _clients[key]


def _signer(storage: Any) -> Any:
    """The client that signs part URLs for the address browsers use (S3_PUBLIC_URL)."""
    return _client(storage, settings.S3_PUBLIC_URL or None)


class S3Multipart:
    def __init__(self, storage: Any) -> None:
        self.storage = storage
        self.bucket = storage.bucket_name
        self.client = _client(storage)

    def create(self, key: str, content_type: str) -> str:
        answer = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=key, ContentType=content_type or "application/octet-stream"
        )
        return answer["UploadId"]

    def sign_parts(self, key: str, upload_id: str, parts: list[tuple[int, int]]) -> list[SignedPart]:
        signer = _signer(self.storage)
        return [
            SignedPart(
                number,
                signer.generate_presigned_url(
                    "upload_part",
                    Params={
                        "Bucket": self.bucket,
                        "Key": key,
                        "UploadId": upload_id,
                        "PartNumber": number,
                        "ContentLength": length,  # signed: storage refuses any other length
                    },
                    ExpiresIn=URL_LIFETIME,
                ),
                {},
            )
            for number, length in parts
        ]

    def list_parts(self, key: str, upload_id: str) -> list[dict[str, Any]]:
        from botocore.exceptions import ClientError

        parts: list[dict[str, Any]] = []
        marker = 0
        try:
            while True:
                page = self.client.list_parts(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumberMarker=marker, MaxParts=1000
                )
                parts += [
                    {"PartNumber": p["PartNumber"], "ETag": p["ETag"], "Size": p["Size"]} for p in page.get("Parts", [])
                ]
                if not page.get("IsTruncated"):
                    return parts
                marker = int(page["NextPartNumberMarker"])
        except ClientError as exc:
            raise StorageRefused(str(exc)) from exc

    def complete(self, key: str, upload_id: str, parts: list[dict[str, Any]]) -> int:
        from botocore.exceptions import ClientError

        try:
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]},
            )
            return int(self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except ClientError as exc:
            raise StorageRefused(str(exc)) from exc

    def stored_size(self, key: str) -> int | None:
        """The size of the joined file at `key`, or None when storage holds none."""
        from botocore.exceptions import ClientError

        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except ClientError:
            return None

    def abort(self, key: str, upload_id: str) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except ClientError:
            pass  # already completed, aborted or expired: nothing is left to remove

    def open_uploads(self, prefix: str) -> Iterator[tuple[str, str, datetime]]:
        """Every multipart upload storage holds under `prefix`: (key, upload id, started)."""
        paginator = self.client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for upload in page.get("Uploads", []) or []:
                yield upload["Key"], upload["UploadId"], upload["Initiated"]

    def objects(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []) or []:
                yield item["Key"], item["LastModified"]

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)


class S3Reader(io.RawIOBase):
    """A read-only, seekable view of one object that streams it: a seek opens a ranged GET."""

    def __init__(self, client: Any, bucket: str, key: str) -> None:
        self.client, self.bucket, self.key = client, bucket, key
        self.position = 0
        self.body: Any = None
        head = client.head_object(Bucket=bucket, Key=key)
        self.length = int(head["ContentLength"])

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = {io.SEEK_SET: offset, io.SEEK_CUR: self.position + offset, io.SEEK_END: self.length + offset}[whence]
        if target != self.position:
            self._drop()
            self.position = target
        return self.position

    def read(self, size: int = -1) -> bytes:
        if self.position >= self.length:
            return b""
        if self.body is None:
            self.body = self.client.get_object(Bucket=self.bucket, Key=self.key, Range=f"bytes={self.position}-")[
                "Body"
            ]
        data = self.body.read(None if size is None or size < 0 else size)
        self.position += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _drop(self) -> None:
        if self.body is not None:
            self.body.close()
            self.body = None

    def close(self) -> None:
        self._drop()
        super().close()


# --- Local disk ---------------------------------------------------------------------------------


def _part_key() -> bytes:
    return hashlib.sha256(("staging-part:" + settings.SECRET_KEY).encode()).digest()


def part_signature(upload_id: str, number: int, length: int, expires: int) -> str:
    message = f"{upload_id}\n{number}\n{length}\n{expires}".encode()
    return hmac.new(_part_key(), message, hashlib.sha256).hexdigest()


class LocalMultipart:
    """Parts on the portal's disk, in the shape S3 gives them."""

    def root(self) -> Path:
        return Path(default_storage.path("incoming"))

    def folder(self, upload_id: str) -> Path:
        if not upload_id.isalnum():
            raise StorageRefused("No such upload.")
        return self.root() / upload_id

    def create(self, key: str, content_type: str) -> str:
        upload_id = str(ULID())
        self.folder(upload_id).mkdir(parents=True)
        return upload_id

    def sign_parts(self, key: str, upload_id: str, parts: list[tuple[int, int]]) -> list[SignedPart]:
        expires = int(time.time()) + URL_LIFETIME
        signed = []
        for number, length in parts:
            path = reverse("staging:incoming_part", args=[upload_id, number])
            query = f"length={length}&expires={expires}&signature={part_signature(upload_id, number, length, expires)}"
            signed.append(SignedPart(number, f"{path}?{query}", {}))
        return signed

    def store_part(self, upload_id: str, number: int, length: int, stream: Any) -> str:
        """Write one part from `stream` (exactly `length` bytes); returns its ETag (MD5, as S3)."""
        folder = self.folder(upload_id)
        if not folder.is_dir():
            raise StorageRefused("No such upload: it was completed, cancelled or has expired.")
        md5 = hashlib.md5(usedforsecurity=False)
        partial = folder / f".part-{number:05d}.{ULID()}"
        received = 0
        try:
            with open(partial, "wb") as handle:
                while received < length:
                    chunk = stream.read(min(CHUNK, length - received))
                    if not chunk:
                        break
                    handle.write(chunk)
                    md5.update(chunk)
                    received += len(chunk)
            if received != length:
                raise StorageRefused("The part is shorter than its signed length.")
            etag = f'"{md5.hexdigest()}"'
            os.replace(partial, folder / f"part-{number:05d}")
            (folder / f"part-{number:05d}.etag").write_text(etag)
            return etag
        finally:
            partial.unlink(missing_ok=True)

    def list_parts(self, key: str, upload_id: str) -> list[dict[str, Any]]:
        folder = self.folder(upload_id)
        if not folder.is_dir():
            raise StorageRefused("No such upload.")
        parts = []
        for path in sorted(folder.glob("part-?????")):
            etag_file = path.with_name(path.name + ".etag")
            if etag_file.exists():
                parts.append(
                    {"PartNumber": int(path.name[5:]), "ETag": etag_file.read_text(), "Size": path.stat().st_size}
                )
        return parts

    def complete(self, key: str, upload_id: str, parts: list[dict[str, Any]]) -> int:
        stored = {p["PartNumber"]: p for p in self.list_parts(key, upload_id)}
        numbers = [int(p["PartNumber"]) for p in parts]
        if numbers != sorted(set(numbers)) or any(
            n not in stored or stored[n]["ETag"].strip('"') != str(p.get("ETag", "")).strip('"')
            for n, p in zip(numbers, parts, strict=True)
        ):
            raise StorageRefused("The parts listed are not the parts stored.")
        target = Path(default_storage.path(key))
        target.parent.mkdir(parents=True, exist_ok=True)
        folder = self.folder(upload_id)
        with open(target, "wb") as out:
            for number in numbers:
                with open(folder / f"part-{number:05d}", "rb") as part:
                    shutil.copyfileobj(part, out, CHUNK)
        shutil.rmtree(folder, ignore_errors=True)
        return target.stat().st_size

    def stored_size(self, key: str) -> int | None:
        return default_storage.size(key) if default_storage.exists(key) else None

    def abort(self, key: str, upload_id: str) -> None:
        if upload_id.isalnum():
            shutil.rmtree(self.root() / upload_id, ignore_errors=True)

    def open_uploads(self, prefix: str) -> Iterator[tuple[str, str, datetime]]:
        root = self.root()
        if not root.is_dir():
            return
        for folder in root.iterdir():
            if folder.is_dir():
                started = datetime.fromtimestamp(folder.stat().st_mtime, tz=UTC)
                yield "", folder.name, started

    def objects(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        base = Path(default_storage.path(""))
        top = base / prefix
        if not top.is_dir():
            return
        for folder, _, files in os.walk(top):
            for name in files:
                path = Path(folder) / name
                yield str(path.relative_to(base)), datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)

    def delete(self, key: str) -> None:
        default_storage.delete(key)


def ensure_bucket() -> str:
    """Create the staged-files bucket if it is missing; returns what was done, in words."""
    storage = _s3_storage()
    if storage is None:
        return "Staged files are on local disk: no bucket to create."
    from botocore.exceptions import ClientError

    client = _client(storage)
    try:
        client.head_bucket(Bucket=storage.bucket_name)
        return f"The bucket {storage.bucket_name} exists."
    except ClientError:
        client.create_bucket(Bucket=storage.bucket_name)
        return f"Created the bucket {storage.bucket_name}."
