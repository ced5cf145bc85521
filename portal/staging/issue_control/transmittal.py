"""Transmittals: the issue sheet of a landed batch, numbered per project, kept, sent.

When every document of a batch has landed (Procore confirmed it), the batch gets one transmittal:
a PDF (reportlab) and a CSV register listing each document's number, name, revision, version,
status, Procore link, submitter, time and the batch's note (and the file's SHA-256, which proves
what was issued). A batch that the person closes with only part of it landed gets one for what
landed. Numbers run per project, T-0001, T-0002…: the next number is taken inside a transaction
and the (project, number) unique constraint settles a race (the loser takes the next one); one
transmittal per batch (a unique batch) makes issuing safe to repeat from the submit worker, a
webhook and the schedule at once.

Files are written after the number: a worker that dies in between leaves a row without files,
and the next `issue_transmittal` for the batch writes them. The PDF and CSV are e-mailed to the
batch's recipients (project people chosen at submit) once — the conditional UPDATE of
`emailed_at` decides who sends — and attached to the submitter's completion e-mail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import User

from ..models import AuditEntry, Batch, Recipient, Transmittal
from .ledger import person_name
from .register import register_lines, render_csv

log = logging.getLogger(__name__)

NUMBER_ATTEMPTS = 20


# --- numbering and issuing -------------------------------------------------------------------------


def _allocate(batch: Batch, *, issued_by: User | None, complete: bool, documents: int) -> Transmittal:
    """The batch's transmittal row with the project's next number (made once)."""
    for _ in range(NUMBER_ATTEMPTS):
        existing = Transmittal.objects.filter(batch=batch).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                last = Transmittal.objects.filter(project_id=batch.project_id).aggregate(top=Max("number"))["top"]
                return Transmittal.objects.create(
                    project_id=batch.project_id,
                    batch=batch,
                    number=(last or 0) + 1,
                    issued_by=issued_by,
                    complete=complete,
                    documents=documents,
                    recipients=[{"name": r.name, "email": r.email} for r in batch.recipients.all()],
                )
        except IntegrityError:
            continue  # another batch took the number (or this batch got its transmittal) meanwhile
    raise RuntimeError(f"Could not number the transmittal of batch {batch.pk}")


def issue_transmittal(batch: Batch, *, complete: bool = True, user: User | None = None) -> Transmittal | None:
    """The batch's transmittal, made (number, PDF, CSV) when missing; None when nothing landed."""
    existing = Transmittal.objects.filter(batch=batch).first()
    if existing is not None and existing.pdf and existing.csv:
        return existing
    lines = register_lines(batch)
    if not lines:
        return None
    submission = batch.submissions.select_related("submitted_by").first()
    issued_by = user or (submission.submitted_by if submission else batch.created_by)
    transmittal = existing or _allocate(batch, issued_by=issued_by, complete=complete, documents=len(lines))
    from .transmittal_pdf import render_pdf  # reportlab is the worker's: web processes never load it

    folder = f"transmittals/{batch.project_id}"
    pdf_name = default_storage.save(f"{folder}/{transmittal.label}.pdf", ContentFile(render_pdf(transmittal, lines)))
    csv_name = default_storage.save(f"{folder}/{transmittal.label}.csv", ContentFile(render_csv(transmittal, lines)))
    Transmittal.objects.filter(pk=transmittal.pk).update(pdf=pdf_name, csv=csv_name, documents=len(lines))
    transmittal.refresh_from_db()
    AuditEntry.objects.create(
        batch=batch,
        user=issued_by,
        action="Transmittal issued",
        detail=f"{transmittal.label}: {len(lines)} document(s)"
        + ("" if transmittal.complete else ", part of the batch"),
    )
    return transmittal


def issue_when_landed(batch: Batch) -> Transmittal | None:
    """The transmittal of a batch every document of which has landed; None otherwise."""
    documents = batch.documents.all()
    if not documents.exists() or documents.exclude(landed_at__isnull=False).exists():
        return None
    return issue_transmittal(batch)


