"""/healthz's checks and /metrics' exposition, in-process. (A worker killed under a real
`candor serve` is in tests/notifications/test_supervision.py.)"""

import logging
import sys
from datetime import timedelta

import pytest
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from candor.core import health, services, subscriptions
from candor.core.management.commands.serve import Supervisor
from candor.core.models import Delivery, DeliveryState, WorkerHeartbeat
from candor.core.services.base import now
from candor.core.worker import Worker
from candor.public import health as public_health
from candor.public.health import DocumentFailure
from tests.support.processes import wait_until
from tests.support.servers import free_port

TOKEN = "s3cret-metrics-token"


@pytest.fixture
def alive(db):
    """A worker beat just now: the worker check passes."""
    return health.beat(None, started_at=now())


def add_emails(page, count):
    for i in range(count):
        subscriptions.add_subscriber(page, by=None, mode="email", email=f"user{i}@example.com")


def body(response) -> str:
    return response.content.decode()


# --- /healthz ------------------------------------------------------------------------------


def test_healthz_answers_ok_when_every_check_passes_and_is_never_cached(client, page, alive):
    response = client.get("/healthz")

    assert (response.status_code, body(response)) == (200, "ok\n")
    assert "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_verbose_and_json_list_every_check(client, page, alive):
    verbose = body(client.get("/healthz?verbose=1")).splitlines()
    as_json = client.get("/healthz.json")

    assert verbose[0] == "ok"
    assert [line.split(":")[0] for line in verbose[1:]] == [
        "database ok",
        "worker ok",
        "deliveries ok",
        "public ok",
        "publish ok",
    ]
    assert "1 alive" in verbose[2]
    assert as_json.status_code == 200 and "no-cache" in as_json["Cache-Control"]
    assert as_json.json()["status"] == "ok"
    assert {name: c["status"] for name, c in as_json.json()["checks"].items()} == {
        "database": "ok",
        "worker": "ok",
        "deliveries": "ok",
        "public": "ok",
        "publish": "ok",
    }


def test_healthz_fails_when_no_worker_has_beaten_for_the_threshold(client, page, alive, settings):
    settings.CANDOR_HEALTH_WORKER_SECONDS = 60
    WorkerHeartbeat.objects.update(beat_at=now() - timedelta(seconds=90))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert body(response).startswith("worker failing: no delivery worker heartbeat for 9")
    assert client.get("/healthz.json").json()["checks"]["worker"]["status"] == "failing"


def test_a_fresh_install_has_the_threshold_of_grace_before_any_worker_ran(client, page, settings):
    assert not WorkerHeartbeat.objects.exists()
    settings.CANDOR_HEALTH_WORKER_SECONDS = 10**9  # the database was set up within it

    fresh = client.get("/healthz?verbose=1")
    settings.CANDOR_HEALTH_WORKER_SECONDS = 0.001  # and now it is past
    late = client.get("/healthz")

    assert fresh.status_code == 200
    assert "no delivery worker has run yet (fresh install)" in body(fresh)
    assert late.status_code == 503
    assert "worker failing: no delivery worker has run since the database was set up" in body(late)


def test_zero_turns_the_worker_and_lag_checks_off(client, page, settings):
    settings.CANDOR_HEALTH_WORKER_SECONDS = 0
    settings.CANDOR_HEALTH_DELIVERY_LAG_SECONDS = 0
    add_emails(page, 1)
    services.declare_incident(page, by=None, name="Outage")
    Delivery.objects.update(next_attempt_at=now() - timedelta(days=1))

    assert (client.get("/healthz").status_code, body(client.get("/healthz"))) == (200, "ok\n")


def test_healthz_fails_when_a_due_delivery_waited_longer_than_the_threshold(
    client, page, alive, settings
):
    settings.CANDOR_HEALTH_DELIVERY_LAG_SECONDS = 300
    add_emails(page, 3)
    services.declare_incident(page, by=None, name="Outage")
    assert client.get("/healthz").status_code == 200  # due now, not waiting yet

    Delivery.objects.filter(subscriber__email="user1@example.com").update(
        next_attempt_at=now() - timedelta(seconds=400)
    )
    response = client.get("/healthz")

    assert response.status_code == 503
    assert body(response).startswith("deliveries failing: oldest due delivery has waited 4")
    # Sent and cancelled rows, and retries due later, do not count.
    Delivery.objects.filter(subscriber__email="user1@example.com").update(state=DeliveryState.SENT)
    Delivery.objects.update(next_attempt_at=now() + timedelta(hours=1))
    assert client.get("/healthz").status_code == 200


