"""What both benchmarks need: a free local port and a database of their own."""

from __future__ import annotations

import os
import socket
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
