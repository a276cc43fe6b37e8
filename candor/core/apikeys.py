"""API keys: at least 32 random bytes, shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, FloatField, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from candor.core.models import ApiKey, Page
from candor.core.roles import require_administrator
from candor.core.services.base import Actor, audit, check_text, user_of

PREFIX = "cnd_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_api_key(*, by: Actor, name: str, page: Page | None = None) -> tuple[ApiKey, str]:
    """Returns the stored key and the plain key, which is never kept.

    The key belongs to whoever creates it and acts with that person's role as it is at each
    request (candor.core.roles); a key made by a key belongs to that key's owner.
    """
    require_administrator(by)
    name = check_text("name", name, required=True, max_length=100)
    plain = PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        name=name,
        key_hash=hash_key(plain),
        prefix=plain[: len(PREFIX) + 4],
        page=page,
        created_by=by.created_by if isinstance(by, ApiKey) else user_of(by),
        created_at=timezone.now(),
    )
    audit(page, by, "apikey.create", api_key, f"Created API key {name}")
    return api_key, plain


@transaction.atomic
def revoke_api_key(api_key: ApiKey, *, by: Actor) -> ApiKey:
    require_administrator(by)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit(api_key.page, by, "apikey.revoke", api_key, f"Revoked API key {api_key.name}")
    return api_key


def authenticate(plain: str) -> ApiKey | None:
    """The live key matching `plain`, or None. The lookup is by hash, so timing reveals nothing."""
    if not plain:
        return None
    return (
        ApiKey.objects.select_related("page", "created_by")
        .filter(key_hash=hash_key(plain), revoked_at__isnull=True)
        .first()
    )


# Statuspage clients send a key on every call; a minute is precise enough for "last used".
LAST_USED_PRECISION = timedelta(minutes=1)


def take_token(api_key: ApiKey) -> float:
    """Count one request against the key's rate limit; 0 if allowed, else seconds to wait.

    A generic cell rate algorithm: the row holds the theoretical arrival time (TAT) of the next
    request; a request is allowed while TAT is at most `burst - 1` intervals ahead of now, and
    pushes it one interval further. One conditional UPDATE does both, atomically, on SQLite and
    PostgreSQL alike, so the limit holds across any number of web processes.
    """
    at = timezone.now()
    rate = float(settings.CANDOR_API_RATE_LIMIT)
    keys = ApiKey.objects.filter(pk=api_key.pk)
    if rate <= 0:
        keys.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=at - LAST_USED_PRECISION)
        ).update(last_used_at=at)
        return 0.0
    interval = 1.0 / rate
    burst = max(1, int(settings.CANDOR_API_RATE_BURST))
    clock = at.timestamp()
    allowed = keys.filter(
        Q(rate_tat__isnull=True) | Q(rate_tat__lte=clock + (burst - 1) * interval)
    ).update(
        rate_tat=Greatest(
            Coalesce(F("rate_tat"), Value(clock, FloatField())), Value(clock, FloatField())
        )
        + Value(interval, FloatField()),
        last_used_at=at,
    )
    if allowed:
        return 0.0
    tat = keys.values_list("rate_tat", flat=True).first() or clock
    return max(tat - (burst - 1) * interval - clock, 0.001)
