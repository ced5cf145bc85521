"""Submit benchmark: 500 small PDFs into Riverside (2305), then one 1 GiB file.

Against the portal's server (gunicorn) with the embedded sandbox at 60,000 requests/hour and 100
per 10 seconds, the submit runs in a worker process of its own (the real pipeline, as the
django-q2 task runs it) that counts every Procore API call it makes (the presigned PUTs to
storage counted apart) and every 429 it receives. Prints API calls per document, 429s,
documents per minute, the ratio of the achieved API call rate to the ceiling the limits allow,
and the worker's peak memory (RSS) while sending one 1 GiB file.

    .venv/bin/python bench/submit.py [--docs 500] [--big-mib 1024] [--threads 6]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import harness  # noqa: E402

PROJECT = 2305
LOGIN = "eli.navarro@northwind.example"
HOURLY, SPIKE = 60_000, 100

WORKER = """
import collections, json, resource, sys, time
import django
django.setup()
from portal.procore import http, uploads
from portal.staging.pipeline.runner import run_submission
counts = collections.Counter()
real_send, real_put = http.ProcoreClient._send, uploads._put
def counting_send(self, method, url, *args, **kwargs):
    response = real_send(self, method, url, *args, **kwargs)
    counts["api"] += 1
    counts["429"] += response.status_code == 429
    return response
def counting_put(*args, **kwargs):
    counts["put"] += 1
    return real_put(*args, **kwargs)
http.ProcoreClient._send = counting_send
uploads._put = counting_put
started = time.monotonic()
submission = run_submission(int(sys.argv[1]))
print(json.dumps({"state": submission.state, "landed": submission.landed, "failed": submission.failed,
                  "api_calls": counts["api"], "puts": counts["put"], "status_429": counts["429"],
                  "wall_s": time.monotonic() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_in_worker(portal: harness.Portal, submission_id: int) -> dict:
    out = subprocess.run(
        [harness.PYTHON, "-c", WORKER, str(submission_id)],
        cwd=harness.ROOT,
        env=portal.env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"the worker failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def staged_batch(user, project, count: int):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.staging import services
    from portal.staging.schema import load_schema
    from portal.staging.validation import parse_input

    schema = load_schema(project)
    batch = services.create_batch(project, user, name=f"Benchmark {count}")
    for n in range(count):
        number = 1000 + n
        name = f"Sheet {number}"
        values = {
            "name": name,
            "type": "DRW",
            "status": "OPN",
            "revision": "A",
            "discipline": "A",
            "number": str(number),
            "date_authored": "2026-01-05",
        }
        file_name = f"A-DRW-{number}_{name}_Rev A.pdf"
        data = f"%PDF-1.4\n% benchmark sheet {number}\n".encode() + os.urandom(2048)
        document, _ = services.add_document(batch, user, SimpleUploadedFile(file_name, data, "application/pdf"), schema)
        metadata = {
            schema.fields_by_name[k].id: parse_input(schema.fields_by_name[k], v, schema) for k, v in values.items()
        }
        services.set_document_fields(batch, user, document, metadata, schema)
    return batch


def start(batch, user):
    from portal.staging.pipeline import control

    control._queue = lambda submission: None  # the worker process below takes the task
    return control.start(batch, user)


def one_big_file(user, project, mib: int):
    """A batch of one staged 1 GiB file (sparse on disk, a few distinct bytes per part)."""
    import hashlib

    from django.conf import settings

    from portal.staging.models import StagedDocument

    batch = staged_batch(user, project, 1)
    document = batch.documents.get()
    path = Path(settings.MEDIA_ROOT) / "bench" / "big.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    size = mib * 1024 * 1024
    with open(path, "wb") as handle:
        handle.truncate(size)
        for offset in range(0, size, 16 * 1024 * 1024):
            handle.seek(offset)
            handle.write(f"%PDF-1.4 block {offset}\n".encode())
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    StagedDocument.objects.filter(pk=document.pk).update(file="bench/big.pdf", size=size, sha256=digest.hexdigest())
    return batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--big-mib", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=6, help="files in flight at once")
    args = parser.parse_args()
    env = {
        "STAGING_SUBMIT_THREADS": str(args.threads),
        "SANDBOX_RATE_LIMIT_HOURLY": str(HOURLY),
        "SANDBOX_RATE_LIMIT_SPIKE": str(SPIKE),
    }
    with harness.portal(env, threads=16) as portal:
        portal.setup_django()
        from portal.mirror.models import Project, SyncRun
        from portal.mirror.sync import run_sync, start_sync, sync_memberships
        from procore_sandbox.limits import ratelimit
        from tests.flows import portal_user

        ratelimit.configure(hourly=HOURLY, spike=SPIKE)
        user = portal_user(None, LOGIN)
        sync_memberships(user)
        project = Project.objects.get(pk=PROJECT)
        run = run_sync(start_sync(project, user, full=True).pk)
        assert run.state == SyncRun.State.DONE, run.error

        batch = staged_batch(user, project, args.docs)
        submission = start(batch, user)
        ratelimit.configure(hourly=HOURLY, spike=SPIKE)  # count the submit's windows afresh
        small = run_in_worker(portal, submission.pk)
        print(
            f"{args.docs} documents: {small['state']}, {small['landed']} landed, {small['failed']} failed; "
            f"{small['api_calls']} API calls, {small['puts']} file PUTs, {small['status_429']} x 429, "
            f"{small['wall_s']:.1f} s, worker peak {small['peak_mb']:.0f} MB"
        )
        ceiling = min(SPIKE / 10, HOURLY / 3600)
        rate = small["api_calls"] / small["wall_s"]
        calls_per_doc = small["api_calls"] / args.docs
        docs_per_min = small["landed"] / small["wall_s"] * 60
        print(
            f"API calls per document {calls_per_doc:.3f} (file PUTs apart: {small['puts'] / args.docs:.2f}); "
            f"{rate:.2f} calls/s against a ceiling of {ceiling:.2f} calls/s"
        )

        big_batch = one_big_file(user, project, args.big_mib)
        started = time.monotonic()
        big = run_in_worker(portal, start(big_batch, user).pk)
        print(
            f"{args.big_mib} MiB file: {big['state']} in {time.monotonic() - started:.1f} s, {big['puts']} part "
            f"PUTs, worker peak {big['peak_mb']:.0f} MB"
        )
        print(
            f"RESULT docs={small['landed']} calls_per_doc={calls_per_doc:.3f} status_429={small['status_429']} "
            f"docs_per_min={docs_per_min:.1f} ratio={rate / ceiling:.3f} peak_mb_1gib={big['peak_mb']:.0f}"
        )


if __name__ == "__main__":
    main()
