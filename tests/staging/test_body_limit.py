"""A body over the limit is refused before anything reads it: no temporary file grows, whoever
sends it (here: no session and a made-up CSRF cookie), and a chunked body is cut off at the limit."""

from __future__ import annotations

import io
import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from portal.staging.incoming.body_limit import BodyLimitMiddleware

ROOT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    """The portal under gunicorn with a 1 MiB body limit and a temporary directory we can watch."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}},
        "DATA_DIR": str(tmp_path / "data"),
        "TMPDIR": str(temp),
        "REQUEST_MAX_BODY_SIZE": str(MiB),
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}", "--threads", "2"],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield port, temp
    finally:
        process.terminate()
        process.wait(15)


def temp_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def send_until_answered(port: int, head: bytes, chunk: bytes, total: int, temp: Path) -> tuple[bytes, int, int]:
    """Send `head`, then up to `total` bytes of `chunk`s, stopping as soon as the server answers.
    Returns (the answer's first bytes, bytes of body sent, the most the temporary folder held)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sent, most = 0, 0
    try:
        sock.sendall(head)
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
            most = max(most, temp_bytes(temp))
        sock.settimeout(30)
        answer = sock.recv(4096)
        return answer, sent, max(most, temp_bytes(temp))
    finally:
        sock.close()


def form_head(path: str, extra: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=xyz\r\n"
        "Cookie: csrftoken=madeupmadeupmadeupmadeupmadeupmadeup\r\n"
        f"{extra}\r\n"
    ).encode()


def test_it_refuses_a_huge_body_from_its_content_length_before_reading_it(gunicorn):
    port, temp = gunicorn
    size = 300 * MiB
    head = form_head("/batches/1/import/", f"Content-Length: {size}\r\n")
    body = b'--xyz\r\nContent-Disposition: form-data; name="csv"; filename="a.csv"\r\n\r\n' + b"x" * (256 * 1024)
    answer, sent, most = send_until_answered(port, head, body, size, temp)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"larger than the portal accepts (1 MiB)" in answer
    assert sent < 50 * MiB  # answered long before the body was sent
    assert most == 0  # no temporary file, not even a small one


def test_a_chunked_body_is_not_spooled_either(gunicorn):
    port, temp = gunicorn
    head = form_head("/batches/1/import/", "Transfer-Encoding: chunked\r\n")
    piece = b"x" * (256 * 1024)
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    answer, sent, most = send_until_answered(port, head, chunk, 300 * MiB, temp)
    assert answer.startswith(b"HTTP/1.1 4"), answer[:200]
    assert sent < 50 * MiB and most == 0


def test_a_chunked_body_read_by_a_view_is_cut_off_at_the_limit(settings):
    settings.REQUEST_MAX_BODY_SIZE = MiB
    stream = io.BytesIO(b"{" + b" " * (20 * MiB) + b"}")
    request = RequestFactory().generic(
        "POST", "/batches/1/uploads/", content_type="application/json", HTTP_TRANSFER_ENCODING="chunked"
    )
    request.META.pop("CONTENT_LENGTH", None)
    request.environ["wsgi.input"] = stream
    seen = {}

    def view(request):
        try:
            seen["body"] = request.body
        except Exception as exc:  # Django turns the cut-off into an unreadable body
            seen["error"] = type(exc).__name__
        return HttpResponse("read it")

    response = BodyLimitMiddleware(view)(request)
    assert response.status_code == 413 and "body" not in seen
    assert stream.tell() <= MiB + 64 * 1024  # nothing much past the limit was ever read


def test_a_view_with_a_smaller_limit_of_its_own_refuses_what_the_default_allows(settings):
    from django.urls import reverse

    settings.REQUEST_MAX_BODY_SIZE = 25 * MiB
    settings.STAGING_UPLOAD_PART_SIZE = 5 * MiB  # the part endpoint takes no body over 5 MiB
    settings.STAGING_MAX_FILE_SIZE = 100 * MiB
    seen = []

    def view(request):
        seen.append(request.path)
        return HttpResponse("passed")

    middleware = BodyLimitMiddleware(view)
    part = reverse("staging:incoming_part", args=["01JABCDEF", 1])
    for path, size, status in [(part, 6 * MiB, 413), (part, 5 * MiB, 200), ("/batches/1/import/", 6 * MiB, 200)]:
        request = RequestFactory().generic("PUT", path, content_type="application/octet-stream")
        request.META["CONTENT_LENGTH"] = str(size)
        assert middleware(request).status_code == status, (path, size)
    assert seen == [part, "/batches/1/import/"]
