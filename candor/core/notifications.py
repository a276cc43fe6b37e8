"""The ledger's writers: the fan-out (one Delivery row per update or status change and matching
subscriber) and every other outgoing mail (one Delivery row of its kind), both in the writer's
transaction. Sending them is the worker's job: no web request talks to a mail server."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import Q, QuerySet

from candor.core import events
from candor.core.models import (
    ComponentStatusChange,
    Delivery,
    DeliveryKind,
    DeliveryState,
    Incident,
    IncidentUpdate,
    Subscriber,
    SubscriberMode,
    SubscriberState,
)
from candor.core.services.base import Actor, audit, now

if TYPE_CHECKING:
    from django.contrib.auth.models import User

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


def enqueue_mail(
    kind: DeliveryKind,
    *,
    subscriber: Subscriber | None = None,
    user: User | None = None,
    incident: Incident | None = None,
) -> Delivery:
    """One email of `kind` to a subscriber (its address, or a webhook's contact) or to a user.
    It is composed when the worker sends it, from what the row points to, so that the ledger
    holds no secret link; it goes out with the notifications' retries."""
    assert kind != DeliveryKind.NOTIFICATION
    at = now()
    page_id = subscriber.page_id if subscriber else incident.page_id if incident else None
    delivery = Delivery.objects.create(
        kind=kind,
        page_id=page_id,
        subscriber=subscriber,
        user=user,
        incident=incident,
        next_attempt_at=at,
        created_at=at,
    )
    notify_workers()
    transaction.on_commit(lambda: events.deliveries_created.send(sender=Delivery))
    return delivery


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
