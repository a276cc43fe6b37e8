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


def public_root(page_url: str) -> str:
    """The one public address every link to subscribers is made from: the page's public URL
    (Page.url), or BASE_URL for a page that has none; without a trailing slash."""
    return (page_url or settings.BASE_URL).rstrip("/")


def manage_url(subscriber_id: str, root: str) -> str:
    return manage_urls(subscriber_id, root)[1]


def unsubscribe_url(subscriber_id: str, root: str) -> str:
    return manage_urls(subscriber_id, root)[0]


def manage_urls(subscriber_id: str, root: str) -> tuple[str, str]:
    """The unsubscribe and manage links of one subscriber, signed once (a fan-out's hot path).
    `root` is public_root(page.url) for a link that leaves the site, "" for a path on it."""
    token = manage_token(subscriber_id)
    return (f"{root}/subscribe/unsubscribe/{token}/", f"{root}/subscribe/manage/{token}/")


def confirm_url(subscriber_id: str, root: str) -> str:
    return f"{root}/subscribe/confirm/{confirm_token(subscriber_id)}/"