def test_healthz_names_each_public_document_that_fails_to_render(client, page, alive, monkeypatch):
    failures = [
        DocumentFailure(page.id, "/history.atom", "UnserializableContentError: control character"),
        DocumentFailure(page.id, "/api/v2/incidents.json", "ValueError: boom"),
    ]
    monkeypatch.setattr(public_health, "render_failures", lambda: failures)

    plain = client.get("/healthz")
    verbose = client.get("/healthz?verbose=1")

    assert plain.status_code == 503
    assert body(plain) == (
        "public failing: 2 documents fail to render: /history.atom, /api/v2/incidents.json\n"
    )
    assert verbose.status_code == 503
    assert "/history.atom (UnserializableContentError: control character)" in body(verbose)


def test_healthz_fails_when_the_database_is_unreachable(client, page, alive):
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent/directory/candor.sqlite3"
    else:
        connection.settings_dict["PORT"] = free_port()  # nothing listens there
        connection.settings_dict["OPTIONS"] = {**saved.get("OPTIONS", {}), "connect_timeout": 2}
    try:
        plain = client.get("/healthz")
        verbose = client.get("/healthz?verbose=1")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)

    assert plain.status_code == 503
    assert body(plain).splitlines()[0] == "database failing: unreachable"
    assert "worker failing: not checked: the database is unreachable" in body(verbose)


# --- Heartbeats ----------------------------------------------------------------------------


def test_a_beat_updates_its_own_row_and_pruning_removes_workers_gone_for_a_day(db):
    first = health.beat(None, started_at=now())
    assert health.beat(first, started_at=now()) == first
    gone = health.beat(None, started_at=now() - timedelta(days=3))
    WorkerHeartbeat.objects.filter(pk=gone).update(beat_at=now() - timedelta(days=2))

    assert health.prune_heartbeats() == 1
    assert list(WorkerHeartbeat.objects.values_list("pk", flat=True)) == [first]
    # A row pruned under a live worker comes back on its next beat.
    WorkerHeartbeat.objects.all().delete()
    assert health.beat(first, started_at=now()) != first
    assert WorkerHeartbeat.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_loop_beats(page, settings):
    import threading

    settings.CANDOR_HEALTH_WORKER_SECONDS = 0.4  # a beat every 0.1 s
    worker = Worker(threads=1)

    def run():
        try:
            worker.run(poll=0.05)
        finally:
            connection.close()

    loop = threading.Thread(target=run)
    loop.start()
    try:
        first = wait_until(lambda: WorkerHeartbeat.objects.first())
        wait_until(lambda: WorkerHeartbeat.objects.get(pk=first.pk).beat_at > first.beat_at)
    finally:
        worker.stop()
        loop.join(timeout=30)
        # PostgreSQL's LISTEN thread lets go of its connection within a second.
        wait_until(lambda: not any(t.name == "candor-listen" for t in threading.enumerate()))
    assert WorkerHeartbeat.objects.count() == 1  # one row per worker, updated


# --- The supervisor ------------------------------------------------------------------------


def test_supervisor_restarts_an_exiting_worker_with_a_doubling_delay(settings, caplog):
    settings.CANDOR_WORKER_RESTART_DELAY = 0.05
    settings.CANDOR_WORKER_RESTART_MAX_DELAY = 0.2
    caplog.set_level(logging.INFO, logger="candor.serve")
    supervisor = Supervisor([sys.executable, "-c", "raise SystemExit(3)"])
    supervisor.start()
    wait_until(lambda: supervisor.restarts >= 5)
    supervisor.stop()

    exits = [r.getMessage() for r in caplog.records if "exited" in r.getMessage()]
    assert all("exited with status 3" in m for m in exits)
    delays = [m.rsplit("another in ", 1)[1] for m in exits[:5]]
    assert delays == ["0.05 s", "0.1 s", "0.2 s", "0.2 s", "0.2 s"]
    assert not supervisor.is_alive()


def test_supervisor_keeps_trying_a_worker_that_cannot_be_started(settings, caplog, tmp_path):
    settings.CANDOR_WORKER_RESTART_DELAY = 0.05
    supervisor = Supervisor([str(tmp_path / "no-such-program")])
    supervisor.start()
    wait_until(lambda: supervisor.restarts >= 2)
    supervisor.stop()

    failed = [r.getMessage() for r in caplog.records if "could not be started" in r.getMessage()]
    assert len(failed) >= 2 and "No such file or directory" in failed[0]
    assert not supervisor.is_alive()


def test_supervisor_stop_ends_the_worker_and_restarts_nothing(settings, caplog):
    settings.CANDOR_WORKER_RESTART_DELAY = 0.05
    caplog.set_level(logging.INFO, logger="candor.serve")
    supervisor = Supervisor([sys.executable, "-c", "import time; time.sleep(600)"])
    supervisor.start()
    process = wait_until(lambda: supervisor.process)

    supervisor.stop()

    assert process.poll() is not None
    assert not supervisor.is_alive() and supervisor.restarts == 0
    assert not [r for r in caplog.records if "exited" in r.getMessage()]


