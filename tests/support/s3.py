"""A real S3 server for tests: moto's server mode in its own process on 127.0.0.1.

Its request log (werkzeug's, one line per request) is how tests count what the publisher sent:
`server.requests("PUT")` since `server.mark()`.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support.servers import free_port

_LINE = re.compile(r'"(?:\x1b\[[0-9;]*m)*([A-Z]+) (\S+) HTTP/1\.[01](?:\x1b\[[0-9;]*m)*" (\d{3})')
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "candor-test",
    "AWS_SECRET_ACCESS_KEY": "candor-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    # Never ask an instance metadata service for credentials on a developer's machine.
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": "/nonexistent",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
}


class S3Server:
    def __init__(self, directory: Path, **env: str) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = directory / f"moto-{self.port}.log"
        self.env = env
        self.process: subprocess.Popen | None = None
        self.offset = 0
        self.start()

    def start(self) -> None:
        moto = Path(sys.executable).with_name("moto_server")
        self.process = subprocess.Popen(
            [str(moto), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
            env={**os.environ, **self.env},
        )
        # Up once it accepts connections (a request would count against INITIAL_NO_AUTH_...).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("moto_server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def client(self, **credentials: str):
        import boto3
        from botocore.config import Config

        config = Config(
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": 1},
        )
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=credentials.get("key", CREDENTIALS["AWS_ACCESS_KEY_ID"]),
            aws_secret_access_key=credentials.get("secret", CREDENTIALS["AWS_SECRET_ACCESS_KEY"]),
            config=config,
        )

    def bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def objects(self, bucket: str, prefix: str = "") -> dict[str, dict]:
        """key (without the prefix) -> body, Content-Type, Cache-Control, Content-Encoding,
        metadata: what a reader of the bucket gets."""
        client = self.client()
        found = {}
        start = f"{prefix}/" if prefix else ""
        for listing in client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=start
        ):
            for item in listing.get("Contents", []):
                got = client.get_object(Bucket=bucket, Key=item["Key"])
                found[item["Key"][len(start) :]] = {
                    "body": got["Body"].read(),
                    "content_type": got.get("ContentType", ""),
                    "cache_control": got.get("CacheControl", ""),
                    "content_encoding": got.get("ContentEncoding", ""),
                    "metadata": got.get("Metadata", {}),
                }
        return found

    def mark(self) -> None:
        """Count requests from here on."""
        self.offset = self.log.stat().st_size if self.log.exists() else 0

    def requests(self, method: str | None = None, bucket: str | None = None) -> list[str]:
        """Paths of the requests logged since the last mark (all methods, or one)."""
        with self.log.open("rb") as f:
            f.seek(self.offset)
            text = f.read().decode(errors="replace")
        found = []
        for m in _LINE.finditer(text):
            if method and m[1] != method:
                continue
            if bucket and not m[2].startswith(f"/{bucket}/"):
                continue
            found.append(m[2])
        return found


class SlowProxy:
    """An HTTP proxy in front of the S3 server that holds each request for `delay` seconds:
    a publish then takes long enough to kill a worker in the middle of it."""

    def __init__(self, upstream: str, delay: float) -> None:
        import http.client
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        host, port = upstream.removeprefix("http://").split(":")

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                time.sleep(delay)
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                conn.request(self.command, self.path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_DELETE = do_HEAD = do_POST = relay

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def s3(tmp_path, monkeypatch, settings):
    """A moto S3 server; the publisher's settings and AWS credentials point at it."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    server = S3Server(tmp_path)
    settings.CANDOR_PUBLISH_S3_ENDPOINT = server.endpoint
    settings.CANDOR_PUBLISH_S3_REGION = "us-east-1"
    from candor.public.publish import stores

    stores.forget_credentials()  # the credentials above, not a previous test's
    yield server
    server.stop()
