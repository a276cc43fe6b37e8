"""`candor worker` processes started by tests against the test database, and the in-process
worker helpers (`drain`, the `fast` retry schedule)."""

from __future__ import annotations

import time

import pytest

from candor.core.worker import Worker


def wait_until(check, timeout: float = 30.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


@pytest.fixture
def fast(settings):
    """A retry schedule of the real length, without the waiting."""
    settings.CANDOR_RETRY_SCHEDULE = [0] * 8
    settings.CANDOR_RETRY_JITTER = 0
    settings.CANDOR_WEBHOOK_TIMEOUT = 2


def drain() -> Worker:
    worker = Worker(threads=0)
    worker.drain(timeout=60)
    worker.close()
    return worker


def database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def worker_env(smtp_port: int | None = None, **extra: str) -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS="1",
        CANDOR_RETRY_SCHEDULE="0,0.5,0.5,0.5,0.5,0.5,0.5,0.5",
        CANDOR_DELIVERY_LEASE="3",
        CANDOR_WEBHOOK_TIMEOUT="5",
    )
    if smtp_port:
        env["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp_port}"
    env.update(extra)
    return env


def start_worker(env: dict[str, str], *args: str):
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "candor.cli", "worker", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def workers():
    """Worker processes started by a test; whatever is left is killed at the end."""
    started = []

    def start(env, *args):
        process = start_worker(env, *args)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()
