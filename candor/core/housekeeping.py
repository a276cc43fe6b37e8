"""Housekeeping: the worker's periodic jobs, apart from fan-out. Reminders to the team about
silent incidents, the retention of old deliveries and subscribers, expired heartbeats."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from candor.core.health import prune_heartbeats
from candor.core.models import (
    Delivery,
    DeliveryKind,
    DeliveryState,
    Incident,
    Subscriber,
    SubscriberState,
    TeamEvent,
)
from candor.core.notifications import enqueue_mail
from candor.core.services.alerts import prune_alerts
from candor.core.services.base import now
from candor.core.subscriptions import expire_unconfirmed
from candor.core.teamchannels import notify_team

logger = logging.getLogger("candor.worker")


def run() -> None:
    """What `candor worker` does every 30 seconds; one job failing does not stop the others."""
    for job in (send_reminders, expire_unconfirmed, prune_heartbeats):
        try:
            job()
        except Exception:
            logger.exception("housekeeping: %s failed", job.__name__)


# --- Reminders to the team --------------------------------------------------------------------


def send_reminders() -> int:
    """Each active incident silent for its page's stale_after_minutes: one email to every
    Responder and Administrator, repeated at most once per that interval while it stays silent.
    Returns how many reminders were put in the ledger."""
    at = now()
    sent = 0
    incidents = Incident.objects.active().filter(backfilled=False).select_related("page")
    for incident in incidents:
        quiet = timedelta(minutes=incident.page.stale_after_minutes)
        if incident.last_update_at > at - quiet:
            continue
        if incident.reminded_at is not None and incident.reminded_at > at - quiet:
            continue
        with transaction.atomic():
            # A conditional update claims the reminder: of several workers, only one sends it;
            # the claim and the ledger rows commit together.
            claimed = Incident.objects.filter(
                pk=incident.pk, reminded_at=incident.reminded_at
            ).update(reminded_at=at)
            if not claimed:
                continue
            staff = get_user_model().objects.filter(is_active=True).exclude(email="")
            for user in staff:
                enqueue_mail(DeliveryKind.REMINDER, user=user, incident=incident)
                sent += 1
            sent += _remind_team(incident, at)
    return sent


def _remind_team(incident: Incident, at: datetime) -> int:
    """The same reminder to the team channels that want it (Slack, Teams, Discord, email)."""
    minutes = int((at - incident.last_update_at).total_seconds() // 60)
    return notify_team(
        incident.page,
        TeamEvent.REMINDER,
        title=f'No update on "{incident.name}" for {minutes} minutes',
        text=(
            f"The incident is still {incident.get_status_display()}. A \"We're still "
            'investigating" update every 30 minutes is better than silence.'
        ),
        url=f"{settings.BASE_URL}/manage/incidents/{incident.pk}/",
        button="Post an update",
        impact=incident.impact,
    )


# --- Retention --------------------------------------------------------------------------------

RETENTION = timedelta(days=90)


def prune() -> dict[str, int]:
    """Deliveries older than 90 days; quarantined and lapsed subscribers after 90 days."""
    cutoff = now() - RETENTION
    _, deliveries = (
        Delivery.objects.filter(created_at__lt=cutoff).exclude(state=DeliveryState.PENDING).delete()
    )
    _, quarantined = Subscriber.objects.filter(
        state__in=[SubscriberState.QUARANTINED], quarantined_at__lt=cutoff
    ).delete()
    _, gone = Subscriber.objects.filter(
        state__in=[SubscriberState.UNSUBSCRIBED, SubscriberState.DISABLED],
        unsubscribed_at__lt=cutoff,
    ).delete()
    return {
        "deliveries": deliveries.get("core.Delivery", 0),
        "quarantined subscribers": quarantined.get("core.Subscriber", 0),
        "unsubscribed subscribers": gone.get("core.Subscriber", 0),
        "unconfirmed subscribers": expire_unconfirmed(),
        **prune_alerts(cutoff),
    }
