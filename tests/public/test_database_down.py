"""Serving continues with the database gone: a real server, a real PostgreSQL database dropped.

The server gets a database of its own; dropping it (WITH FORCE ends its connections) is what an
unreachable database looks like to Candor: every new connection fails. The running process keeps
answering from memory, and a process started afterwards answers from the data directory.
"""

import os
import subprocess
import time
import uuid

import psycopg
import pytest

from tests.support.servers import BIN, fetch, free_port, postgres_admin, wait_until_up


@pytest.fixture
def database():
    admin = postgres_admin()
    name = f"candor_down_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    password = f":{admin['password']}" if admin["password"] else ""
    url = f"postgres://{admin['user']}{password}@{admin['host']}:{admin['port']}/{name}"

    def drop():
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    yield url, drop
    drop()


@pytest.fixture
def processes():
    started = []
    yield started
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.postgres_only
@pytest.mark.slow
def test_serving_continues_with_the_database_stopped(tmp_path, database, processes):
    url, drop = database
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CANDOR_DATA_DIR": str(tmp_path),
        "CANDOR_DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "candor.settings",
    }
    subprocess.run([BIN / "candor", "migrate", "-v0"], env=env, check=True)
    subprocess.run([BIN / "candor", "demo"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [BIN / "candor", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    processes.append(server)
    base = f"http://127.0.0.1:{port}"
    wait_until_up(f"{base}/healthz", server)
    before = {path: fetch(base + path) for path in ("/", "/api/v2/summary.json")}
    assert [status for status, _ in before.values()] == [200, 200]

    drop()
    time.sleep(1.5)  # a few polls of the stored version, each failing now

    status, health = fetch(f"{base}/healthz")
    assert status == 503  # the database is really gone
    assert health.startswith(b"database failing: unreachable\n")
    assert {path: fetch(base + path) for path in before} == before

    # A process that starts while the database is down serves the copy in the data directory.
    port = free_port()
    cold = subprocess.Popen(
        [BIN / "granian", "--interface", "wsgi", "--port", str(port), "candor.wsgi:application"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    processes.append(cold)
    base = f"http://127.0.0.1:{port}"
    wait_until_up(f"{base}/healthz", cold)
    assert {path: fetch(base + path) for path in before} == before


@pytest.mark.postgres_only
@pytest.mark.slow
def test_change_reaches_every_web_process(tmp_path, database, processes):
    url, _ = database
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CANDOR_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "candor.settings",
    }
    subprocess.run([BIN / "candor", "migrate", "-v0"], env=env, check=True)
    subprocess.run([BIN / "candor", "demo"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [BIN / "candor", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    processes.append(server)
    status = f"http://127.0.0.1:{port}/api/v2/status.json"
    wait_until_up(status, server)
    for _ in range(20):  # both workers have loaded the page
        assert b'"indicator":"none"' in fetch(status)[1]

    change = (
        "from candor.core import services; from candor.core.models import Component; "
        "services.update_component(Component.objects.get(name='API'), by=None, "
        "status='major_outage')"
    )
    subprocess.run([BIN / "candor", "shell", "-c", change], env=env, check=True)

    # Every process serves the change once it has polled; twenty answers in a row show it.
    seen = []
    deadline = time.monotonic() + 15
    while len(seen) < 20 and time.monotonic() < deadline:
        body = fetch(status)[1]
        seen = seen + [body] if b'"indicator":"major"' in body else []
    assert len(seen) == 20
