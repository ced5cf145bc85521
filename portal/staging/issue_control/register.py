"""The register of a transmittal: one line per landed document of a batch, and its CSV.

The "Procore link" is what Procore gives: a revision's `download_url` (procore-api.md §7.10), or
the documented download path when the mirror has not read the revision yet, or a Documents file
version's `url` (§5); all need a Procore sign-in (they are API addresses).

The CSV goes to people outside the portal, who open it in a spreadsheet: text that would start a
formula (a batch note "=HYPERLINK(…)") is written with a leading "'", as the batch's CSV export does.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings

from portal.mirror.models import File, Revision
from portal.procore.downloads import revision_download_path

from ..csv_io import FORMULA_START
from ..models import Batch, LedgerEntry, StagedDocument, Transmittal
from ..schema import load_schema
from .ledger import document_label, person_name

COLUMNS = [
    "Transmittal",
    "Document number",
    "Name",
    "Revision",
    "Version",
    "Status",
    "Procore link",
    "Submitted by",
    "Time (UTC)",
    "Batch",
    "Batch note",
    "File name",
    "SHA-256",
]


@dataclass(frozen=True)
class Line:
    number: str
    name: str
    revision: str
    version: str
    status: str
    link: str
    submitter: str
    time: datetime | None
    file_name: str
    sha256: str


def register_lines(batch: Batch) -> list[Line]:
    """One line per landed document of the batch, in the batch's order."""
    documents = list(
        batch.documents.filter(state=StagedDocument.State.SUBMITTED, landed_at__isnull=False)
        .select_related("ledger_entry")
        .order_by("position", "id")
    )
    for document in documents:
        document.batch = batch
    pdm = batch.target == Batch.Target.DOCUMENT_MANAGEMENT
    schema = load_schema(batch.project) if pdm else None
    status_field = schema.fields_by_name.get("status") if schema else None
    revisions = (
        {
            r.procore_id: r
            for r in Revision.objects.filter(
                project=batch.project, procore_id__in=[d.revision_id for d in documents if d.revision_id]
            )
        }
        if pdm
        else {}
    )
    files = (
        {
            str(f.pk): f
            for f in File.objects.filter(pk__in=[int(d.container_id) for d in documents if d.container_id.isdigit()])
        }
        if not pdm
        else {}
    )
    fallback = _submitter(batch)
    lines = []
    for document in documents:
        label = document_label(document, schema)
        entry: LedgerEntry | None = getattr(document, "ledger_entry", None)
        revision = revisions.get(document.revision_id)
        version = document.version if document.version is not None else (revision.version if revision else None)
        status = ""
        if schema is not None and status_field is not None:
            values = (document.metadata or {}).get(status_field.id) or []
            value = schema.values_by_id.get(values[0]) if values else None
            status = value.label if value is not None else (values[0] if values else "")
        if pdm:
            link = (revision.download_url if revision and revision.download_url else "") or (
                settings.PROCORE_API_URL.rstrip("/")
                + revision_download_path(batch.project.company_id, batch.project_id, document.revision_id)
                if document.revision_id
                else ""
            )
        else:
            mirrored = files.get(document.container_id)
            link = mirrored.latest_version_url if mirrored else ""
        lines.append(
            Line(
                number=label.number,
                name=label.name or document.title or document.file_name,
                revision=label.revision,
                version=str(version) if version is not None else "",
                status=status,
                link=link,
                submitter=(entry.issued_by_name if entry and entry.issued_by_name else fallback),
                time=document.landed_at,
                file_name=document.file_name,
                sha256=document.sha256,
            )
        )
    return lines


def _submitter(batch: Batch) -> str:
    submission = batch.submissions.select_related("submitted_by").first()
    return person_name(submission.submitted_by if submission else batch.created_by)


def _text(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def render_csv(transmittal: Transmittal, lines: list[Line]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    batch = transmittal.batch
    for line in lines:
        writer.writerow(
            [
                transmittal.label,
                _text(line.number),
                _text(line.name),
                _text(line.revision),
                line.version,
                _text(line.status),
                line.link,
                _text(line.submitter),
                line.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if line.time else "",
                _text(batch.name),
                _text(batch.note),
                _text(line.file_name),
                line.sha256,
            ]
        )
    # A byte-order mark so spreadsheet programs read the names' accents right.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
