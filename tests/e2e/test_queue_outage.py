"""The pages while the task queue's broker (Redis, a server of the test's own) is down, in a real
browser at laptop and phone sizes: "Sync now" and a dropped file are kept, and the page says the
work starts when the queue is back; by keyboard, and axe-core finds nothing critical or serious."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django_q.conf import Conf

from portal.staging import services
from portal.tasking.models import DeferredTask
from tests.e2e.conftest import LAPTOP, PHONE
from tests.staging.conftest import PrivateRedis

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BANNER = "The task queue cannot be reached right now."
DROP = """(name) => {
  const zone = document.querySelector("[data-dropzone]");
  const data = new DataTransfer();
  data.items.add(new File(["%PDF-1.4\\n% " + name + "\\n"], name, { type: "application/pdf" }));
  zone.dispatchEvent(new DragEvent("dragenter", { dataTransfer: data, bubbles: true }));
  zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
}"""


@pytest.fixture
def redis_down(monkeypatch):
    redis = PrivateRedis()
    redis.start()
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", redis.url)
    monkeypatch.setattr(Conf, "CLUSTER_NAME", f"portal-outage-{uuid.uuid4().hex[:8]}")
    redis.stop()
    yield redis
    redis.stop()


def test_the_pages_say_work_waits_for_the_queue(browser, sandbox, synced_project, media, redis_down, axe, screenshots):
    eli = synced_project()
    batch = services.create_batch(eli.project, eli.user, name="While the queue is down")
    session = eli.client.cookies[settings.SESSION_COOKIE_NAME].value
    for size, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": sandbox.portal_url}])
        page = context.new_page()
        page.set_default_timeout(15_000)

        page.goto(f"{sandbox.portal_url}/projects/{eli.project.pk}/")
        page.get_by_role("button", name="Sync now").focus()
        page.keyboard.press("Enter")
        page.wait_for_load_state("load")
        banner = page.get_by_role("status").filter(has_text=BANNER)
        banner.wait_for()
        if size == "laptop":
            assert page.get_by_text("Sync recorded. It will start when the task queue is back.").is_visible()
        else:
            assert page.get_by_text("A sync is already under way.").is_visible()
        assert "waits for the task queue, starts when it is back" in page.locator("[data-sync-state]").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert axe(page) == []
        page.screenshot(path=str(screenshots / f"queue-down-sync-{size}.png"), full_page=True)

        page.goto(f"{sandbox.portal_url}/batches/{batch.pk}/")
        assert page.get_by_role("status").filter(has_text=BANNER).is_visible()
        page.evaluate(DROP, f"A-DRW-90{1 if size == 'laptop' else 2}_Outage_Rev A.pdf")
        page.get_by_text("it will be checked when the task queue is back").wait_for()
        # The empty batch grid's own roles are the grid's matter, not this page's notice.
        assert axe(page, exclude=(".tabulator",)) == []
        page.screenshot(path=str(screenshots / f"queue-down-upload-{size}.png"), full_page=True)
        context.close()
    assert DeferredTask.objects.filter(task_name__startswith="record-incoming-").count() == 2
