"""Refuse a request body over the limit before anything reads it.

Django's CSRF check reads a whole form post (to a temporary file for a large one) before any view
can look at its size, so the refusal happens here, in a middleware placed first:

- a `Content-Length` over the limit is answered 413 at once, the body unread;
- a chunked body (no `Content-Length`) is read through a stream that stops at the limit: the
  request fails with 413 once it passes it, and nothing past the limit is ever read.

The limit is REQUEST_MAX_BODY_SIZE unless the view says otherwise with `max_body_size` (an int, or a
callable returning one) — the portal's part endpoint for local-disk uploads and the sandbox's
storage endpoints do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

TOO_BIG = "The request is larger than the portal accepts ({limit}). Nothing was kept."


class BodyTooLarge(OSError):
    """A chunked body passed the limit. An OSError, so Django's form parsing treats it as an
    unreadable body; the middleware answers 413 once the request comes back."""


def body_limit(size: int | Callable[[], int]) -> Callable:
    """Give a view a body limit of its own (bytes, or a callable read per request)."""

    def decorate(view: Callable) -> Callable:
        view.max_body_size = size  # type: ignore[attr-defined]
        return view

    return decorate


def limit_for(path: str) -> int:
    try:
        match = resolve(path)
    except Resolver404:
        return int(settings.REQUEST_MAX_BODY_SIZE)
    return _size_of(getattr(match.func, "max_body_size", None))


def _size_of(size: int | Callable[[], int] | None) -> int:
    if size is None:
        return int(settings.REQUEST_MAX_BODY_SIZE)
    return int(size() if callable(size) else size)


_view_limits: list[int | Callable[[], int]] | None = None


def _views_with_limits(patterns: list) -> Iterator[int | Callable[[], int]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views_with_limits(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "max_body_size"):
            yield pattern.callback.max_body_size


def smallest_limit() -> int:
    """The smallest limit any URL has: a body no larger passes wherever it goes, so its URL need
    not be resolved here (resolving costs as much again as the rest of a small request)."""
    global _view_limits
    if _view_limits is None:
        _view_limits = list(_views_with_limits(get_resolver().url_patterns))
    return min([int(settings.REQUEST_MAX_BODY_SIZE), *(_size_of(size) for size in _view_limits)])


def human(size: int) -> str:
    return f"{size / 1024**2:.0f} MiB" if size >= 1024**2 else f"{size} bytes"


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    message = TOO_BIG.format(limit=human(limit))
    accepts_json = "json" in request.headers.get("Accept", "") or request.content_type == "application/json"
    if accepts_json:
        response: HttpResponse = JsonResponse({"ok": False, "error": message}, status=413)
    else:
        response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
    # The rest of the body is not wanted: the server closes the connection instead of reading it.
    response["Connection"] = "close"
    return response


class CutOffStream:
    """Reads a body of unknown length and raises once more than `limit` bytes came through."""

    def __init__(self, stream: Any, limit: int, on_cut_off: Callable[[], None]) -> None:
        self.stream = stream
        self.left = limit
        self.on_cut_off = on_cut_off

    def read(self, size: int = -1) -> bytes:
        wanted = self.left + 1 if size is None or size < 0 else min(size, self.left + 1)
        data = self.stream.read(wanted) if wanted else b""
        self.left -= len(data)
        if self.left < 0:
            self.on_cut_off()
            raise BodyTooLarge("The request body is over the limit.")
        if size is None or size < 0:
            # Read to the end, still never more than the limit and one byte.
            chunks = [data]
            while data:
                data = self.read(64 * 1024)
                chunks.append(data)
            return b"".join(chunks)
        return data

    def readline(self, size: int = -1) -> bytes:
        return self.read(size if size and size > 0 else 64 * 1024)


class BodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = request.META.get("CONTENT_LENGTH")
        if length:
            try:
                declared = int(length)
            except ValueError:
                return HttpResponse("Content-Length is not a number.", status=400)
            if declared > smallest_limit() and declared > (limit := limit_for(request.path_info)):
                return too_large(request, limit)
        elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            limit = limit_for(request.path_info)
            state = {"cut_off": False}
            stream = request.META.get("wsgi.input")
            if stream is not None:
                # Django's own stream reads nothing without a Content-Length; whoever reads this
                # one (request.body, a part upload) gets the body, never more than the limit.
                request._stream = CutOffStream(stream, limit, lambda: state.update(cut_off=True))  # type: ignore[assignment]
            response = self.get_response(request)
            return too_large(request, limit) if state["cut_off"] else response
        return self.get_response(request)