# --- /metrics ------------------------------------------------------------------------------


def families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


def value(family, **labels) -> float:
    [sample] = [s for s in family.samples if s.labels == labels]
    return sample.value


def test_metrics_are_off_without_a_token_and_refused_without_the_right_one(
    client, page, alive, settings
):
    settings.CANDOR_METRICS_TOKEN = ""
    off = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    settings.CANDOR_METRICS_TOKEN = TOKEN
    missing = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guessed"})
    basic = client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})
    right = client.get(
        "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, REMOTE_ADDR="203.0.113.9"
    )

    assert off.status_code == 404 and b"candor_" not in off.content
    for refused in (missing, wrong, basic):
        assert refused.status_code == 401 and b"candor_" not in refused.content
        assert refused["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert right.status_code == 200
    assert right["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "no-cache" in right["Cache-Control"]


def test_metrics_parse_and_hold_every_named_series(client, page, alive, settings, monkeypatch):
    settings.CANDOR_METRICS_TOKEN = TOKEN
    add_emails(page, 4)
    subscriptions.add_subscriber(
        page, by=None, mode="webhook", endpoint="https://hooks.example.com/x", email="o@x.org"
    )
    services.declare_incident(page, by=None, name="Outage")
    # Two emails sent 3 s and 120 s after the fan-out, one failed, one waiting 50 s.
    emails = list(Delivery.objects.filter(subscriber__mode="email").order_by("pk"))
    for delivery, seconds in zip(emails[:2], (3, 120), strict=True):
        Delivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.SENT, sent_at=delivery.created_at + timedelta(seconds=seconds)
        )
    Delivery.objects.filter(pk=emails[2].pk).update(state=DeliveryState.FAILED)
    Delivery.objects.filter(pk=emails[3].pk).update(next_attempt_at=now() - timedelta(seconds=50))
    Delivery.objects.filter(subscriber__mode="webhook").update(
        next_attempt_at=now() + timedelta(hours=1)
    )
    monkeypatch.setattr(
        public_health,
        "render_failures",
        lambda: [DocumentFailure(page.id, "/history.rss", "ValueError: x")],
    )
    monkeypatch.setattr(public_health, "render_seconds", lambda: {page.id: 0.25})

    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    got = families(response.content.decode())

    deliveries = got["candor_deliveries"]
    assert value(deliveries, state="sent", channel="email") == 2
    assert value(deliveries, state="failed", channel="email") == 1
    assert value(deliveries, state="pending", channel="email") == 1
    assert value(deliveries, state="pending", channel="webhook") == 1
    assert value(deliveries, state="cancelled", channel="webhook") == 0
    assert 50 <= value(got["candor_delivery_oldest_due_age_seconds"]) < 3600
    latency = got["candor_delivery_send_latency_seconds"]
    assert latency.type == "histogram"
    buckets = {s.labels["le"]: s.value for s in latency.samples if s.name.endswith("_bucket")}
    assert (buckets["1.0"], buckets["5.0"], buckets["60.0"], buckets["300.0"]) == (0, 1, 1, 2)
    assert buckets["+Inf"] == 2
    assert value(latency, le="+Inf") == 2
    sums = {s.name: s.value for s in latency.samples if not s.name.endswith("_bucket")}
    assert sums == {
        "candor_delivery_send_latency_seconds_sum": 123,
        "candor_delivery_send_latency_seconds_count": 2,
    }
    assert value(got["candor_page_version"], page=page.id) == page.__class__.objects.get().version
    assert got["candor_public_version"].type == "gauge"
    assert got["candor_public_rendered_age_seconds"].type == "gauge"
    assert value(got["candor_public_render_failures"]) == 1
    assert value(got["candor_public_render_failing"], page=page.id, path="/history.rss") == 1
    assert value(got["candor_public_render_seconds"], page=page.id) == 0.25
    assert 0 <= value(got["candor_worker_heartbeat_age_seconds"]) < 60
    assert value(got["candor_workers_alive"]) == 1
    checks = got["candor_health_check"]
    assert {s.labels["check"]: s.value for s in checks.samples} == {
        "database": 1,
        "worker": 1,
        "deliveries": 1,
        "public": 0,
        "publish": 1,
    }


def test_metrics_label_values_are_escaped(client, page, alive, settings, monkeypatch):
    settings.CANDOR_METRICS_TOKEN = TOKEN
    odd = '/incidents/a"b\\c\nd'
    monkeypatch.setattr(
        public_health, "render_failures", lambda: [DocumentFailure(page.id, odd, "e")]
    )

    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).content.decode()

    assert value(families(text)["candor_public_render_failing"], page=page.id, path=odd) == 1
