"""A webhook receiver on 127.0.0.1 and the steps the sandbox's delivery tests share.

The receiver is a small threaded http.server (the tests cannot add a view to the portal's
URLconf); it records every request and answers with the statuses and delays a test asks.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from procore_sandbox.webhooks import deliveries
from procore_sandbox.webhooks.events import emit

COMPANY = 8089
PROJECT = 2305
SECRET = "Bearer portal-shared-secret-xMiJ9"


class Receiver:
    """Records deliveries; answers each with the next scripted (status, delay), else 200."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: deque[tuple[int, float]] = deque()
        self.default: tuple[int, float] = (200, 0.0)
        self.on_request = None  # called in the handler thread, e.g. to write to the database
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    status, delay = receiver.script.popleft() if receiver.script else receiver.default
                    receiver.requests.append(
                        {
                            "path": self.path,
                            "headers": dict(self.headers),
                            "json": json.loads(body),
                            "at": time.monotonic(),
                        }
                    )
                if receiver.on_request:
                    receiver.on_request()
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(f"answered {status}".encode())
                except OSError:
                    pass  # the sandbox gave up waiting

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhooks/procore"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def payloads(self) -> list[dict]:
        with self.lock:
            return [r["json"] for r in self.requests]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.requests) >= count:
                return self.requests
            time.sleep(0.02)
        raise AssertionError(f"expected {count} deliveries, got {len(self.requests)}")


def call(sandbox, method: str, path: str, token: str, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", "Procore-Company-Id": str(COMPANY)}
    return requests.request(method, sandbox.url(path), headers=headers, timeout=10, **kwargs)


def project_path(suffix: str = "") -> str:
    return f"/rest/v2.0/companies/{COMPANY}/projects/{PROJECT}/webhooks{suffix}"


def register(
    sandbox, token: str, url: str, version: str, triggers: list[tuple[str, str]], path: str | None = None
) -> str:
    hooks = path or project_path("/hooks")
    hook = call(
        sandbox,
        "POST",
        hooks,
        token,
        json={
            "payload_version": version,
            "namespace": "document-portal",
            "destination_url": url,
            "destination_headers": {"Authorization": SECRET},
        },
    )
    assert hook.status_code == 201, hook.text
    hook_id = hook.json()["data"]["id"]
    created = call(
        sandbox,
        "POST",
        f"{hooks}/{hook_id}/triggers/bulk",
        token,
        json=[{"resource_name": r, "event_type": e} for r, e in triggers],
    )
    assert created.status_code == 201, created.text
    return hook_id


def revision_created(resource_id: str = "01JDXMPK0TRV0BA5K8GSSY6J0Y", project: int = PROJECT) -> None:
    emit(
        company_id=COMPANY,
        project_id=project,
        resource_name="Document Revision",
        event_type="created",
        resource_id=resource_id,
        user_id=5447,
    )


def deliver_until(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        deliveries.deliver_due()
        if predicate():
            return
        time.sleep(0.005)
    raise AssertionError("condition not reached")
