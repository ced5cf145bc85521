"""The portal's shared fixtures; the sandbox's own (`sandbox`, `sandbox_clock`) come from
procore_sandbox.pytest_plugin.

- `synced_project(login=ELI, project_id=RIVERSIDE, company_documents=False)`: a person signed in to
  the portal with real sandbox tokens, whose project is mirrored by a full sync over HTTP (and their
  company's Documents tool too when asked), with a Django test client logged in as them. Unpacks
  as `user, project = synced_project()`. Each combination is synced once per test session and its
  rows restored for every later test (procore_sandbox.snapshot), so each test still starts from
  the same state, in milliseconds instead of seconds.
- `media`: staged files go to a directory of the test's own.
- `simulated_time`: the rate-limit budget and the sandbox's windows on one simulated clock.
- `worker`: runs what was queued for documents' contents; `sheet_pdf`: writes a sheet PDF.
- `riverside_person` / `person_client`: Eli with Riverside mirrored, and a test client as Eli;
  `stage(names, target=...)`: a batch of documents as uploads leave them (metadata proposed from
  the names); `riverside_field(name)` / `riverside_value(field, code)`: Procore ids.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from django.test import Client

from procore_sandbox.snapshot import Snapshot, tables_of
from procore_sandbox.testing import ELI

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.mirror.models import Project

RIVERSIDE = 2305
# Tokens in a snapshot were issued when it was taken and live 90 minutes: sync again well before.
SNAPSHOT_MAX_AGE = 30 * 60


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache: what one test's pages remembered (how many tasks wait
    for the broker, a progress answer) is not another's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def database_broker(monkeypatch):
    """Tasks queued inside a test go to django-q2's ORM broker, where the test can see them in the
    database whatever REDIS_URL says; the Redis broker is exercised end to end by
    tests/production/test_process_layout.py (gunicorn and qcluster processes)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "ORM", "default")


@pytest.fixture
def worker():
    """Run what was queued for documents' contents, as a django-q2 worker would: each queued
    task's own function with its own arguments, until nothing of ours is left in the queue."""
    from django.utils.module_loading import import_string
    from django_q.models import OrmQ

    def run() -> list[str]:
        done: list[str] = []
        for _ in range(50):  # a zip's documents queue readings of their own
            queued = [q for q in OrmQ.objects.order_by("id") if q.task["func"].startswith("portal.staging.contents.")]
            if not queued:
                return done
            for item in queued:
                task = item.task
                item.delete()
                done.append(import_string(task["func"])(*task["args"], **task["kwargs"]))
        raise AssertionError("the contents tasks kept queueing more work")

    return run


@pytest.fixture
def sheet_pdf(tmp_path):
    """Write a one-sheet vector PDF of a given layout: sheet_pdf("A-DRW-101", ["A", "B", "C"], ...)."""
    from datetime import date

    from bench.support.drawings import write_sheet_pdf
    from bench.support.drawings.content import Revision, Sheet
    from bench.support.drawings.layouts import LAYOUTS

    layouts = {layout.name: layout for layout in LAYOUTS}

    def write(number: str, marks: list[str], *, title=("GROUND FLOOR PLAN",), layout="iso_box", pages=1) -> bytes:
        sheets = []
        for page in range(pages):
            revisions = [Revision(m, date(2026, 3, 1 + 3 * i), "ISSUED", "JD") for i, m in enumerate(marks)]
            sheets.append(
                Sheet(
                    number=number if pages == 1 else f"{number[:-1]}{page + 1}",
                    title=title,
                    revisions=revisions,
                    drawn=revisions[0].day,
                    extras={"newest_first": "no"},
                )
            )
        path = tmp_path / f"sheet-{number}-{pages}.pdf"
        write_sheet_pdf(path, layouts[layout], sheets, seed=5)
        return path.read_bytes()

    return write


@pytest.fixture
def simulated_time():
    """The rate-limit budget (portal.throttle.clock) and the sandbox's rate-limit windows on one
    simulated clock, from the start of an hour: a wait for the budget moves it at once instead of
    sleeping, and the sandbox sees the same moment."""
    from portal.throttle import clock
    from procore_sandbox.limits import clock as sandbox_clock
    from procore_sandbox.pytest_plugin import SIMULATED_START

    with clock.simulated(SIMULATED_START) as simulated:
        sandbox_clock.use(simulated.now)
        try:
            yield simulated
        finally:
            sandbox_clock.use(None)


