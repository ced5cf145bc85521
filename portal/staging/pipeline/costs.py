"""How many Procore API calls a submission still needs, from the pipeline's own steps.

Document Management (runner.STEPS), per document: the unified upload's create, its completing
PATCH and one status read (send.py) — 3 calls. Per chunk of 100 documents: create uploads,
the metadata PATCH, one `selected_uploads` read (one more per POLL while Procore's ML still
runs), the submit, and the landing's `selected_revisions` read — 5 calls. After the batch, the
landing sync lists revision ids and recycled revisions — 2 calls. So 100 documents take 307
calls, 400 take 1,222: about 3.05 a document. (The file bytes go to storage with presigned URLs,
which Procore's rate limit does not count.)

A Documents folder (pipeline/folder.py), per document: the direct upload's create (and its
completing PATCH when the file is segmented, above 5 MB), then the file or version — 2 or 3
calls. Per batch: the folder listing, a new folder when the batch makes one (read and create),
and the mirror refresh after it — about 2 calls for an incremental documents sync.

The estimate is checked against a real run in tests/staging/test_submit_estimate.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from django.db.models import Count

from portal.procore.legacy_uploads import SEGMENT_THRESHOLD

from ..models import Batch, StagedDocument, Submission
from .folder import BYTES_SENT, FILE_REQUESTED
from .state import CHUNK, COMPLETED, CREATE_REQUESTED, CREATED, PENDING, READY, SUBMIT_REQUESTED, UPLOADED

PER_DOCUMENT = 3  # unified upload: create, complete, status
LANDING = 2  # after the batch: revision ids, recycled revisions

# Calls of a chunk of 100 still to come once its documents reached a step: create uploads,
# PATCH metadata, selected_uploads, submit, selected_revisions.
CHUNK_CALLS_FROM = {
    PENDING: 5,
    CREATE_REQUESTED: 5,
    CREATED: 4,
    UPLOADED: 4,
    COMPLETED: 3,
    READY: 2,
    SUBMIT_REQUESTED: 2,
}
SENDING = {PENDING, CREATE_REQUESTED, CREATED}  # the file still has to go through the upload API

FOLDER_PER_BATCH = 3  # the folder listing, and about two calls for the mirror refresh after


def document_management_calls(steps: Iterable[str]) -> int:
    """Calls still needed by documents at these steps (PENDING for ones not sent yet)."""
    at_step: dict[str, int] = {}
    for step in steps:
        at_step[step] = at_step.get(step, 0) + 1
    return calls_at_steps(at_step)


def calls_at_steps(at_step: Mapping[str, int]) -> int:
    """Calls still needed by documents counted per step ({step: how many})."""
    at_step = {step: count for step, count in at_step.items() if count}
    if not at_step:
        return 0
    per_document = sum(PER_DOCUMENT * count for step, count in at_step.items() if step in SENDING)
    chunks = sum(math.ceil(count / CHUNK) * CHUNK_CALLS_FROM.get(step, 0) for step, count in at_step.items())
    return per_document + chunks + LANDING


def folder_calls(documents: Iterable[tuple[str, int]], *, new_folder: bool) -> int:
    """Calls still needed for (step, size) documents going to a Documents folder."""
    calls = 0
    count = 0
    for step, size in documents:
        count += 1
        if step in {BYTES_SENT, FILE_REQUESTED}:
            calls += 1
        else:
            calls += 2 + (1 if size > SEGMENT_THRESHOLD else 0)
    if not count:
        return 0
    return calls + FOLDER_PER_BATCH + (2 if new_folder else 0)


def calls_for_batch(batch: Batch, count: int | None = None) -> int:
    """Calls a batch needs if every document were submitted now (`count`: its documents, when the
    caller has counted them already)."""
    documents = batch.documents.all()
    if batch.target == Batch.Target.FOLDER:
        sizes = documents.values_list("size", flat=True)
        return folder_calls(((PENDING, size) for size in sizes), new_folder=bool(batch.new_folder_name))
    return calls_at_steps({PENDING: documents.count() if count is None else count})


def calls_left(submission: Submission) -> int:
    """Calls a running (or queued) submission still needs, from where its documents are."""
    batch = submission.batch
    sending = batch.documents.filter(state=StagedDocument.State.SUBMITTING)
    if batch.target == Batch.Target.FOLDER:
        return folder_calls(sending.values_list("step", "size"), new_folder=bool(batch.new_folder_name))
    # Counted per step in the database: the same one query for 10 documents or 10,000.
    return calls_at_steps(dict(sending.values_list("step").annotate(n=Count("id")).order_by()))


def calls_left_each(submissions: Iterable[Submission]) -> dict[int, int]:
    """calls_left of each submission (by its key): one grouped query for those going to Document
    Management, however many the company has queued, instead of one each."""
    submissions = list(submissions)
    pdm = {s.batch_id: s for s in submissions if s.batch.target != Batch.Target.FOLDER}
    at_step: dict[int, dict[str, int]] = {batch_id: {} for batch_id in pdm}
    if pdm:
        rows = (
            StagedDocument.objects.filter(batch_id__in=list(pdm), state=StagedDocument.State.SUBMITTING)
            .values_list("batch_id", "step")
            .annotate(n=Count("id"))
            .order_by()
        )
        for batch_id, step, n in rows:
            at_step[batch_id][step] = n
    left = {s.pk: calls_at_steps(at_step[s.batch_id]) for s in pdm.values()}
    for submission in submissions:
        if submission.pk not in left:
            left[submission.pk] = calls_left(submission)
    return left
