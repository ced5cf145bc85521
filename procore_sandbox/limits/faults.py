"""Faults the sandbox injects on demand, so tests and benchmarks meet what Procore does under load.

A fault matches requests by method and a path regex (searched in the path after `/sandbox`,
e.g. `^/rest/v1\\.0/me$`), optionally only `count` times and with a `probability`. Faults live in
the sandbox database, so another process can switch them on: `inject()`/`clear()` here, or the
control endpoint `/sandbox/_control/faults` (procore_sandbox.limits.control).

Kinds (Fault.KINDS):

- `429`: Procore's rate-limit answer with `Retry-After`, the `X-Rate-Limit-*` headers and the
  documented text; `503`: "heavy load" with `Retry-After`; `500`: the v1/v2 error body.
- `slow`: the request is served after `delay` seconds.
- `drop`: the connection is shut down with no answer at all. The socket is found through the
  WSGI environ (`gunicorn.socket`, or the file objects behind `wsgi.input` under runserver and
  pytest's live_server) and shut down, so the client sees the connection closed before any
  status line; the server's later write fails with a broken pipe, which both servers ignore.
- `expired_token`: the presented token is expired in the sandbox (as if its 5,400 s ran out) and
  the request answers 401 "The access token is invalid", as procore-api.md §2.7 says.

Faults apply to /sandbox/rest/ requests after the rate limiter has counted them.
"""

from __future__ import annotations

import random
import re
import socket
import time
from typing import Any

from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from procore_sandbox.http import INVALID_TOKEN_MESSAGE, ApiError, error_response
from procore_sandbox.models import AccessToken, Fault

UNAVAILABLE_MESSAGE = "Service Unavailable"


def inject(
    kind: str,
    *,
    method: str = "",
    path: str = "",
    count: int | None = None,
    probability: float = 1.0,
    retry_after: int = 1,
    delay: float = 0.0,
) -> Fault:
    """Switch a fault on. `path` is a regex searched in the path after /sandbox."""
    if kind not in dict(Fault.KINDS):
        raise ValueError(f"unknown fault kind {kind!r}")
    re.compile(path)
    return Fault.objects.create(
        kind=kind,
        method=method.upper(),
        path_regex=path,
        remaining=count,
        probability=probability,
        retry_after=retry_after,
        delay=delay,
    )


def clear() -> None:
    Fault.objects.all().delete()


def as_json(fault: Fault) -> dict[str, Any]:
    return {
        "id": fault.id,
        "kind": fault.kind,
        "method": fault.method,
        "path": fault.path_regex,
        "remaining": fault.remaining,
        "probability": fault.probability,
        "retry_after": fault.retry_after,
        "delay": fault.delay,
        "hits": fault.hits,
    }


def sandbox_path(request: HttpRequest) -> str:
    return request.path.removeprefix("/sandbox")


def claim(request: HttpRequest) -> Fault | None:
    """The first fault that fires for this request; its count is spent atomically."""
    path = sandbox_path(request)
    candidates = Fault.objects.filter(Q(method="") | Q(method=request.method)).exclude(remaining__lte=0)
    for fault in candidates:
        if fault.path_regex and not re.search(fault.path_regex, path):
            continue
        if fault.probability < 1.0 and random.random() >= fault.probability:
            continue
        spent = Fault.objects.filter(pk=fault.pk)
        if fault.remaining is not None:
            spent = spent.filter(remaining__gt=0)
            moved = spent.update(remaining=F("remaining") - 1, hits=F("hits") + 1)
        else:
            moved = spent.update(hits=F("hits") + 1)
        if moved:
            return fault
    return None


def answer(request: HttpRequest, fault: Fault, rate_headers: dict[str, str]) -> HttpResponse | None:
    """The faulty answer, or None to serve the request normally (after a delay)."""
    if fault.kind == Fault.SLOW:
        time.sleep(fault.delay)
        return None
    if fault.kind == Fault.DROP:
        drop_connection(request)
        # Never reaches the client; the status only names the event in the server's log.
        return HttpResponse(status=499, reason="Connection dropped (sandbox fault)")
    if fault.kind == Fault.RATE_LIMITED:
        from procore_sandbox.limits.ratelimit import EXCEEDED_MESSAGE

        response = HttpResponse(EXCEEDED_MESSAGE, status=429, content_type="text/plain")
        for name, value in rate_headers.items():
            response[name] = value
        response["X-Rate-Limit-Remaining"] = "0"
        response["Retry-After"] = str(fault.retry_after)
        return response
    if fault.kind == Fault.UNAVAILABLE:
        response = HttpResponse(UNAVAILABLE_MESSAGE, status=503, content_type="text/plain")
        response["Retry-After"] = str(fault.retry_after)
        return response
    if fault.kind == Fault.SERVER_ERROR:
        return error_response(request, ApiError(500, "Internal Server Error", reason_code="INTERNAL_ERROR"))
    if fault.kind == Fault.EXPIRED_TOKEN:
        _expire_presented_token(request)
        return error_response(request, ApiError(401, INVALID_TOKEN_MESSAGE, reason_code="INVALID_TOKEN"))
    raise ValueError(f"unknown fault kind {fault.kind!r}")


def _expire_presented_token(request: HttpRequest) -> None:
    _, _, value = request.headers.get("Authorization", "").partition(" ")
    if value.strip():
        AccessToken.objects.filter(access_token=value.strip()).update(expires_at=timezone.now())


def _find_socket(environ: dict[str, Any]) -> socket.socket | None:
    sock = environ.get("gunicorn.socket")
    if isinstance(sock, socket.socket):
        return sock
    # runserver / live_server: wsgi.input is a LimitedStream over the handler's rfile, a
    # BufferedReader over a SocketIO that holds the socket.
    obj: Any = environ.get("wsgi.input")
    for _ in range(6):
        if obj is None:
            return None
        if isinstance(obj, socket.socket):
            return obj
        inner = next(
            (
                getattr(obj, name)
                for name in ("stream", "raw", "_sock", "_stream", "rfile")
                if getattr(obj, name, None) is not None
            ),
            None,
        )
        # Django's LimitedStream keeps only the bound `read` of the stream it wraps.
        obj = inner if inner is not None else getattr(getattr(obj, "_read", None), "__self__", None)
    return None


def drop_connection(request: HttpRequest) -> None:
    """Shut the client's connection down without a byte of answer."""
    sock = _find_socket(request.META)
    if sock is None:
        raise RuntimeError("cannot find the client socket to drop the connection")
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def fault_answer(request: HttpRequest, rate_headers: dict[str, str]) -> HttpResponse | None:
    fault = claim(request)
    return answer(request, fault, rate_headers) if fault else None