@pytest.fixture
def media(settings, tmp_path):
    """Staged files in a directory of this test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@dataclass
class SyncedProject:
    """A signed-in person and their mirrored project."""

    user: User
    project: Project
    client: Client  # Django's test client, logged in as `user`

    def __iter__(self) -> Iterator:
        return iter((self.user, self.project))


_synced: dict[tuple[str, int, bool], tuple[Snapshot, float]] = {}


@pytest.fixture
def synced_project(sandbox) -> Callable[..., SyncedProject]:
    """`synced_project(login=ELI, project_id=RIVERSIDE)` → SyncedProject; see the module docstring."""

    def make(login: str = ELI, project_id: int = RIVERSIDE, *, company_documents: bool = False) -> SyncedProject:
        from portal.accounts.models import User
        from portal.mirror.models import Project

        key = (login, project_id, company_documents)
        snapshot, taken_at = _synced.get(key, (None, 0.0))
        if snapshot is not None and time.monotonic() - taken_at < SNAPSHOT_MAX_AGE:
            snapshot.restore()
        else:
            _synced[key] = (_sync(sandbox, *key), time.monotonic())
        user = User.objects.get(username=login)
        client = Client()
        client.force_login(user)
        return SyncedProject(user=user, project=Project.objects.get(pk=project_id), client=client)

    return make


def _sync(sandbox, login: str, project_id: int, company_documents: bool) -> Snapshot:
    """Sign `login` in with real tokens, list their projects and fully sync one (and its company's
    Documents tool when asked), then keep the rows."""
    from portal.mirror.models import Project, SyncRun
    from portal.mirror.sync import run_company_sync, run_sync, start_company_sync, start_sync, sync_memberships
    from procore_sandbox.models import RateLimitSettings, RateWindow
    from tests.flows import portal_user

    user = portal_user(sandbox, login)
    sync_memberships(user)
    project = Project.objects.get(pk=project_id)
    run = run_sync(start_sync(project, user, full=True).pk)
    assert run.state == SyncRun.State.DONE, run.error
    if company_documents:
        run = run_company_sync(start_company_sync(project.company, user).pk)
        assert run.state == SyncRun.State.DONE, run.error
    snapshot = Snapshot(
        f"synced {login} {project_id} {company_documents}",
        tables_of(["sandbox"], exclude=[RateWindow, RateLimitSettings]) + tables_of(["accounts", "mirror"]),
    )
    snapshot.take()
    return snapshot


# --- a staged batch on Riverside (2305), as uploads leave it --------------------------------------


@pytest.fixture
def riverside_person(synced_project, media):
    """Eli, signed in with sandbox tokens, with Riverside's Document Management setup mirrored."""
    return synced_project().user


@pytest.fixture
def person_client(riverside_person):
    """A test client signed in as the Riverside person."""
    client = Client()
    client.force_login(riverside_person)
    return client


@pytest.fixture
def stage(riverside_person):
    """Make a batch of documents as uploads leave them: `stage(["A-DRW-101_Plan_Rev B.pdf", ...])`."""
    from portal.mirror.models import Project
    from portal.staging.models import Batch, StagedDocument
    from portal.staging.naming import propose
    from portal.staging.schema import load_schema
    from portal.staging.validation import revalidate_batch

    def make(names: list[str], *, target: str = Batch.Target.DOCUMENT_MANAGEMENT) -> Batch:
        project = Project.objects.get(pk=RIVERSIDE)
        batch = Batch.objects.create(project=project, name="Grid batch", created_by=riverside_person, target=target)
        schema = load_schema(project)
        folder = target == Batch.Target.FOLDER
        documents = []
        for n, name in enumerate(names):
            proposal = propose(name, schema)
            documents.append(
                StagedDocument(
                    batch=batch,
                    file=f"staged/test/{batch.pk}/{n}",
                    file_name=name,
                    title=name if folder else "",
                    size=100,
                    sha256=f"{n:064x}",
                    mime_type="application/pdf",
                    position=n,
                    metadata={} if folder else proposal.metadata,
                    proposals={} if folder else proposal.sources,
                )
            )
        StagedDocument.objects.bulk_create(documents, batch_size=500)
        if not folder:
            revalidate_batch(batch, schema)
        return batch

    return make


@pytest.fixture
def riverside_field():
    """The Procore id of a Riverside field by name: `riverside_field("status")`."""
    from portal.mirror.models import PdmField

    return lambda name: PdmField.objects.get(project_id=RIVERSIDE, name=name).procore_id


@pytest.fixture
def riverside_value():
    """The Procore id of a Riverside list value: `riverside_value("status", "OPN")`."""
    from portal.mirror.models import PdmValue

    return lambda field, code: (
        PdmValue.objects.get(field__project_id=RIVERSIDE, field__name=field, code=code).procore_id
    )


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A real S3 server (SeaweedFS) on loopback for the whole test session."""
    from bench.support.s3 import SeaweedS3

    server = SeaweedS3(tmp_path_factory.mktemp("seaweedfs"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_storage(s3_server, settings):
    """Staged files in S3 for this test: a bucket of its own on the session's server."""
    import uuid

    from portal.settings import s3_storage

    bucket = f"test-{uuid.uuid4().hex[:12]}"
    s3_server.create_bucket(bucket)
    env = s3_server.env(bucket)
    settings.S3_BUCKET = bucket
    settings.S3_PUBLIC_URL = env["S3_PUBLIC_URL"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(
            bucket, env["S3_ENDPOINT_URL"], env["S3_REGION"], env["S3_ACCESS_KEY"], env["S3_SECRET_KEY"]
        ),
    }
    s3_server.bucket = bucket
    return s3_server
