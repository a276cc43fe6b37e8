"""What the delivery side tells /healthz and /metrics: worker heartbeats and the ledger's state.

Workers write their heartbeat through `beat()` (the only writer of WorkerHeartbeat); web
processes only read, a few indexed queries per request.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    Sum,
    Value,
    When,
)

from candor.core.models import (
    Delivery,
    DeliveryKind,
    DeliveryState,
    SubscriberMode,
    WorkerHeartbeat,
)
from candor.core.services.base import now

# Rows of workers silent this long are removed (a restart makes a new row: a new pid).
HEARTBEAT_RETENTION = timedelta(days=1)
# Send latency is measured over the deliveries created this recently and sent.
LATENCY_WINDOW = timedelta(hours=1)
LATENCY_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


# --- Heartbeats (written by workers) -------------------------------------------------------


def heartbeat_every() -> float:
    """Seconds between two beats: several per health threshold, so one slow loop never fails
    it, and never more often than every 5 s otherwise (one UPDATE each)."""
    threshold = settings.CANDOR_HEALTH_WORKER_SECONDS
    return min(5.0, threshold / 4) if threshold else 5.0


def beat(heartbeat_id: int | None, *, started_at: datetime) -> int:
    """Record that this worker process is alive; returns its row's id for the next beat."""
    at = now()
    if heartbeat_id is not None and WorkerHeartbeat.objects.filter(pk=heartbeat_id).update(
        beat_at=at
    ):
        return heartbeat_id
    # First beat, or the row was pruned or lost (a restored database): a new one.
    row = WorkerHeartbeat.objects.create(
        host=socket.gethostname()[:255], pid=os.getpid(), started_at=started_at, beat_at=at
    )
    return row.pk


def prune_heartbeats() -> int:
    _, deleted = WorkerHeartbeat.objects.filter(beat_at__lt=now() - HEARTBEAT_RETENTION).delete()
    return deleted.get("core.WorkerHeartbeat", 0)


# --- Reads ---------------------------------------------------------------------------------


def last_heartbeat() -> datetime | None:
    latest: datetime | None = WorkerHeartbeat.objects.aggregate(latest=Max("beat_at"))["latest"]
    return latest


def workers_alive(within: float) -> int:
    """Workers whose last beat is at most `within` seconds old."""
    return WorkerHeartbeat.objects.filter(beat_at__gte=now() - timedelta(seconds=within)).count()


def installed_at() -> datetime | None:
    """When this database was set up: its first migration. The grace of a fresh install."""
    first: datetime | None = MigrationRecorder.Migration.objects.aggregate(first=Min("applied"))[
        "first"
    ]
    return first


def oldest_due_delivery() -> datetime | None:
    """When the delivery waiting longest became due (pending, due now, in flight or not)."""
    oldest: datetime | None = Delivery.objects.filter(
        state=DeliveryState.PENDING, next_attempt_at__lte=now()
    ).aggregate(oldest=Min("next_attempt_at"))["oldest"]
    return oldest


def delivery_counts() -> dict[tuple[str, str], int]:
    """Rows in the ledger by (state, channel): a notification's channel is its subscriber's
    mode; every other kind of row is an email."""
    channel = Case(
        When(kind=DeliveryKind.NOTIFICATION, then=F("subscriber__mode")),
        When(kind=DeliveryKind.TEAM_EVENT, then=F("team_channel__mode")),
        default=Value(SubscriberMode.EMAIL.value),
    )
    rows = (
        Delivery.objects.annotate(channel=channel)
        .values_list("state", "channel")
        .annotate(n=Count("pk"))
    )
    return {(state, mode): n for state, mode, n in rows.order_by()}


@dataclass(frozen=True)
class Latency:
    """Seconds from a delivery's creation (the fan-out) to its being sent, over LATENCY_WINDOW:
    cumulative counts at each bucket bound, then the count and sum of all of them."""

    buckets: list[tuple[float, int]]
    count: int
    total_seconds: float


def send_latency() -> Latency:
    sent = Delivery.objects.filter(
        created_at__gte=now() - LATENCY_WINDOW, state=DeliveryState.SENT, sent_at__isnull=False
    )
    # One query, counted in the database: a fan-out is thousands of rows.
    waited = ExpressionWrapper(F("sent_at") - F("created_at"), output_field=DurationField())
    aggregates = {
        f"le{i}": Count("pk", filter=Q(sent_at__lte=F("created_at") + timedelta(seconds=bound)))
        for i, bound in enumerate(LATENCY_BUCKETS)
    }
    result = sent.aggregate(count=Count("pk"), total=Sum(waited), **aggregates)
    total: timedelta | None = result["total"]
    return Latency(
        buckets=[(bound, result[f"le{i}"]) for i, bound in enumerate(LATENCY_BUCKETS)],
        count=result["count"],
        total_seconds=total.total_seconds() if total else 0.0,
    )


# --- Checks --------------------------------------------------------------------------------


def _seconds(value: float) -> str:
    return f"{value:.0f} s"


def check_worker() -> Check:
    """A worker has beaten within CANDOR_HEALTH_WORKER_SECONDS. Before any worker ever ran,
    a fresh install gets that long from its first migration (docs/decisions.md)."""
    limit = settings.CANDOR_HEALTH_WORKER_SECONDS
    if not limit:
        return Check("worker", True, "not checked (CANDOR_HEALTH_WORKER_SECONDS=0)")
    at = now()
    last = last_heartbeat()
    if last is not None:
        age = max(0.0, (at - last).total_seconds())
        if age <= limit:
            alive = workers_alive(limit)
            return Check("worker", True, f"{alive} alive, last heartbeat {_seconds(age)} ago")
        return Check(
            "worker",
            False,
            f"no delivery worker heartbeat for {_seconds(age)} (limit {_seconds(limit)})",
        )
    since = installed_at()
    age = max(0.0, (at - since).total_seconds()) if since else 0.0
    if age <= limit:
        return Check("worker", True, "no delivery worker has run yet (fresh install)")
    return Check(
        "worker",
        False,
        f"no delivery worker has run since the database was set up {_seconds(age)} ago",
    )


def check_delivery_lag() -> Check:
    limit = settings.CANDOR_HEALTH_DELIVERY_LAG_SECONDS
    if not limit:
        return Check("deliveries", True, "not checked (CANDOR_HEALTH_DELIVERY_LAG_SECONDS=0)")
    oldest = oldest_due_delivery()
    if oldest is None:
        return Check("deliveries", True, "nothing due")
    age = max(0.0, (now() - oldest).total_seconds())
    if age <= limit:
        return Check("deliveries", True, f"oldest due delivery waiting {_seconds(age)}")
    return Check(
        "deliveries",
        False,
        f"oldest due delivery has waited {_seconds(age)} (limit {_seconds(limit)})",
    )
