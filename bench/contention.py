"""Contention benchmark: one company, four people submitting at once, a person browsing meanwhile.

The embedded sandbox at 6,000 calls an hour and 50 per 10 seconds for Northwind Builders. Four
people each stage a batch for Riverside Medical Center (2305) — 400, 100, 20 and 5 documents —
and press Submit: the 400-document batch first, the 20 three seconds later, the 100 and the 5 at
four and five seconds. Each batch runs in a worker process of its own (the real django-q2 task
function), so the budget is shared across processes as in production; the workers are started
and ready before Submit, as a running cluster's are, so a process start is not counted. Meanwhile a probe loads
the projects page every 2 s as a signed-in person, with the mirror set to re-read that person's
projects from Procore on every load: an interactive, Procore-backed request. Before all that the
5-document batch's twin is sent alone, for comparison.

Prints:
- ratio: calls the sandbox accepted for the company over what its limits allowed, counted over the
  10-second windows fully inside the 400-document batch's run (the hourly limit is not reached, so
  the ceiling is the spike limit: 50 per window);
- status_429: 429 answers, as the sandbox counted them for the company (the probe's page loads
  included) or as the workers received them, whichever is more;
- small_batch_slowdown: the 5-document batch's time (Submit to finished) over its twin's alone;
- interactive_p95_ms: the 95th percentile of the probe's wait for the budget, from the
  `Server-Timing: procore-budget` header the portal adds (its whole page time is printed too);
- estimate_error: |estimate − actual| / actual for the 400-document batch, where the estimate is
  the first one made with all four batches queued (read seconds after Submit, as the progress
  page shows it). The estimate shown before Submit, when the three later batches did not exist
  yet, is printed with its error as well.

The machine's other load distorts every timing: quote the figures with that caveat.

    .venv/bin/python bench/contention.py [--database-url postgres://…]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import harness  # noqa: E402

if TYPE_CHECKING:
    from portal.staging.models import Submission

PROJECT, COMPANY = 2305, "8089"
HOURLY, SPIKE = 6_000, 50
ELI = "eli.navarro@northwind.example"
DANA = "dana.whitfield@northwind.example"
PRIYA = "priya.raman@harbor.example"
SAM = "sam.okafor@subcontractor.example"
# (login, documents, seconds after the first Submit)
BATCHES = [(ELI, 400, 0.0), (PRIYA, 20, 3.0), (DANA, 100, 4.0), (SAM, 5, 5.0)]
PROBE_EVERY = 2.0
BUDGET_WAIT = re.compile(r"procore-budget;dur=(\d+)")

WORKER = """
import collections, json, sys, time
import django
django.setup()
from portal.procore import http
from portal.staging.tasks import submit_batch
counts = collections.Counter()
real_send = http.ProcoreClient._send
def counting_send(self, method, url, *args, **kwargs):
    response = real_send(self, method, url, *args, **kwargs)
    counts["api"] += 1
    counts["429"] += response.status_code == 429
    return response
