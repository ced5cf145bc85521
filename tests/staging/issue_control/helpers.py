"""Steps the issue control tests share (no tests, no fixtures here): staging a file with chosen
bytes and metadata, issuing a batch through the real submit task, and generating drawings."""

from __future__ import annotations

import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.staging import services
from portal.staging.models import Batch, StagedDocument
from portal.staging.schema import load_schema
from tests.staging.submitting import metadata_from, run_task, submit


def stage(batch: Batch, file_name: str, values: dict[str, str] | None, content: bytes) -> StagedDocument:
    """Add a file to the batch as an upload would, then set its metadata (typed values)."""
    schema = load_schema(batch.project)
    user = batch.created_by
    assert user is not None
    document, _ = services.add_document(batch, user, SimpleUploadedFile(file_name, content, "application/pdf"), schema)
    if values is not None:
        services.set_document_fields(batch, user, document, metadata_from(schema, **values), schema)
    document.refresh_from_db()
    return document


def issue(batch: Batch, *, expect: str = "done") -> Batch:
    """Submit the batch through the real pipeline task (`expect`: how the run should end)."""
    submission = run_task(submit(batch, batch.created_by))
    assert submission.state == expect, list(batch.documents.values_list("file_name", "message"))
    batch.refresh_from_db()
    return batch


def drawing_pdf(
    changes=(), *, pages: int = 1, size: tuple[float, float] | None = None, seed: int = 7, title: str = "A-DRW-101"
) -> bytes:
    """A generated drawing (reportlab), A1 landscape unless `size` says: a grid, some boxes and a
    title block; each change (x, y, w, h in points) adds a box with a note on the first page."""
    from reportlab.lib.pagesizes import A1, landscape
    from reportlab.pdfgen import canvas

    width, height = size or landscape(A1)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    for number in range(pages):
        rng = random.Random(seed + number)
        pdf.setLineWidth(0.5)
        for column in range(0, int(width), 80):
            pdf.line(column, 0, column, height)
        for _ in range(60):
            x, y = rng.uniform(40, width - 300), rng.uniform(200, height - 300)
            pdf.rect(x, y, rng.uniform(20, 160), rng.uniform(20, 160))
        pdf.rect(width - 520, 20, 500, 140)
        pdf.setFont("Helvetica", 22)
        pdf.drawString(width - 500, 110, f"{title} sheet {number + 1}")
        for x, y, w, h in changes if number == 0 else ():
            pdf.setLineWidth(2)
            pdf.rect(x, y, w, h)
            pdf.drawString(x + 8, y + 8, "REVISED")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
