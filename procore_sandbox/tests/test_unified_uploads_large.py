"""A maximum-size part (100 MiB) goes through the presigned PUT without the sandbox holding it in
memory (procore-api.md §6.2: parts up to 100 MiB, files up to GiBs)."""

from __future__ import annotations

import hashlib
import time
import tracemalloc

import pytest
import requests

from procore_sandbox.testing import ELI
from procore_sandbox.tests.uploading import PROJECT_UPLOADS, call

pytestmark = pytest.mark.django_db(transaction=True)

PART = 104_857_600


def test_it_streams_a_100_mib_part_to_storage(sandbox, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    source = tmp_path / "big.bin"
    digest = hashlib.sha256()
    block = hashlib.sha256(b"seed").digest() * 32768  # 1 MiB, not compressible to nothing
    with source.open("wb") as handle:
        for _ in range(PART // len(block)):
            handle.write(block)
            digest.update(block)
    token = sandbox.token(ELI)
    body = {
        "file_name": "big.bin",
        "file_size": PART,
        "content_type": "application/octet-stream",
        "sha256": digest.hexdigest(),
        "segments": [{"size": PART, "sha256": digest.hexdigest()}],
    }
    upload = call(sandbox, "POST", PROJECT_UPLOADS, token, json=body).json()["data"]
    segment = upload["segments"][0]

    # The live server answers in this process: tracemalloc sees its allocations too.
    tracemalloc.start()
    started = time.monotonic()
    with source.open("rb") as handle:
        put = requests.put(segment["url"], data=handle, headers=segment["headers"], timeout=120)
    seconds = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert put.status_code == 200, put.text
    done = call(
        sandbox, "PATCH", f"{PROJECT_UPLOADS}/{upload['upload_id']}", token, json={"part_etags": [put.headers["ETag"]]}
    )
    assert done.json()["data"]["status"] == "complete"
    print(f"RESULT unified_put_100MiB seconds={seconds:.2f} peak_traced_MiB={peak / 2**20:.1f}")
    assert peak < 20 * 2**20
