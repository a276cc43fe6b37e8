"""`candor serve` keeps a delivery worker running: a real server, its real worker killed."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from candor.core import services, subscriptions
from candor.core.models import WorkerHeartbeat
from tests.support.processes import wait_until, worker_env
from tests.support.servers import free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CANDOR = Path(sys.executable).parent / "candor"


def healthz(base: str) -> tuple[int, str]:
    try:
        response = httpx.get(f"{base}/healthz", timeout=5)
    except httpx.TransportError:
        return 0, ""
    return response.status_code, response.text


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def serve(transactional_db, tmp_path):
    """A real `candor serve` against the test database; stopped (SIGTERM) before it is flushed."""
    started = []

    def start(env):
        log = tmp_path / "serve.log"
        process = subprocess.Popen(
            [CANDOR, "serve", "--port", env["PORT"], "--workers", "1", "--threads", "2"],
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process, log

    yield start
    if started:  # what serve and its workers said, shown with a failure
        print((tmp_path / "serve.log").read_text())
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_killed_worker_is_replaced_and_healthz_reports_the_gap(page, smtp, serve, tmp_path):
    for i in range(5):
        subscriptions.add_subscriber(page, by=None, mode="email", email=f"user{i}@example.com")
    port = free_port()
    env = worker_env(
        smtp.port,
        PORT=str(port),
        CANDOR_DATA_DIR=str(tmp_path),
        PYTHONUNBUFFERED="1",
        # The gap is seen quickly, and lasts: the first restart waits 15 s.
        CANDOR_HEALTH_WORKER_SECONDS="3",
        CANDOR_WORKER_RESTART_DELAY="15",
    )
    server, log = serve(env)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: healthz(base)[0] == 200, timeout=90, interval=0.2)
    first = wait_until(lambda: WorkerHeartbeat.objects.first(), timeout=60).pid
    assert first != server.pid and alive(first)

    os.kill(first, signal.SIGKILL)

    status, text = wait_until(lambda: (r := healthz(base))[0] == 503 and r, interval=0.2)
    assert text.startswith("worker failing: no delivery worker heartbeat for ")
    second = wait_until(
        lambda: WorkerHeartbeat.objects.exclude(pid=first).values_list("pid", flat=True).first(),
        timeout=90,
        interval=0.2,
    )
    output = log.read_text()
    assert f"delivery worker (pid {first}) was killed by SIGKILL; starting another in 15 s" in (
        output
    )
    assert f"delivery worker started (pid {second})" in output
    wait_until(lambda: healthz(base)[0] == 200, timeout=60, interval=0.2)

    services.declare_incident(page, by=None, name="Database outage")

    wait_until(lambda: len(smtp.messages) >= 5, timeout=60, interval=0.2)
    assert sorted(m["To"] for m in smtp.messages) == [f"user{i}@example.com" for i in range(5)]
    assert all(m["Subject"].endswith("Database outage") for m in smtp.messages)

    # Stopping the server stops its worker too, and nothing is started again.
    server.terminate()
    assert server.wait(timeout=60) is not None
    assert not alive(second)
