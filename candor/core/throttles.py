"""Hourly limits kept in the database, so that they hold across every web process.

Each counted request is one SubscriptionThrottle row under a key such as `ip:<address>` or
`reset-email:<address>`; the subscribe forms and password resets count here. `expire_unconfirmed`
prunes rows older than two hours.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from candor.core.models import SubscriptionThrottle
from candor.core.services.base import now

HOUR = timedelta(hours=1)


class Throttled(Exception):
    """Too many requests under one key in the last hour."""


def count(key: str, since: timedelta = HOUR) -> int:
    return SubscriptionThrottle.objects.filter(key=key, at__gte=now() - since).count()


def note(*keys: str) -> None:
    at = now()
    SubscriptionThrottle.objects.bulk_create([SubscriptionThrottle(key=k, at=at) for k in keys])


def take(key: str, limit: int) -> bool:
    """Count one request under `key`; False (and nothing counted) once the hour's limit is met."""
    with transaction.atomic():
        if count(key) >= limit:
            return False
        note(key)
        return True


def admit(key: str, limit: int) -> None:
    """As take(), raising Throttled over the limit."""
    if not take(key, limit):
        raise Throttled(key)


# Password resets: each request can send a mail, so they are limited like subscriptions.
RESET_PER_ADDRESS_PER_HOUR = 3
RESET_PER_IP_PER_HOUR = 10