def due_batches(batch_ids: Iterable[int]) -> list[int]:
    """Those of these batches that are submitted, fully landed and still without a transmittal."""
    return list(
        Batch.objects.filter(pk__in=set(batch_ids), state=Batch.State.SUBMITTED, transmittal__isnull=True)
        .exclude(documents__landed_at__isnull=True)
        .values_list("pk", flat=True)
    )


def close_batch(batch: Batch, user: User) -> int | None:
    """Close a batch part of which landed: nothing more is sent. Returns how many documents landed
    (their transmittal is the caller's to queue), None when the batch cannot be closed."""
    closed = Batch.objects.filter(pk=batch.pk, state=Batch.State.FAILED).update(
        state=Batch.State.CLOSED, updated_at=timezone.now()
    )
    if not closed:
        return None
    landed = batch.documents.filter(landed_at__isnull=False).count()
    total = batch.documents.count()
    AuditEntry.objects.create(
        batch=batch,
        user=user,
        action="Closed the batch",
        detail=f"{landed} of {total} document(s) landed; the others will not be sent",
    )
    return landed


def make_transmittal(batch_id: int, closed_by: int | None = None) -> Transmittal | None:
    """Issue the batch's transmittal (complete, or for what landed of a closed batch) and send it."""
    batch = Batch.objects.select_related("project", "created_by").get(pk=batch_id)
    if batch.state == Batch.State.CLOSED:
        user = User.objects.filter(pk=closed_by).first() if closed_by else None
        transmittal = issue_transmittal(batch, complete=False, user=user)
    else:
        transmittal = issue_when_landed(batch)
    if transmittal is not None:
        send(transmittal, to_submitter=True)
    return transmittal


# --- the files ------------------------------------------------------------------------------------


# --- e-mail ---------------------------------------------------------------------------------------


def attach(message: EmailMessage, transmittal: Transmittal) -> None:
    for field, mime in ((transmittal.pdf, "application/pdf"), (transmittal.csv, "text/csv")):
        if field and field.name:
            with default_storage.open(field.name, "rb") as stored:
                message.attach(
                    f"{transmittal.label}{'.pdf' if mime == 'application/pdf' else '.csv'}", stored.read(), mime
                )


def send(transmittal: Transmittal, *, to_submitter: bool) -> int:
    """E-mail the transmittal to the batch's recipients (once) and, when asked, the submitter."""
    batch = transmittal.batch
    people = [r.email for r in Recipient.objects.filter(batch=batch)]
    submitter = transmittal.issued_by
    claimed = Transmittal.objects.filter(pk=transmittal.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return 0
    to = list(dict.fromkeys(people + ([submitter.email] if to_submitter and submitter and submitter.email else [])))
    if not to:
        return 0
    url = settings.PORTAL_PUBLIC_URL + reverse("staging:transmittals", args=[batch.project_id])
    body = [
        f"Transmittal {transmittal.label} — {batch.project.name}",
        "",
        f"{transmittal.documents} document(s) issued into Procore from the batch “{batch.name}”"
        + ("" if transmittal.complete else " (the part of the batch that landed)")
        + f" by {person_name(submitter) or 'the portal'}.",
    ]
    if batch.note:
        body += ["", f"Note: {batch.note}"]
    body += ["", "The transmittal (PDF) and its register (CSV) are attached.", f"All transmittals: {url}"]
    message = EmailMessage(
        f"Transmittal {transmittal.label}: {batch.project.name} — {batch.name}",
        "\n".join(body),
        settings.DEFAULT_FROM_EMAIL,
        to,
    )
    attach(message, transmittal)
    try:
        message.send()
    except Exception:  # a mail server down must not lose the transmittal: it stays downloadable
        log.exception("Could not e-mail transmittal %s", transmittal.pk)
        Transmittal.objects.filter(pk=transmittal.pk).update(emailed_at=None)
        return 0
    return len(to)
