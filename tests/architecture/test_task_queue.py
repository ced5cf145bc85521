"""Work reaches the task queue only through portal.tasking.handoff (which never fails for the
broker and keeps what it refuses), or through the submission wake-up, which records a refusal on
the submission's own row. Any other direct `async_task` would bring back the 500 of a Redis outage."""

from __future__ import annotations

from tests.architecture.test_import_graph import PORTAL, ROOT, imported_modules, module_name

ALLOWED = {"portal.tasking.handoff", "portal.staging.pipeline.wakeup"}


def direct_queuers() -> list[str]:
    found = []
    for path in sorted(PORTAL.rglob("*.py")):
        name = module_name(path)
        modules = imported_modules(path.read_text(), name, is_package=path.name == "__init__.py")
        if name not in ALLOWED and ({"django_q.tasks", "django_q.tasks.async_task"} & modules):
            found.append(str(path.relative_to(ROOT)))
    return found


def test_only_the_hand_over_queues_tasks_directly():
    assert direct_queuers() == []


def test_it_would_see_a_direct_import():
    assert "django_q.tasks" in imported_modules("from django_q.tasks import async_task\n", "portal.mirror.tasks")
