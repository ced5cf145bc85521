"""Run one submission: claim it, run the steps in order, finish, tell the submitter.

Claiming is a conditional UPDATE on the Submission's lease (queued, or running with a lease
that has run out): exactly one worker gets the row. A thread of the worker (LeaseKeeper) renews
the lease every half heartbeat interval for as long as the process lives, whatever the steps are
waiting for (a long upload, Procore's processing), so the lease can be short; the steps' own
heartbeats record what is being done. Renewals are conditional on still holding the lease, so a
worker presumed dead that wakes up stops instead of racing its successor (LeaseLost). A worker
that dies stops renewing: its lease lapses after STAGING_SUBMIT_LEASE seconds, the progress page
says the batch waits for a worker once no renewal came for STAGING_SUBMIT_HEARTBEAT seconds, and
the other workers' watch (pipeline/wakeup.py) queues the run again, which resumes from the rows.

The batch is submitted with the token of the person who pressed Submit, so Procore's history
names them.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Max, Q
from django.utils import timezone

from portal.accounts.tokens import UserTokenSource
from portal.procore.errors import ProcoreError, ReauthorizationRequired
from portal.procore.http import ProcoreClient
from portal.procore.pdm import Pdm
from portal.procore.uploads import UnifiedUploads
from portal.throttle.lanes import Lane, Ticket
from portal.throttle.models import Flow

from ..issue_control.ledger import record_submitted
from ..issue_control.transmittal import issue_when_landed
from ..issue_control.transmittal import send as send_transmittal
from ..models import Batch, StagedDocument, Submission
from ..services import audit
from . import costs
from .complete import complete_uploads
from .create import create_uploads
from .folder import confirm_in_mirror, send_to_folder
from .landing import confirm_landed
from .notify import notify
from .send import send_files
from .settle import read_event_ids
from .state import CHUNK, CREATED, PENDING, UPLOADED, LeaseLost, Run, chunked, fail, heartbeat_interval, lease
from .submit import submit_revisions

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = 5.0  # seconds between two step reports of the same step
WAVE = CHUNK  # documents per wave of a large batch
PASSES = 3  # steps 1–3 again for documents sent back (a dropped upload, a file to resend)

STEPS = [
    ("create", create_uploads),
    ("send", send_files),
    ("complete", complete_uploads),
    ("settle", read_event_ids),
    ("submit", submit_revisions),
]


def claim(submission_id: int, worker: str) -> bool:
    now = timezone.now()
    return (
        Submission.objects.filter(
            Q(lease_until__isnull=True) | Q(lease_until__lt=now),
            pk=submission_id,
            state__in=[Submission.State.QUEUED, Submission.State.RUNNING],
        ).update(worker=worker, lease_until=now + lease(), heartbeat_at=now, state=Submission.State.RUNNING)
        == 1
    )


def renew(submission_id: int, worker: str, **values: object) -> bool:
    """Extend the lease if `worker` still holds it (and the run has not finished)."""
    now = timezone.now()
    return bool(
        Submission.objects.filter(pk=submission_id, worker=worker, state=Submission.State.RUNNING).update(
            lease_until=now + lease(), heartbeat_at=now, **values
        )
    )


class LeaseKeeper:
    """Renews a run's lease from a thread of its own every half heartbeat interval while the worker
    process lives; notes when another worker has taken the run over."""

    def __init__(self, submission_id: int, worker: str) -> None:
        self.submission_id = submission_id
        self.worker = worker
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{submission_id}", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        every = heartbeat_interval().total_seconds() / 2
        try:
            while not self._stop.wait(every):
                try:
                    if not renew(self.submission_id, self.worker):
                        self.lost = True
                        return
                except Exception:  # noqa: BLE001 - the database away for a moment: try at the next beat
                    log.warning("Renewing the lease of submission %s failed", self.submission_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection


class Heartbeat:
    """What the steps call as they go: records the step for people (at most every HEARTBEAT_EVERY
    seconds for the same step) and stops the run when its lease was taken over."""

    def __init__(self, submission_id: int, worker: str, keeper: LeaseKeeper | None = None) -> None:
        self.submission_id = submission_id
        self.worker = worker
        self.keeper = keeper
        self.last = 0.0
        self.step = ""

    def __call__(self, step: str) -> None:
        if self.keeper is not None and self.keeper.lost:
            raise LeaseLost(f"submission {self.submission_id} was taken over")
        if step == self.step and time.monotonic() - self.last < HEARTBEAT_EVERY:
            return
        if not renew(self.submission_id, self.worker, step=step):
            raise LeaseLost(f"submission {self.submission_id} was taken over")
        self.last = time.monotonic()
        self.step = step


def submission_ticket(submission: Submission) -> Ticket:
    """A batch goes in the background lane as a flow of its own (its submitter's share); a retry
    pressed by hand is interactive: someone is waiting for it. The flow's size — the calls it
    made before (a resumed run) and those it still needs — lets a small batch go first."""
    person = submission.submitted_by
    flow = f"submission:{submission.pk}"
    made = Flow.objects.filter(key=flow).aggregate(made=Max("calls"))["made"] or 0
    return Ticket(
        Lane.INTERACTIVE if submission.interactive else Lane.BACKGROUND,
        flow,
        f"{'Retry' if submission.interactive else 'Submission'} {submission.pk} · “{submission.batch.name}”"[:200],
        person.pk if person else None,
        (person.get_full_name() or person.get_username()) if person else "",
        size=made + costs.calls_left(submission),
    )


def build_run(submission: Submission, heartbeat: Heartbeat) -> Run:
    project = submission.batch.project
    assert submission.submitted_by is not None, "a submission is made by someone"
    client = ProcoreClient(
        UserTokenSource.for_user(submission.submitted_by), project.company_id, ticket=submission_ticket(submission)
    )
    return Run(
        submission=submission,
        batch=submission.batch,
        client=client,
        pdm=Pdm(client, project.company_id, project.id),
        uploads=UnifiedUploads(client, project.company_id, project.id),
        heartbeat=heartbeat,
        threads=settings.STAGING_SUBMIT_THREADS,
    )


def run_submission(submission_id: int, *, stop_after: str | None = None) -> Submission | None:
    """Run (or resume) a submission. `stop_after` ends the run after that step without finishing,
    as a worker killed there would (tests)."""
    worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    if not claim(submission_id, worker):
        log.info("Submission %s is finished or held by another worker", submission_id)
        return None
    submission = Submission.objects.select_related("batch__project", "submitted_by").get(pk=submission_id)
    if submission.started_at is None:
        Submission.objects.filter(pk=submission_id).update(started_at=timezone.now())
    with LeaseKeeper(submission_id, worker) as keeper:
        return _run(submission, Heartbeat(submission_id, worker, keeper), stop_after)


def _run(submission: Submission, heartbeat: Heartbeat, stop_after: str | None) -> Submission | None:
    submission_id = submission.pk
    try:
        run = build_run(submission, heartbeat)
        if submission.batch.target == Batch.Target.FOLDER:
            run_to_folder(run)
            return Submission.objects.get(pk=submission_id)
        if stop_after is None:
            run_in_waves(run)
        for _ in range(PASSES):
            for name, step in STEPS:
                step(run)
                if name == stop_after:
                    return submission
            if not run.documents().filter(step__in=[PENDING, CREATED, UPLOADED]).exists():
                break
        finish(run)
    except LeaseLost:
        log.warning("Submission %s was taken over by another worker; this one stops", submission_id)
        return None
    except ReauthorizationRequired:
        fail(
            StagedDocument.objects.filter(batch=submission.batch, state=StagedDocument.State.SUBMITTING),
            "Your Procore sign-in has ended. Sign in with Procore again and retry.",
            "SIGN_IN",
        )
        finish_without_client(submission, "The Procore sign-in has ended.")
    except Exception as exc:
        log.exception("Submission %s failed", submission_id)
        fail(
            StagedDocument.objects.filter(batch=submission.batch, state=StagedDocument.State.SUBMITTING),
            "The submit stopped on an unexpected error. Retry the document.",
            "INTERNAL",
        )
        finish_without_client(submission, type(exc).__name__ if not isinstance(exc, ProcoreError) else str(exc))
    return Submission.objects.get(pk=submission_id)


def run_in_waves(run: Run) -> None:
    """A large batch in waves of 100: while one wave's files are sent, the previous wave is
    completed, settled and submitted, so the bulk calls and the ML wait do not leave the rate
    limit's budget unused. Documents a wave sends back are picked up by the passes after."""
    create_uploads(run)
    ids = list(run.documents().filter(step=CREATED).order_by("id").values_list("pk", flat=True))
    if len(ids) <= WAVE:
        return
    waves = [replace(run, only=frozenset(wave)) for wave in chunked(ids, WAVE)]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="submit-wave") as side:
        previous: Run | None = None
        for wave in waves:
            sending = side.submit(_send_wave, wave)
            if previous is not None:
                _finish_wave(previous)
            sending.result()
            previous = wave
        if previous is not None:
            _finish_wave(previous)


