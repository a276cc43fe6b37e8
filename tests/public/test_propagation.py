"""Several hosts on one PostgreSQL, and time moving the page: real `candor serve` processes.

Two servers with data directories of their own stand for two hosts (they share no host signal):
a write on one reaches the other over LISTEN/NOTIFY, and by polling while that channel is down.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from tests.support.servers import (
    Api,
    Server,
    candor_env,
    fetch,
    postgres_admin,
    prepare,
    scratch_database,
)

FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1")


def converge(server: Server, path: str, needle: bytes, seconds: float = 15.0) -> float:
    """Seconds until twenty reads in a row on new connections show `needle` (either process)."""
    started = time.monotonic()
    in_a_row = 0
    while time.monotonic() - started < seconds:
        status, body = fetch(server.base + path)
        in_a_row = in_a_row + 1 if status == 200 and needle in body else 0
        if in_a_row == 20:
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"{server.base}{path} never showed {needle!r}")


def listeners(database: str) -> list[int]:
    with psycopg.connect(**postgres_admin()) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s "
            "AND application_name = 'candor-public-listener'",
            [database],
        ).fetchall()
    return [pid for (pid,) in rows]


def wait_for_listeners(database: str, count: int, seconds: float = 15.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = listeners(database)
        if len(pids) >= count:
            return pids
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} listeners on {database}: {listeners(database)}")


@pytest.fixture
def two_hosts(tmp_path):
    with scratch_database(tmp_path) as url:
        a_dir, b_dir = tmp_path / "a", tmp_path / "b"
        a_dir.mkdir()
        b_dir.mkdir()
        key = prepare(candor_env(url, a_dir))
        a = Server(candor_env(url, a_dir), workers=1)
        b = Server(candor_env(url, b_dir), workers=2)
        try:
            yield Api(a.base, key), a, b, url.rsplit("/", 1)[-1]
        finally:
            a.stop()
            b.stop()


@pytest.mark.postgres_only
@pytest.mark.slow
def test_a_write_on_one_host_reaches_the_other(two_hosts):
    api, a, b, database = two_hosts
    wait_for_listeners(database, 3)  # one per web process: a's one, b's two
    incident = api.call(
        "POST",
        api.page_path("/incidents.json"),
        {"incident": {"name": "Seen everywhere", "status": "investigating"}},
    )["id"]
    assert b"Seen everywhere" in a.get("/")[1]  # the writer's host at once
    converge(b, "/api/v2/incidents/unresolved.json", incident.encode())
    converge(b, f"/incidents/{incident}", b"Seen everywhere")


@pytest.mark.postgres_only
@pytest.mark.slow
def test_the_other_host_polls_while_the_channel_is_down_and_listens_again(two_hosts):
    api, a, b, database = two_hosts
    before = wait_for_listeners(database, 3)
    with psycopg.connect(**postgres_admin()) as conn:
        for pid in before:
            conn.execute("SELECT pg_terminate_backend(%s)", [pid])

    incident = api.call(
        "POST",
        api.page_path("/incidents.json"),
        {"incident": {"name": "Seen by polling", "status": "investigating"}},
    )["id"]
    converge(b, "/api/v2/incidents/unresolved.json", incident.encode())

    again = wait_for_listeners(database, 3)  # each process listens again by itself
    assert set(again).isdisjoint(before)
    api.call(
        "PATCH",
        api.page_path(f"/incidents/{incident}.json"),
        {"incident": {"status": "resolved", "body": "Seen by listening."}},
    )
    converge(b, f"/incidents/{incident}", b"Seen by listening.")
    log = b.log.read_text()
    assert "Lost the public documents channel" in log


def _first_day(body: bytes) -> str:
    text = body.decode()
    start = text.index('<h3 class="day-title">') + len('<h3 class="day-title">')
    return text[start : text.index("</h3>", start)]


@pytest.mark.slow
def test_every_process_serves_the_new_day_after_midnight(tmp_path):
    assert FAKETIME.exists(), "libfaketime is needed (apt-get install libfaketime)"
    clock = tmp_path / "faketime"
    clock.write_text("+0\n")
    with scratch_database(tmp_path) as url:
        env = candor_env(url, tmp_path)
        prepare(env)
        # The servers' clock (and only theirs) is moved by writing to a file.
        env.update(
            LD_PRELOAD=str(FAKETIME),
            FAKETIME_TIMESTAMP_FILE=str(clock),
            FAKETIME_NO_CACHE="1",
        )
        server = Server(env, workers=2)
        try:
            today = datetime.now(UTC).date()
            label = f"{today.day} {today:%b %Y}"
            assert {_first_day(fetch(server.base + "/")[1]) for _ in range(20)} == {label}

            now = datetime.now(UTC)
            midnight = datetime.combine(today + timedelta(days=1), datetime.min.time(), UTC)
            clock.write_text(f"+{int((midnight - now).total_seconds()) + 5}\n")

            tomorrow = today + timedelta(days=1)
            converge(server, "/", f'<h3 class="day-title">{tomorrow.day} {tomorrow:%b %Y}'.encode())
        finally:
            server.stop()
