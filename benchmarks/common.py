"""What the benchmarks share: a free local port, a database of their own, fetching from the
servers they start, waiting for them, and percentiles."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scratch_database(tmp: Path) -> tuple[str, Callable[[], None]]:
    """A new, empty database and how to drop it: on the PostgreSQL server DATABASE_URL names,
    else a SQLite file in `tmp`."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{tmp / 'bench.sqlite3'}", lambda: None
    import psycopg

    parts = urlsplit(url)
    admin = dict(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    )
    name = f"candor_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return parts._replace(path=f"/{name}").geturl(), drop


def fetch(url: str, headers: dict[str, str] | None = None) -> bytes:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - 127.0.0.1 only
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - 127.0.0.1 only
        return response.read()


def wait_up(url: str, process: subprocess.Popen, seconds: float = 60.0) -> None:
    """Until `url` answers; exits with a message if `process` dies or it never does."""
    for _ in range(int(seconds * 10)):
        if process.poll() is not None:
            sys.exit(f"{process.args} exited with {process.returncode}")
        try:
            fetch(url)
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"{url} did not answer")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
