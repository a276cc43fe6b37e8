"""API keys: at least 32 random bytes, shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from candor.core.models import ApiKey, Page
from candor.core.services.base import Actor, audit, check_text

PREFIX = "cnd_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_api_key(*, by: Actor, name: str, page: Page | None = None) -> tuple[ApiKey, str]:
    """Returns the stored key and the plain key, which is never kept."""
    name = check_text("name", name, required=True, max_length=100)
    plain = PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        name=name,
        key_hash=hash_key(plain),
        prefix=plain[: len(PREFIX) + 4],
        page=page,
        created_by=None if isinstance(by, ApiKey) else by,
        created_at=timezone.now(),
    )
    audit(page, by, "apikey.create", api_key, f"Created API key {name}")
    return api_key, plain


@transaction.atomic
def revoke_api_key(api_key: ApiKey, *, by: Actor) -> ApiKey:
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
        ApiKey.objects.select_related("page")
        .filter(key_hash=hash_key(plain), revoked_at__isnull=True)
        .first()
    )
