"""The ledger's writers: the fan-out (one Delivery row per update or status change and matching
subscriber) and every other outgoing mail (one Delivery row of its kind), both in the writer's
transaction. Sending them is the worker's job: no web request talks to a mail server."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import Case, Q, QuerySet, When

from candor.core import events
from candor.core.enums import IncidentKind
from candor.core.models import (
    ComponentStatusChange,
    Delivery,
    DeliveryKind,
    DeliveryState,
    Incident,
    IncidentUpdate,
    IncidentUpdateRevision,
    Page,
    Subscriber,
    SubscriberMode,
    SubscriberState,
    TeamChannel,
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
    page: Page | None = None,
    team_channel: TeamChannel | None = None,
) -> Delivery:
    """One email of `kind` to a subscriber (its address, or a webhook's contact) or to a user.
    It is composed when the worker sends it, from what the row points to, so that the ledger
    holds no secret link; it goes out with the notifications' retries. A mail to a user may
    be about a team channel (it goes to the user all the same)."""
    assert kind not in (DeliveryKind.NOTIFICATION, DeliveryKind.TEAM_EVENT)
    assert team_channel is None or user is not None
    at = now()
    page_id = subscriber.page_id if subscriber else incident.page_id if incident else None
    page_id = page_id or (page.pk if page else None)
    delivery = Delivery.objects.create(
        kind=kind,
        page_id=page_id,
        subscriber=subscriber,
        user=user,
        incident=incident,
        team_channel=team_channel,
        next_attempt_at=at,
        created_at=at,
    )
    notify_workers()
    transaction.on_commit(lambda: events.deliveries_created.send(sender=Delivery))
    return delivery


def mail_administrators(
    kind: DeliveryKind, *, page: Page, team_channel: TeamChannel | None = None
) -> int:
    """What needs an Administrator (a frozen integration, a disabled team channel): one mail
    of `kind` to every active Administrator with an address, in the caller's transaction."""
    from django.contrib.auth import get_user_model

    admins = get_user_model().objects.filter(is_active=True, is_superuser=True).exclude(email="")
    sent = 0
    for user in admins:
        enqueue_mail(kind, user=user, page=page, team_channel=team_channel)
        sent += 1
    return sent


def fan_out_update(
    update: IncidentUpdate, *, revision: IncidentUpdateRevision | None = None
) -> int:
    incident = update.incident
    component_ids = list(incident.affected.values_list("component_id", flat=True))
    at = now()
    # Webhooks and chat messages first (the worker claims in this order): each is one quick
    # request, while emails go out in batches behind them.
    subscribers = _matching(incident.page_id, component_ids)
    if incident.kind == IncidentKind.MAINTENANCE:
        # Opted out on the manage page: no maintenance notices.
        subscribers = subscribers.filter(maintenance_notices=True)
    ids = subscribers.order_by(
        Case(When(mode=SubscriberMode.EMAIL, then=1), default=0), "pk"
    ).values_list("pk", flat=True)
    return _create(
        [
            Delivery(
                page_id=incident.page_id,
                subscriber_id=sid,
                update=update,
                revision=revision,
                next_attempt_at=at,
                created_at=at,
            )
            for sid in ids
        ]
    )


def fan_out_correction(revision: IncidentUpdateRevision) -> int:
    """The operator chose to announce a correction: one more message about the entry."""
    return fan_out_update(revision.update, revision=revision)


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
