"""Tell the person who pressed Submit how their batch ended: a notification shown on their next
page (staging.notifications) and an email (Django's email backend; the console in the demo)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse

from ..issue_control.transmittal import attach
from ..models import Notification, StagedDocument, Submission, Transmittal

log = logging.getLogger(__name__)


def summary(submission: Submission) -> tuple[str, list[str], list[str]]:
    documents = list(submission.batch.documents.only("file_name", "state", "message", "version"))
    landed = [d for d in documents if d.state == StagedDocument.State.SUBMITTED]
    failed = [d for d in documents if d.state == StagedDocument.State.FAILED]
    text = f"“{submission.batch.name}”: {len(landed)} document(s) landed in Procore"
    text += f", {len(failed)} need attention." if failed else "."
    landed_lines = [f"- {d.file_name}" + (f" (version {d.version})" if d.version else "") for d in landed]
    failed_lines = [f"- {d.file_name}: {d.message}" for d in failed]
    return text, landed_lines, failed_lines


def notify(submission: Submission) -> None:
    user = submission.submitted_by
    if user is None:
        return
    text, landed, failed = summary(submission)
    url = reverse("staging:progress", args=[submission.batch_id])
    Notification.objects.create(
        user=user,
        batch=submission.batch,
        text=text,
        url=url,
        level=Notification.Level.WARNING if failed else Notification.Level.SUCCESS,
    )
    if user.email:
        # After the run's end is committed: a slow mail server must not hold the database's locks
        # (the end of a run is one transaction), and a rolled-back end sends nothing.
        transaction.on_commit(lambda: email(submission, user.email, text, landed, failed, url))


def email(submission: Submission, address: str, text: str, landed: list[str], failed: list[str], url: str) -> None:
    body = [text, ""]
    if landed:
        body += ["Landed:", *landed, ""]
    if failed:
        body += ["Needs attention:", *failed, ""]
    transmittal = Transmittal.objects.filter(batch=submission.batch).first()
    if transmittal is not None:
        body += [f"Transmittal {transmittal.label} is attached (PDF and CSV register).", ""]
    body.append(f"Progress and details: {settings.PORTAL_PUBLIC_URL}{url}")
    try:
        message = EmailMessage(
            f"Batch {submission.batch.name}: {'needs attention' if failed else 'submitted to Procore'}",
            "\n".join(body),
            settings.DEFAULT_FROM_EMAIL,
            [address],
        )
        if transmittal is not None:
            attach(message, transmittal)
        message.send()
    except Exception:  # a mail server down must not undo the submit
        log.exception("Could not email the result of submission %s", submission.pk)
