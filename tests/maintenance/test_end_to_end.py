"""End to end, with real `candor worker` processes, a real SMTP server and a real HTTP receiver:
a window 20 s ahead starts and ends on its own, each notice arriving once with two workers
running, and a worker killed in the middle of the start transition."""

import os
import signal
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction

from candor.core import subscriptions
from candor.core.enums import ComponentStatus as CS
from candor.core.enums import IncidentStatus
from candor.core.models import (
    Component,
    Delivery,
    DeliveryState,
    Incident,
    WorkerHeartbeat,
)
from candor.core.services import maintenance
from candor.core.services.base import now
from tests.support.processes import wait_until, worker_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def schedule_ahead(page, components, seconds: float, minutes: float = 0.25, **flags):
    start = now() + timedelta(seconds=seconds)
    return maintenance.schedule_maintenance(
        page,
        by=None,
        name="Database upgrade",
        scheduled_for=start,
        scheduled_until=start + timedelta(minutes=minutes),
        components=components,
        message="We are upgrading the database.",
        flags=maintenance.Flags(
            scheduled_auto_in_progress=True, scheduled_auto_completed=True, **flags
        ),
    )


def status_of(window: Incident) -> str:
    return Incident.objects.get(pk=window.pk).status


def all_sent() -> bool:
    pending = Delivery.objects.exclude(state=DeliveryState.SENT)
    return Delivery.objects.exists() and not pending.exists()


def subjects(smtp, to: str) -> list[str]:
    return [m["Subject"] for m in list(smtp.messages) if m["To"] == to]


def test_a_window_20_seconds_ahead_starts_and_ends_on_time_once_with_two_workers(
    page, make_component, smtp, receiver, settings, workers, client
):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = True
    db, api = make_component("Database"), make_component("API")
    subscriptions.add_subscriber(
        page, by=None, mode="email", email="db@example.com", components=[db]
    )
    subscriptions.add_subscriber(
        page, by=None, mode="email", email="api@example.com", components=[api]
    )
    subscriptions.add_subscriber(
        page, by=None, mode="webhook", endpoint=receiver.url("/hook"), email="ops@example.com"
    )
    env = worker_env(smtp.port)
    workers(env)
    workers(env)
    wait_until(lambda: WorkerHeartbeat.objects.count() >= 2, timeout=60)

    window = schedule_ahead(page, [db], seconds=20)
    upcoming = client.get("/api/v2/scheduled-maintenances/upcoming.json").json()
    assert [m["id"] for m in upcoming["scheduled_maintenances"]] == [window.pk]

    wait_until(lambda: status_of(window) == IncidentStatus.IN_PROGRESS, timeout=60)
    window.refresh_from_db()
    started = window.updates.get(status=IncidentStatus.IN_PROGRESS)
    # The worker wakes for the start rather than polling: within 5 s of the scheduled time.
    assert timedelta(0) <= started.display_at - window.scheduled_for < timedelta(seconds=5)
    assert Component.objects.get(pk=db.pk).status == CS.UNDER_MAINTENANCE
    assert Component.objects.get(pk=api.pk).status == CS.OPERATIONAL
    active = client.get("/api/v2/scheduled-maintenances/active.json").json()
    assert [m["id"] for m in active["scheduled_maintenances"]] == [window.pk]

    wait_until(lambda: status_of(window) == IncidentStatus.COMPLETED, timeout=60)
    window.refresh_from_db()
    ended = window.updates.get(status=IncidentStatus.COMPLETED)
    assert timedelta(0) <= ended.display_at - window.scheduled_until < timedelta(seconds=5)
    assert window.resolved_at is not None
    assert Component.objects.get(pk=db.pk).status == CS.OPERATIONAL
    assert (
        client.get("/api/v2/scheduled-maintenances/active.json").json()["scheduled_maintenances"]
        == []
    )

    wait_until(all_sent, timeout=60)
    wait_until(lambda: len(smtp.messages) >= 3 and len(receiver.requests) >= 5, timeout=30)
    assert subjects(smtp, "db@example.com") == [
        "[Maintenance scheduled] Database upgrade",
        "[Maintenance in progress] Database upgrade",
        "[Maintenance completed] Database upgrade",
    ]
    assert subjects(smtp, "api@example.com") == []  # not one of its components
    bodies = [r.json for r in receiver.at("/hook")]
    incidents = [b["incident"]["status"] for b in bodies if "incident" in b]
    changes = [
        (b["component_update"]["old_status"], b["component_update"]["new_status"])
        for b in bodies
        if "component" in b
    ]
    assert Counter(incidents) == {"scheduled": 1, "in_progress": 1, "completed": 1}
    assert Counter(changes) == {
        ("operational", "under_maintenance"): 1,
        ("under_maintenance", "operational"): 1,
    }
    assert len({r.headers["webhook-id"] for r in receiver.at("/hook")}) == len(bodies)
    start_hook = next(b for b in bodies if b.get("incident", {}).get("status") == "in_progress")
    assert start_hook["incident"]["impact"] == "maintenance"
    assert start_hook["incident"]["scheduled_auto_in_progress"] is True


def test_a_worker_killed_during_the_start_transition_starts_it_once_after_restart(
    page, make_component, smtp, settings, workers
):
    db = make_component("Database")
    subscriptions.add_subscriber(page, by=None, mode="email", email="db@example.com")
    env = worker_env(smtp.port)
    window = schedule_ahead(page, [db], seconds=3, minutes=30)
    first = workers(env)
    with transaction.atomic():
        # Hold the window's row (SQLite: the write lock) so the worker blocks inside its start.
        Incident.objects.select_for_update().get(pk=window.pk)
        if connection.vendor == "postgresql":

            def blocked() -> bool:
                with connection.cursor() as cursor:
                    # Inside a transaction pg_stat_activity is a snapshot: take a fresh one.
                    cursor.execute("SELECT pg_stat_clear_snapshot()")
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                        "AND datname = current_database() AND wait_event_type = 'Lock' "
                        "AND query LIKE %s",
                        # The lock() of the start (the text is cut before its FOR UPDATE).
                        ['SELECT "core_incident"."id"%'],
                    )
                    return cursor.fetchone()[0] > 0

            wait_until(blocked, timeout=60)
        else:
            while now() < window.scheduled_for + timedelta(seconds=2):
                time.sleep(0.2)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    assert status_of(window) == IncidentStatus.SCHEDULED  # the dead worker wrote nothing

    workers(env)
    wait_until(lambda: status_of(window) == IncidentStatus.IN_PROGRESS, timeout=60)
    wait_until(lambda: len(subjects(smtp, "db@example.com")) >= 2, timeout=60)
    time.sleep(1)  # a duplicate would have arrived by now
    assert window.updates.filter(status=IncidentStatus.IN_PROGRESS).count() == 1
    assert Component.objects.get(pk=db.pk).status == CS.UNDER_MAINTENANCE
    started = window.updates.get(status=IncidentStatus.IN_PROGRESS)
    assert Delivery.objects.filter(update=started).count() == 1
    # The killed worker may have sent the earlier notice without recording it: it is sent
    # again with the same Message-ID (at least once, receivers dedupe). One message each.
    by_id = {
        m["Message-ID"]: m["Subject"] for m in list(smtp.messages) if m["To"] == "db@example.com"
    }
    assert sorted(by_id.values()) == [
        "[Maintenance in progress] Database upgrade",
        "[Maintenance scheduled] Database upgrade",
    ]
