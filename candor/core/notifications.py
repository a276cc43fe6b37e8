"""Fan-out: one Delivery row per (update or status change, matching subscriber), in the writer's
transaction. Sending them is the worker's job."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Q, QuerySet

from candor.core import events
from candor.core.models import (
    ComponentStatusChange,
    Delivery,
    DeliveryState,
    IncidentUpdate,
    Subscriber,
    SubscriberMode,
    SubscriberState,
)
from candor.core.services.base import Actor, audit, now

# PostgreSQL NOTIFY channel the workers LISTEN on.
CHANNEL = "candor_deliveries"


def notify_workers() -> None:
    """Inside the writer's transaction: PostgreSQL delivers the NOTIFY only if it commits."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])


def _matching(page_id: str, component_ids: list[str]) -> QuerySet[Subscriber]:
    subscribers = Subscriber.objects.active().filter(page_id=page_id)
    if component_ids:
        # A subscriber with no chosen components hears about everything.
        subscribers = subscribers.filter(
            Q(components__isnull=True) | Q(components__in=component_ids)
        ).distinct()
    return subscribers


def _create(rows: list[Delivery]) -> int:
    if rows:
        Delivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        notify_workers()
        transaction.on_commit(lambda: events.deliveries_created.send(sender=Delivery))
    return len(rows)


def fan_out_update(update: IncidentUpdate) -> int:
    incident = update.incident
    component_ids = list(incident.affected.values_list("component_id", flat=True))
    at = now()
    # Webhooks first (the worker claims in this order): machines act on them, and each is one
    # quick request, while emails go out in batches behind them.
    ids = (
        _matching(incident.page_id, component_ids)
        .order_by("-mode", "pk")
        .values_list("pk", flat=True)
    )
    return _create(
        [
            Delivery(
                page_id=incident.page_id,
                subscriber_id=sid,
                update=update,
                next_attempt_at=at,
                created_at=at,
            )
            for sid in ids
        ]
    )


def fan_out_status_change(change: ComponentStatusChange) -> int:
    """Webhook subscribers are told about every effective component status change."""
    at = now()
    ids = (
        _matching(change.page_id, [change.component_id])
        .filter(mode=SubscriberMode.WEBHOOK)
        .values_list("pk", flat=True)
    )
    return _create(
        [
            Delivery(
                page_id=change.page_id,
                subscriber_id=sid,
                status_change=change,
                next_attempt_at=at,
                created_at=at,
            )
            for sid in ids
        ]
    )


@transaction.atomic
def retry_failed(update: IncidentUpdate, *, by: Actor) -> int:
    """Give the update's failed deliveries to still-active subscribers a fresh schedule."""
    count = Delivery.objects.filter(
        update=update, state=DeliveryState.FAILED, subscriber__state=SubscriberState.ACTIVE
    ).update(state=DeliveryState.PENDING, attempts=0, next_attempt_at=now(), lease_until=None)
    if count:
        notify_workers()
        transaction.on_commit(lambda: events.deliveries_created.send(sender=Delivery))
        audit(
            update.incident.page,
            by,
            "deliveries.retry",
            update,
            f"Retried {count} failed deliveries of an update to {update.incident.name}",
        )
    return count
