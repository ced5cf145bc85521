"""A real browser: Debian's Chromium driven by Playwright (its own browser download never runs)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is needed for browser tests at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def signed_in_page(page, sandbox, synced_project, media):
    """The browser signed in as Eli, with Riverside Medical Center mirrored (synced_project): the
    session of a logged-in client, as a cookie. Signing in through Procore's pages is
    tests/e2e/test_sign_in.py's subject."""
    from django.conf import settings

    eli = synced_project()
    session = eli.client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": sandbox.portal_url}])
    page.goto(f"{sandbox.portal_url}/")
    return page


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"


@pytest.fixture
def axe():
    """Run axe-core (vendored, pinned) on the page as it is; returns the critical and serious
    violations as "rule: target" strings, so a test can assert there are none."""

    def check(page, *, context: str = "document", exclude: tuple[str, ...] = ()) -> list[str]:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        result = page.evaluate(f"async () => await window.axe.run({context}, {{resultTypes: ['violations']}})")
        return [
            f"{v['id']}: {', '.join(str(n['target']) for n in v['nodes'][:8])}"
            for v in result["violations"]
            if v.get("impact") in {"critical", "serious"} and not _outside(v, exclude)
        ]

    return check


def _outside(violation: dict, exclude: tuple[str, ...]) -> bool:
    """Every node of the violation is in a part of the page the caller excluded (by CSS selector prefix)."""
    targets = [str(t) for node in violation["nodes"] for t in node["target"]]
    return bool(exclude) and all(any(t.startswith(prefix) for prefix in exclude) for t in targets)


@pytest.fixture
def screenshots(tmp_path):
    """Where a test saves its screenshots: $SCREENSHOT_DIR when set (to look at them), else a temporary folder."""
    directory = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path / "screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1440, "height": 900}


@pytest.fixture
def signed_in_as(browser, sandbox, settings, tmp_path):
    """`signed_in_as(LOGIN, viewport=LAPTOP)`: a new browser page of that sandbox person, signed in
    through Procore's sign-in page as a person does, with Riverside Medical Center mirrored."""
    from portal.accounts.models import User
    from portal.mirror.models import Project, SyncRun
    from portal.mirror.sync import run_sync, start_sync

    settings.MEDIA_ROOT = str(tmp_path / "media")
    contexts = []

    def sign_in(login: str, viewport: dict | None = None):
        context = browser.new_context(viewport=viewport or LAPTOP)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{sandbox.portal_url}/")
        page.get_by_role("button", name="Sign in with Procore").click()
        page.locator(f'input[name="login"][value="{login}"]').check()
        page.get_by_label("Password").fill("procore-sandbox")
        page.get_by_role("button", name="Sign in and allow").click()
        page.wait_for_url(f"{sandbox.portal_url}/")
        page.user = User.objects.get(username=login)
        riverside = Project.objects.filter(pk=2305, memberships__user=page.user).first()
        if riverside is not None and riverside.last_synced_at is None:
            run = run_sync(start_sync(riverside, page.user, full=True).pk)
            assert run.state == SyncRun.State.DONE, run.error
        return page

    yield sign_in
    for context in contexts:
        context.close()


@pytest.fixture
def person_page(browser, sandbox, riverside_person):
    """A page at 1440×900 signed in as the Riverside person (session cookie), allowed the clipboard."""
    from django.test import Client

    client = Client()
    client.force_login(riverside_person)
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": sandbox.portal_url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture
def open_grid(person_page, sandbox):
    """Open a batch's page and wait for its grid: `grid = open_grid(batch)`."""
    from tests.e2e.grid import Grid

    def open_it(batch) -> Grid:
        person_page.goto(f"{sandbox.portal_url}/batches/{batch.pk}/")
        person_page.wait_for_selector("[data-grid].is-ready")
        return Grid(person_page)

    return open_it


@pytest.fixture
def tasks_run_at_once(monkeypatch):
    """django-q2 runs each queued task at once, in the process that queued it (its `sync` mode): the
    real task functions, with no cluster to start."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def upload_checker():
    """`upload_checker(n)`: play the worker for the browser's uploads only — wait until n stored files
    wait for their check (the database is the truth; the queued task only wakes a worker), then run
    the check's real task function on each, leaving other work (the contents reading) for the test
    to run when it chooses."""
    import time

    from portal.staging.incoming.service import WITH_THE_WORKER
    from portal.staging.models_incoming import IncomingFile
    from portal.staging.tasks import record_incoming

    def run(expected: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        checked: set[int] = set()
        while len(checked) < expected:
            waiting = IncomingFile.objects.filter(state__in=WITH_THE_WORKER).exclude(pk__in=checked)
            for pk in waiting.values_list("pk", flat=True):
                record_incoming(pk)
                checked.add(pk)
            if len(checked) < expected:
                states = list(IncomingFile.objects.values_list("state", flat=True))
                assert time.monotonic() < deadline, f"{len(checked)} of {expected} uploads were checked: {states}"
                time.sleep(0.2)

    return run
