"""Signed links in emails and webhooks: confirm, manage, unsubscribe.

They carry a signed subscriber id (django.core.signing), so that confirming, managing and
unsubscribing work without a session or a cookie. This module imports nothing of Candor's:
the subscription service, the transports and the public pages all use it, and it uses none of
them. The paths match candor/public/subscriptions/urls.py.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing

# An unconfirmed subscription lapses, and its confirmation link stops working, after this.
CONFIRM_MAX_AGE = timedelta(days=7)
MANAGE_SALT = "candor.subscriber.manage"
CONFIRM_SALT = "candor.subscriber.confirm"


def manage_token(subscriber_id: str) -> str:
    return signing.Signer(salt=MANAGE_SALT).sign(subscriber_id)


def confirm_token(subscriber_id: str) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(subscriber_id)


def managed_id(token: str) -> str | None:
    """The subscriber id a manage/unsubscribe link is for; None for a tampered link."""
    try:
        return signing.Signer(salt=MANAGE_SALT).unsign(token)
    except signing.BadSignature:
        return None


def confirmed_id(token: str) -> str | None:
    """The subscriber id a confirmation link is for; None for a tampered or stale link."""
    try:
        return signing.TimestampSigner(salt=CONFIRM_SALT).unsign(token, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None


def manage_url(subscriber_id: str) -> str:
    return manage_urls(subscriber_id)[1]


def unsubscribe_url(subscriber_id: str) -> str:
    return manage_urls(subscriber_id)[0]


def manage_urls(subscriber_id: str) -> tuple[str, str]:
    """The unsubscribe and manage links of one subscriber, signed once (a fan-out's hot path)."""
    token = manage_token(subscriber_id)
    return (
        f"{settings.BASE_URL}/subscribe/unsubscribe/{token}/",
        f"{settings.BASE_URL}/subscribe/manage/{token}/",
    )


def confirm_url(subscriber_id: str) -> str:
    return f"{settings.BASE_URL}/subscribe/confirm/{confirm_token(subscriber_id)}/"
