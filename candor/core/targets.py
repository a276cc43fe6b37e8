"""The checks of a subscriber's or team channel's address: an email address, a webhook URL the
SSRF guard lets through, a chat service's own incoming-webhook URL. Shared by the two writers
(candor.core.subscriptions and candor.core.teamchannels); they write nothing."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from candor.core.services.base import check_safe, fail
from candor.core.transports.guard import (
    PUBLIC_TARGET_REFUSAL,
    TargetRefused,
    Unresolvable,
    check_host,
)


def check_email(field: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise fail(field, "Enter an email address.")
    check_safe(field, value)
    try:
        EmailValidator()(value)
    except ValidationError:
        raise fail(field, "Enter a valid email address.") from None
    local, _, domain = value.rpartition("@")
    # The domain part is case-insensitive; keeping one spelling makes "already subscribed" exact.
    return f"{local}@{domain.lower()}"


def check_endpoint(value: str, *, detail: bool = True) -> str:
    """`detail` says why a target is refused (what it resolves to): operators only."""
    value = check_safe("endpoint", (value or "").strip())
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise fail("endpoint", "Enter an http:// or https:// URL.") from None
    if len(value) > 2000:
        raise fail("endpoint", "Keep the URL under 2,000 characters.")
    parts = urlsplit(value)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # URLValidator lets any five digits through
        raise fail("endpoint", "Enter a port from 1 to 65535.") from None
    try:
        check_host(parts.hostname or "", port)
    except Unresolvable:
        pass  # DNS may come later; every send checks again
    except TargetRefused as exc:
        raise fail("endpoint", str(exc) if detail else PUBLIC_TARGET_REFUSAL) from None
    return value


def check_chat_endpoint(mode: str, endpoint: str, *, detail: bool = True) -> str:
    """An incoming-webhook URL of the service's own (unless private targets are allowed), and
    one the SSRF guard lets through."""
    from candor.core.channels import channel_for

    endpoint = check_endpoint(endpoint, detail=detail)
    problem = channel_for(mode).url_problem(endpoint)
    if problem:
        raise fail("endpoint", problem)
    return endpoint