http.ProcoreClient._send = counting_send
print("ready", flush=True)
outcome = submit_batch(int(sys.stdin.readline()))
print(json.dumps({"outcome": outcome, "api_calls": counts["api"], "status_429": counts["429"], "ended": time.time()}))
"""


def members_of_riverside() -> None:
    """Four people of Northwind on Riverside (the sandbox seeds Eli there; the others join it)."""
    from procore_sandbox.models import CompanyMembership, Person, ProjectMembership

    for login in (DANA, PRIYA, SAM):
        person = Person.objects.get(login=login)
        CompanyMembership.objects.get_or_create(person=person, company_id=int(COMPANY))
        ProjectMembership.objects.get_or_create(person=person, project_id=PROJECT)


def stage(user, project, count: int, first_number: int, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.staging import services
    from portal.staging.schema import load_schema
    from portal.staging.validation import parse_input

    schema = load_schema(project)
    batch = services.create_batch(project, user, name=name)
    for n in range(count):
        number = first_number + n
        values = {
            "name": f"Sheet {number}",
            "type": "DRW",
            "status": "OPN",
            "revision": "A",
            "discipline": "A",
            "number": str(number),
            "date_authored": "2026-01-05",
        }
        data = f"%PDF-1.4\n% contention sheet {number}\n".encode() + os.urandom(1024)
        upload = SimpleUploadedFile(f"A-DRW-{number}_Sheet {number}_Rev A.pdf", data, "application/pdf")
        document, _ = services.add_document(batch, user, upload, schema)
        metadata = {
            schema.fields_by_name[k].id: parse_input(schema.fields_by_name[k], v, schema) for k, v in values.items()
        }
        services.set_document_fields(batch, user, document, metadata, schema)
    return batch


class Worker:
    """A worker process, started and ready before Submit as a running django-q2 cluster's workers
    are, that runs one submission's task."""

    def __init__(self, portal: harness.Portal) -> None:
        self.process = subprocess.Popen(
            [harness.PYTHON, "-c", WORKER],
            cwd=harness.ROOT,
            env=portal.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        ready = self.process.stdout.readline()
        if ready.strip() != "ready":
            raise SystemExit(f"a worker did not start:\n{self.process.communicate()[1][-3000:]}")
        # Read what it prints as it prints it (the console e-mail backend writes whole messages):
        # a full pipe would stop the worker mid-write, perhaps inside a transaction.
        self.out: list[str] = []
        self.err: list[str] = []
        self.readers = [
            threading.Thread(target=self.out.extend, args=(self.process.stdout,), daemon=True),
            threading.Thread(target=self.err.extend, args=(self.process.stderr,), daemon=True),
        ]
        for reader in self.readers:
            reader.start()

    def run(self, submission_id: int) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{submission_id}\n")
        self.process.stdin.flush()

    def result(self) -> dict:
        self.process.wait(timeout=900)
        for reader in self.readers:
            reader.join(10)
        if self.process.returncode:
            raise SystemExit(f"a worker failed:\n{''.join(self.err)[-3000:]}")
        return json.loads(self.out[-1])


def press_submit(worker: Worker, batch, user) -> Submission:
    """The Submit button's service; the task goes to a worker process of its own."""
    from portal.staging.pipeline import control

    queued: list = []
    control._queue = lambda submission: queued.append(submission)
    submission = control.start(batch, user)
    worker.run(queued[0].pk)
    return submission


class Probe(threading.Thread):
    """A person loading the projects page every PROBE_EVERY seconds."""

    def __init__(self, session, url: str) -> None:
        super().__init__(daemon=True)
        self.session, self.url = session, url
        self.waits_ms: list[float] = []
        self.pages_ms: list[float] = []
        self.errors = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                page = self.session.get(self.url, timeout=60)
                match = BUDGET_WAIT.search(page.headers.get("Server-Timing", ""))
                if page.status_code != 200 or not match:
                    self.errors += 1
                else:
                    self.waits_ms.append(float(match.group(1)))
                    self.pages_ms.append((time.monotonic() - started) * 1000)
            except Exception:  # noqa: BLE001 — a failed probe is counted, the benchmark goes on
                self.errors += 1
            self.stopping.wait(max(0.0, PROBE_EVERY - (time.monotonic() - started)))


def browser_session(user) -> requests.Session:
    """A browser's session as `user`, signed in already (they hold Procore tokens: portal_user)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = requests.Session()
    for cookie in client.cookies.values():  # the session cookie
        session.cookies.set(cookie.key, cookie.value)
    return session


def took(submission: Submission) -> float:
    """Seconds from Submit to the end of the run."""
    assert submission.finished_at is not None, f"submission {submission.pk} did not finish"
    return (submission.finished_at - submission.created_at).total_seconds()


def spike_ratio(start: float, end: float) -> tuple[float, list[int]]:
    """Accepted calls over the limit, in the 10-second windows fully inside [start, end]."""
    from procore_sandbox.models import RateWindow

    windows = RateWindow.objects.filter(kind=RateWindow.SPIKE, company_key=COMPANY).exclude(app_key="")
    inside = [w.accepted for w in windows.order_by("start") if w.start >= start and w.start + w.seconds <= end]
    return (sum(inside) / (SPIKE * len(inside)) if inside else 0.0), inside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL instead of a throwaway SQLite file")
    args = parser.parse_args()
    env = {
        "SANDBOX_RATE_LIMIT_HOURLY": str(HOURLY),
        "SANDBOX_RATE_LIMIT_SPIKE": str(SPIKE),
        "MIRROR_MEMBERSHIP_MAX_AGE": "0",  # every projects page re-reads Procore: the probe's calls
        "STAGING_SUBMIT_THREADS": "6",
    }
    began = time.monotonic()
    with harness.portal(env, threads=16, database_url=args.database_url) as portal:
        portal.setup_django()
        from portal.mirror.models import Project, SyncRun
        from portal.mirror.sync import run_sync, start_sync, sync_memberships
        from portal.staging.estimate import estimate
        from portal.staging.models import Submission
        from procore_sandbox.limits import ratelimit
        from tests.flows import portal_user

        ratelimit.configure(hourly=HOURLY, spike=SPIKE)
        members_of_riverside()
        users = {login: portal_user(None, login) for login, _, _ in BATCHES}
        for user in users.values():
            sync_memberships(user)
        project = Project.objects.get(pk=PROJECT)
        run = run_sync(start_sync(project, users[ELI], full=True).pk)
        assert run.state == SyncRun.State.DONE, run.error
        batches = {
            login: stage(users[login], project, count, 10_000 + index * 1_000, f"{count} sheets")
            for index, (login, count, _) in enumerate(BATCHES)
        }
        twin = stage(users[SAM], project, 5, 15_000, "5 sheets, alone")
        print(f"set up (migrate, seed, mirror, 530 staged documents) in {time.monotonic() - began:.0f} s")

        # The 5-document batch alone first: nothing else draws on the budget.
        ratelimit.configure(hourly=HOURLY, spike=SPIKE)
        alone_worker = Worker(portal)
        time.sleep(10 - time.time() % 10)  # start on a fresh 10-second window, as the contended one may not
        alone_submission = press_submit(alone_worker, twin, users[SAM])
        alone = alone_worker.result()
        alone_submission = Submission.objects.get(pk=alone_submission.pk)
        alone_seconds = took(alone_submission)
        print(f"5 documents alone: {alone_submission.state} in {alone_seconds:.1f} s, {alone['api_calls']} calls")

        workers = {login: Worker(portal) for login, _, _ in BATCHES}
        ratelimit.configure(hourly=HOURLY, spike=SPIKE)  # count the contended run afresh
        probe = Probe(browser_session(users[DANA]), f"{portal.url}/")
        probe.start()
        time.sleep(4)
        big_login = BATCHES[0][0]
        before_submit = estimate(batches[big_login])
        submissions = {}
        t0 = time.time()
        for login, _count, delay in BATCHES:
            time.sleep(max(0.0, t0 + delay - time.time()))
            submissions[login] = press_submit(workers[login], batches[login], users[login])
        all_queued = estimate(batches[big_login])
        results = {login: worker.result() for login, worker in workers.items()}
        probe.stopping.set()
        probe.join(10)

        finished = {login: Submission.objects.get(pk=s.pk) for login, s in submissions.items()}
        seconds = {login: took(s) for login, s in finished.items()}
        big = finished[big_login]
        ratio, windows = spike_ratio(big.created_at.timestamp(), big.created_at.timestamp() + seconds[big_login])
        from procore_sandbox.models import RateWindow

        refused = sum(w.rejected for w in RateWindow.objects.filter(company_key=COMPANY))
        received = sum(r["status_429"] for r in results.values()) + alone["status_429"]
        from portal.throttle.models import Flow

        flows = {f.key: f for f in Flow.objects.filter(key__startswith="submission:")}
        for login, count, delay in BATCHES:
            s, r = finished[login], results[login]
            flow = flows.get(f"submission:{s.pk}")
            waited = f"{flow.waited_seconds:.1f} s waited for the budget in all" if flow else "no flow"
            print(
                f"{count:>4} documents ({login.split('@')[0]}, Submit at +{delay:.0f} s): {s.state}, {s.landed} landed, "
                f"{s.failed} failed, {r['api_calls']} calls, {seconds[login]:.1f} s ({waited})"
            )
        print(f"accepted per full 10-s window during the 400: {' '.join(map(str, windows))} (limit {SPIKE})")
        print(f"ratio of the ceiling used: {ratio:.3f} over {len(windows)} full windows")
        print(f"429s: {received} received by the workers, {refused} refused by the sandbox")
        small_slowdown = seconds[SAM] / alone_seconds
        print(
            f"5-document batch: {seconds[SAM]:.1f} s with the others, {alone_seconds:.1f} s alone: {small_slowdown:.2f}x"
        )
        p95 = harness.percentile(probe.waits_ms, 95)
        print(
            f"probe: {len(probe.waits_ms)} page loads ({probe.errors} failed); budget wait p50 "
            f"{statistics.median(probe.waits_ms or [0]):.0f} ms, p95 {p95:.0f} ms, max {max(probe.waits_ms or [0]):.0f} ms; "
            f"whole page p95 {harness.percentile(probe.pages_ms, 95):.0f} ms"
        )
        actual = seconds[big_login]
        error = abs(all_queued.seconds - actual) / actual if all_queued.seconds else float("nan")
        early = abs(before_submit.seconds - actual) / actual if before_submit.seconds else float("nan")
        print(
            f"400-document batch: {actual:.1f} s; estimated {all_queued.seconds:.1f} s once all four were queued "
            f"({all_queued.calls} calls, sharing with {all_queued.sharing}), error {error:.3f}; the estimate "
            f"before Submit, when the others did not exist yet, said {before_submit.seconds:.1f} s "
            f"({before_submit.calls} calls), error {early:.3f}"
        )
        print(
            f"wall time {time.monotonic() - began:.0f} s (the machine may be shared: timings are distorted by its load)"
        )
        print(
            f"RESULT ratio={ratio:.3f} status_429={max(received, refused)} small_batch_slowdown={small_slowdown:.2f} "
            f"interactive_p95_ms={p95:.0f} estimate_error={error:.3f}"
        )


if __name__ == "__main__":
    main()
