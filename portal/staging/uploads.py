"""Receiving a file into a batch: a safe name, size limits, SHA-256 and MIME type on arrival."""

from __future__ import annotations

import hashlib
import mimetypes
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

CHUNK = 1024 * 1024
# Characters Procore and common file systems refuse in a file name.
FORBIDDEN = re.compile(r'[\\/:*?"<>|]')
MAX_NAME = 200


class UploadRefused(Exception):
    """The file cannot be staged; the message says why, in words for the person uploading."""


@dataclass(frozen=True)
class CleanName:
    name: str
    changed: bool


def max_file_size() -> int:
    return settings.STAGING_MAX_FILE_SIZE


def clean_file_name(raw: str) -> CleanName:
    """A name Procore accepts: no folders, control characters or reserved characters."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # keep the last path component only
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = FORBIDDEN.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:MAX_NAME]
    if not name or name.startswith("."):
        raise UploadRefused("The file has no usable name. Rename it and add it again.")
    return CleanName(name, name != raw)


def sha256_of(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks(CHUNK):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def mime_type_of(name: str, declared: str | None) -> str:
    guessed, _ = mimetypes.guess_type(name)
    if guessed:
        return guessed
    if declared and declared != "application/octet-stream" and "/" in declared:
        return declared
    return "application/octet-stream"


def human_size(size: int) -> str:
    """A size as people read it: 1,000 bytes, 2.0 KiB, 20.0 MiB, 2.0 GiB."""
    if size < 1024:
        return f"{size:,} bytes"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024 or unit == "GiB":
            break
    return f"{value:.1f} {unit}"


def over_limit(name: str, size: int) -> str:
    """The refusal of a file over STAGING_MAX_FILE_SIZE: in bytes when the rounded sizes read alike."""
    limit = max_file_size()
    said, allowed = human_size(size), human_size(limit)
    if said == allowed:
        said, allowed = f"{size:,} bytes", f"{limit:,} bytes"
    return f"{name} is {said}, over the limit of {allowed} per file. Nothing was added."


def check_upload(upload: UploadedFile) -> None:
    size = upload.size or 0
    if size == 0:
        raise UploadRefused(f"{upload.name} is empty (0 bytes). Nothing was added.")
    if size > max_file_size():
        raise UploadRefused(over_limit(str(upload.name), size))
