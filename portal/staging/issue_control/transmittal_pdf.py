"""The transmittal as a PDF (reportlab's page layout engine): who issued what, to whom, when.

A4 landscape: the transmittal's number and project, the batch, who sent it and to whom, then the
register (one row per document, the header repeated on every page), and a footer with the
number and the page on each page.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..folder_target import target_label
from ..models import Batch, Transmittal
from .ledger import person_name
from .register import Line

INK = colors.HexColor("#1d2430")
MUTED = colors.HexColor("#5d6878")
LINE = colors.HexColor("#dfe3ea")
ACCENT = colors.HexColor("#e5622a")


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName="Helvetica", fontSize=9, leading=11, textColor=INK)
    return {
        "title": ParagraphStyle("title", parent=body, fontName="Helvetica-Bold", fontSize=20, leading=24),
        "number": ParagraphStyle(
            "number", parent=body, fontName="Helvetica-Bold", fontSize=20, leading=24, textColor=ACCENT, alignment=2
        ),
        "label": ParagraphStyle("label", parent=body, textColor=MUTED),
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=10),
        "head": ParagraphStyle("head", parent=body, fontName="Helvetica-Bold", fontSize=8, leading=10, textColor=MUTED),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text or ""), style)


def render_pdf(transmittal: Transmittal, lines: list[Line]) -> bytes:
    batch = transmittal.batch
    project = batch.project
    styles = _styles()
    buffer = io.BytesIO()
    page = landscape(A4)
    document = SimpleDocTemplate(
        buffer,
        pagesize=page,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=f"Transmittal {transmittal.label}",
        author=person_name(transmittal.issued_by) or "Document Portal",
        subject=f"{project.name}: {batch.name}",
    )
    width = page[0] - document.leftMargin - document.rightMargin
    story = [
        Table(
            [[_p("Transmittal", styles["title"]), _p(transmittal.label, styles["number"])]],
            colWidths=[width * 0.6, width * 0.4],
            style=[("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, 0), 1.5, ACCENT)],
        ),
        Spacer(1, 4 * mm),
        _details(transmittal, lines, styles, width),
        Spacer(1, 5 * mm),
        _register(lines, styles, width),
    ]

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(doc.leftMargin, 8 * mm, f"{transmittal.label} · {project.name} · {batch.name}")
        canvas.drawRightString(page[0] - doc.rightMargin, 8 * mm, f"Page {doc.page}")
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _details(transmittal: Transmittal, lines: list[Line], styles, width: float) -> Table:
    batch = transmittal.batch
    project = batch.project
    recipients = "; ".join(f"{r.get('name')} <{r.get('email')}>" for r in transmittal.recipients) or "—"
    where = target_label(batch) if batch.target == Batch.Target.FOLDER else "Procore Document Management"
    issued = transmittal.created_at or max((line.time for line in lines if line.time), default=None)
    rows = [
        ("Project", f"{project.name}" + (f" ({project.project_number})" if project.project_number else "")),
        ("Company", project.company.name),
        ("Date", f"{issued:%-d %B %Y, %H:%M} UTC" if issued else ""),
        ("From", person_name(transmittal.issued_by) or "Document Portal"),
        ("To", recipients),
        ("Batch", batch.name),
        ("Issued into", where),
        ("Documents", f"{len(lines)}"),
    ]
    if batch.note:
        rows.append(("Note", batch.note))
    if not transmittal.complete:
        total = batch.documents.count()
        rows.append(
            (
                "Part of the batch",
                f"{len(lines)} of {total} documents landed in Procore; the batch was closed and the others "
                "were not issued.",
            )
        )
    return Table(
        [[_p(label, styles["label"]), _p(value, styles["body"])] for label, value in rows],
        colWidths=[32 * mm, width - 32 * mm],
        style=[("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)],
    )


def _register(lines: list[Line], styles, width: float) -> Table:
    head = ["#", "Number", "Name", "Rev", "Ver", "Status", "Submitted by", "Landed (UTC)", "Procore"]
    shares = [0.04, 0.14, 0.27, 0.06, 0.05, 0.11, 0.14, 0.12, 0.07]
    data = [[_p(h, styles["head"]) for h in head]]
    for index, line in enumerate(lines, start=1):
        link = (
            Paragraph(f'<link href="{escape(line.link)}" color="#c44f1c">Open</link>', styles["cell"])
            if line.link
            else _p("", styles["cell"])
        )
        data.append(
            [
                _p(str(index), styles["cell"]),
                _p(line.number, styles["cell"]),
                _p(line.name, styles["cell"]),
                _p(line.revision, styles["cell"]),
                _p(line.version, styles["cell"]),
                _p(line.status, styles["cell"]),
                _p(line.submitter, styles["cell"]),
                _p(f"{line.time:%Y-%m-%d %H:%M}" if line.time else "", styles["cell"]),
                link,
            ]
        )
    return Table(
        data,
        colWidths=[width * share for share in shares],
        repeatRows=1,
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 1, INK),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, LINE),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f7f8fa")]),
            ]
        ),
    )
