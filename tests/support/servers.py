"""Real Candor servers for tests: `candor serve` in its own process, on a database of its own."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, *, method: str = "GET", data: bytes | None = None, headers=None, timeout=10):
    """One request on a new connection; (status, body)."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_until_up(url: str, process: subprocess.Popen, tries: int = 300) -> tuple[int, bytes]:
    for _ in range(tries):
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}")
        try:
            return fetch(url)
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


def postgres_admin() -> dict[str, Any]:
    db = settings.DATABASES["default"]
    return {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"] or "postgres",
        "password": db["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }


@contextmanager
def scratch_database(tmp_path: Path) -> Iterator[str]:
    """A DATABASE_URL of the suite's vendor that no other test uses, dropped afterwards."""
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        yield f"sqlite:///{tmp_path / 'candor.sqlite3'}"
        return
    admin = postgres_admin()
    name = f"candor_t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    password = f":{admin['password']}" if admin["password"] else ""
    try:
        yield f"postgres://{admin['user']}{password}@{admin['host']}:{admin['port']}/{name}"
    finally:
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def candor_env(url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "CANDOR_DATA_DIR": str(data_dir),
        "CANDOR_DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "candor.settings",
        **extra,
    }


class Server:
    """`candor serve` on a free port; stopped by `stop()` (the fixtures call it)."""

    def __init__(self, env: dict[str, str], *, workers: int = 2, prefix: list[str] | None = None):
        self.env = env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [str(BIN / "candor"), "serve", "--port", str(self.port)]
        command += ["--workers", str(workers), "--no-worker"]
        self.log = Path(env["CANDOR_DATA_DIR"]) / f"serve-{self.port}.log"
        self.process = subprocess.Popen(
            [*(prefix or []), *command],
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        wait_until_up(f"{self.base}/healthz", self.process)

    def get(self, path: str) -> tuple[int, bytes]:
        return fetch(self.base + path)

    def json(self, path: str) -> Any:
        status, body = self.get(path)
        assert status == 200, (path, status, body[:200])
        return json.loads(body)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Api:
    """The management API of a server, with a key; each call on a new connection."""

    def __init__(self, base: str, key: str) -> None:
        self.base = base
        self.headers = {"Authorization": f"OAuth {key}", "Content-Type": "application/json"}
        self.page = self.call("GET", "/v1/pages.json")[0]["id"]

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        status, raw = fetch(self.base + path, method=method, data=data, headers=self.headers)
        assert status < 300, (method, path, status, raw[:300])
        return json.loads(raw) if raw.strip() else None

    def page_path(self, rest: str) -> str:
        return f"/v1/pages/{self.page}{rest}"


def prepare(env: dict[str, str]) -> str:
    """Migrate, create the default page, and return a new API key for it."""
    subprocess.run([BIN / "candor", "migrate", "-v0"], env=env, check=True)
    page = "from candor.core.services import ensure_default_page; print(ensure_default_page().pk)"
    subprocess.run([BIN / "candor", "shell", "-c", page], env=env, check=True, capture_output=True)
    out = subprocess.run(
        [BIN / "candor", "apikey", "create", "--name", "tests"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1].strip()