def _send_wave(wave: Run) -> None:
    try:
        send_files(wave)
    finally:
        connections.close_all()  # this thread's connections only


def _finish_wave(wave: Run) -> None:
    complete_uploads(wave)
    read_event_ids(wave)
    submit_revisions(wave)


def finish(run: Run) -> None:
    run.heartbeat("Confirming revisions in Procore")
    # Anything still marked as in progress has not reached a revision: say so.
    fail(run.documents(), "The submit ended before this document got a revision. Retry the document.", "UNFINISHED")
    confirm_landed(run.client, run.batch)
    close(run.submission)


def run_to_folder(run: Run) -> None:
    """A batch for a Documents-tool folder: its own steps (pipeline/folder.py), the same finish."""
    send_to_folder(run)
    fail(run.documents(), "The submit ended before this document reached the folder. Retry the document.", "UNFINISHED")
    confirm_in_mirror(run)
    close(run.submission)


def finish_without_client(submission: Submission, error: str) -> None:
    Submission.objects.filter(pk=submission.pk).update(error=error[:2000])
    close(submission)


def close(submission: Submission) -> None:
    batch = submission.batch
    states = set(batch.documents.values_list("state", flat=True))
    failed = batch.documents.filter(state=StagedDocument.State.FAILED).count()
    landed = batch.documents.filter(state=StagedDocument.State.SUBMITTED).count()
    batch_state = Batch.State.SUBMITTED if states == {StagedDocument.State.SUBMITTED} else Batch.State.FAILED
    # One change for whoever watches: the run is seen to end together with its transmittal and
    # the submitter's notice (a progress page reloads on the end and shows the notice).
    with transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(state=batch_state, updated_at=timezone.now())
        Submission.objects.filter(pk=submission.pk).update(
            state=Submission.State.FAILED if failed else Submission.State.DONE,
            finished_at=timezone.now(),
            lease_until=None,
            step="Finished",
            landed=landed,
            failed=failed,
        )
        submission.refresh_from_db()
        audit(
            batch,
            submission.submitted_by,
            "Submit finished",
            f"{landed} document(s) submitted, {failed} need attention",
        )
        record_submitted(batch)  # the content ledger: what went where, by whom
        # Every document landed: the transmittal, attached to the submitter's e-mail and sent to the
        # people chosen at submit. Later landings (webhooks, the schedule) queue it instead.
        transmittal = issue_when_landed(batch) if batch_state == Batch.State.SUBMITTED else None
        notify(submission)
    if transmittal is not None:
        send_transmittal(transmittal, to_submitter=False)
