"""A zip file dropped into a batch becomes the documents it holds.

Everything is checked before anything is staged, and the whole zip is refused — with one
sentence saying why — when it holds too many files, would unpack to too much, is compressed
more than any real drawing set is (a zip bomb), is protected by a password, holds a path that
leads outside the batch (absolute, "..", a link) or is itself inside a zip. Sizes are counted as
the members are really unpacked (a zip's own sizes can lie), to temporary files, so memory stays
flat; only then is each member staged like an upload. Folder names are kept in the history and
on the document as a hint to where it came from.
"""

from __future__ import annotations

import posixpath
import stat
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User

from ..models import Batch, DocumentContents, StagedDocument
from ..schema import load_schema
from ..services import BatchLocked, audit, ensure_editable
from .children import stage_child

# Files operating systems add to archives, never meant as documents.
JUNK = {".ds_store", "thumbs.db", "desktop.ini"}
CHUNK = 1024 * 1024


class ZipRefused(Exception):
    """The zip is not expanded; the message is the sentence people read."""


@dataclass(frozen=True)
class Limits:
    members: int
    total: int
    ratio: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            members=int(settings.STAGING_ZIP_MAX_FILES),
            total=int(settings.STAGING_ZIP_MAX_TOTAL),
            ratio=int(settings.STAGING_ZIP_MAX_RATIO),
        )


def _size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def _unsafe(info: zipfile.ZipInfo) -> bool:
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or "\x00" in name:
        return True
    if any(part == ".." for part in name.split("/")):
        return True
    mode = info.external_attr >> 16
    return stat.S_ISLNK(mode)


def _is_junk(info: zipfile.ZipInfo) -> bool:
    name = info.filename.replace("\\", "/")
    base = posixpath.basename(name).lower()
    return name.startswith("__MACOSX/") or "/__MACOSX/" in name or base in JUNK or base.startswith("._")


def check(archive: zipfile.ZipFile, name: str, limits: Limits) -> list[zipfile.ZipInfo]:
    """The members to stage; ZipRefused with the sentence when the zip must not be expanded."""
    members = [i for i in archive.infolist() if not i.is_dir() and not _is_junk(i)]
    if not members:
        raise ZipRefused(f"{name} holds no files, so nothing was added.")
    if len(members) > limits.members:
        raise ZipRefused(
            f"{name} was not expanded: it holds {len(members):,} files, more than the {limits.members:,} "
            "a zip may hold. Split it into smaller zips."
        )
    unsafe = [i.filename for i in archive.infolist() if _unsafe(i)]
    if unsafe:
        raise ZipRefused(
            f"{name} was not expanded: it holds a path that leads outside the batch ({unsafe[0]}). Nothing was added."
        )
    if any(i.flag_bits & 0x1 for i in members):
        raise ZipRefused(f"{name} was not expanded: it is protected by a password. Add its files unzipped.")
    total = sum(i.file_size for i in members)
    if total > limits.total:
        raise ZipRefused(
            f"{name} was not expanded: its files come to {_size(total)}, over the limit of {_size(limits.total)}."
        )
    for info in members:
        if info.file_size > CHUNK and info.file_size > limits.ratio * max(info.compress_size, 1):
            raise ZipRefused(
                f"{name} was not expanded: {info.filename} is compressed {info.file_size // max(info.compress_size, 1):,} "
                f"times over (more than {limits.ratio} times), as a zip bomb is. Nothing was added."
            )
    return members


def _unpack(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], name: str, limits: Limits
) -> list[tuple[zipfile.ZipInfo, IO[bytes], int]]:
    """Every member unpacked to a temporary file, counting what really comes out."""
    unpacked: list[tuple[zipfile.ZipInfo, IO[bytes], int]] = []
    total = 0
    try:
        for info in members:
            handle = tempfile.SpooledTemporaryFile(max_size=CHUNK)  # noqa: SIM115 (closed by the caller)
            unpacked.append((info, handle, 0))
            size = 0
            with archive.open(info) as source:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    total += len(chunk)
                    if size > info.file_size or total > limits.total:
                        raise ZipRefused(
                            f"{name} was not expanded: it unpacks to more than it says it holds, as a zip bomb does. "
                            "Nothing was added."
                        )
                    handle.write(chunk)
            unpacked[-1] = (info, handle, size)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        _close(unpacked)
        raise ZipRefused(
            f"{name} was not expanded: it is damaged or uses a compression the portal cannot read."
        ) from exc
    except BaseException:
        _close(unpacked)
        raise
    return unpacked


def _close(unpacked: list[tuple[zipfile.ZipInfo, IO[bytes], int]]) -> None:
    for _info, handle, _size in unpacked:
        handle.close()


def expand_zip(contents: DocumentContents, handle: IO[bytes]) -> str:
    """Stage the zip's documents and remove the zip, or leave it refused with the sentence why."""
    document = contents.document
    batch = document.batch
    user = contents.requested_by
    try:
        if contents.zip_path:
            raise ZipRefused(f"{document.file_name} was not expanded: it was itself inside a zip file.")
        ensure_editable(batch)
        limits = Limits.from_settings()
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ZipRefused(f"{document.file_name} is not a readable zip file. Nothing was added.") from exc
        with archive:
            members = check(archive, document.file_name, limits)
            unpacked = _unpack(archive, members, document.file_name, limits)
    except (ZipRefused, BatchLocked) as exc:
        return _refuse(contents, str(exc))
    try:
        return _stage(contents, batch, user, unpacked)
    finally:
        _close(unpacked)


def _stage(contents: DocumentContents, batch: Batch, user: User | None, unpacked: list) -> str:
    document = contents.document
    schema = load_schema(batch.project)
    added: list[StagedDocument] = []
    skipped: list[str] = []
    folders: Counter[str] = Counter()
    for info, handle, size in unpacked:
        path = info.filename.replace("\\", "/")
        child, refused = stage_child(batch, user, posixpath.basename(path), handle, size, schema, zip_path=path[:500])
        if child is None:
            skipped.append(refused)
            continue
        added.append(child)
        folder = posixpath.dirname(path)
        folders[folder or "(top level)"] += 1
    with transaction.atomic():
        StagedDocument.objects.filter(pk=document.pk).delete()
        where = ", ".join(
            f"{folder}/ ({count})" if folder != "(top level)" else f"top level ({count})"
            for folder, count in folders.most_common(12)
        )
        detail = f"{document.file_name}: {len(added)} document(s)" + (f" from {where}" if where else "")
        if skipped:
            detail += f"; not added: {' '.join(skipped[:5])}" + (
                f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
            )
        audit(batch, user, "Expanded a zip file", detail)
    name = document.file.name or ""
    transaction.on_commit(lambda: _delete_if_unused(name))
    return f"zip {document.file_name}: {len(added)} staged, {len(skipped)} skipped"


def _delete_if_unused(name: str) -> None:
    if name and not StagedDocument.objects.filter(file=name).exists():
        default_storage.delete(name)


def _refuse(contents: DocumentContents, sentence: str) -> str:
    DocumentContents.objects.filter(pk=contents.pk).update(
        state=DocumentContents.State.REFUSED,
        kind=DocumentContents.Kind.ZIP,
        message=sentence,
        lease_until=None,
        read_at=timezone.now(),
        updated_at=timezone.now(),
    )
    audit(contents.document.batch, contents.requested_by, "Refused a zip file", sentence)
    return f"zip {contents.document.file_name}: refused"
