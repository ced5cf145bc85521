"""Fixtures of the issue control tests: a mirrored Riverside project with a signed-in person,
staging files with chosen bytes, and submitting a batch through the real pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.staging import services
from portal.staging.models import Batch, StagedDocument
from portal.staging.schema import load_schema
from procore_sandbox.testing import ELI
from tests.staging.test_submit_support import fast_pipeline, metadata_from, mirrored, run_task, submit


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.fixture
def riverside(sandbox, media, monkeypatch):
    """(user, project): Eli, signed in, with Riverside Medical Center mirrored; a fast pipeline."""
    fast_pipeline(monkeypatch)
    return mirrored(sandbox, ELI)


@pytest.fixture
def stage():
    """stage(batch, file name, {field: typed value}, content) → a staged document (metadata set)."""

    def add(batch: Batch, file_name: str, values: dict[str, str] | None, content: bytes) -> StagedDocument:
        schema = load_schema(batch.project)
        user = batch.created_by
        document, _ = services.add_document(
            batch, user, SimpleUploadedFile(file_name, content, "application/pdf"), schema
        )
        if values is not None:
            services.set_document_metadata(batch, user, document, metadata_from(schema, **values), schema)
        document.refresh_from_db()
        return document

    return add


@pytest.fixture
def issue():
    """issue(batch) → submits the batch through the real pipeline task; every document lands."""

    def run(batch: Batch) -> Batch:
        submission = run_task(submit(batch, batch.created_by))
        assert submission.state == "done", list(batch.documents.values_list("file_name", "message"))
        batch.refresh_from_db()
        return batch

    return run


@pytest.fixture
def client_for(sandbox):
    """client_for(user) → a Django test client signed in as user (None: someone who cannot see the
    project — a member of another project only)."""
    from django.test import Client

    from portal.mirror.sync import sync_memberships
    from procore_sandbox.testing import SAM
    from tests.flows import portal_user

    def make(user):
        if user is None:
            user = portal_user(sandbox, SAM)
            sync_memberships(user)
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def drawing_pdf():
    """drawing_pdf(changes=[(x, y, w, h) in points], pages=1, size=A1 landscape) → the bytes of a
    generated drawing (reportlab): a grid, some boxes and a title block; each change adds a box
    with a note where it says."""
    import io
    import random

    from reportlab.lib.pagesizes import A1, landscape
    from reportlab.pdfgen import canvas

    def make(changes=(), *, pages: int = 1, size=None, seed: int = 7, title: str = "A-DRW-101") -> bytes:
        width, height = size or landscape(A1)
        buffer = io.BytesIO()
        pdf = canvas.Canvas(buffer, pagesize=(width, height))
        for number in range(pages):
            rng = random.Random(seed + number)
            pdf.setLineWidth(0.5)
            for x in range(0, int(width), 80):
                pdf.line(x, 0, x, height)
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

    return make


@pytest.fixture
def issue_failed():
    """issue_failed(batch) → submits through the real task; some documents are refused."""

    def run(batch: Batch) -> Batch:
        submission = run_task(submit(batch, batch.created_by))
        assert submission.state == "failed"
        batch.refresh_from_db()
        return batch

    return run


# The browser tests of the issue control pages use the shared Playwright fixtures.
from tests.e2e.conftest import browser, page  # noqa: E402,F401

AXE = Path(__file__).resolve().parents[2] / "e2e" / "vendor" / "axe-core-4.14.1" / "axe.min.js"


@pytest.fixture
def look(request, tmp_path):
    """look(page, name) → screenshots the page at 1440×900 and 390×844 (into $SCREENSHOTS or a
    temporary folder) and returns the critical and serious axe-core violations at each size."""
    import os

    folder = Path(os.environ.get("SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def check(page, name: str) -> list[str]:
        problems = []
        for width, height in ((1440, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            problems += [
                f"{width}px {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
                for v in result["violations"]
                if v["impact"] in {"critical", "serious"}
            ]
        return problems

    return check
