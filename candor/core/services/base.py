"""What every service shares: the acting user or key, the audit record, the page version bump."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeAlias

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from candor.core import events
from candor.core.models import ApiKey, AuditEntry, Page

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Actor: TypeAlias = "User | ApiKey | None"

# Clocks drift: "in the past" tolerates a client a minute ahead of the server.
CLOCK_SKEW = timedelta(minutes=1)


def now() -> datetime:
    return timezone.now()


def actor_label(by: Actor) -> str:
    if by is None:
        return "Candor"
    if isinstance(by, ApiKey):
        return f"API key {by.name}"
    full_name = getattr(by, "get_full_name", lambda: "")()
    return full_name or by.get_username()


def audit(
    page: Page | None, by: Actor, action: str, obj: Any, summary: str, **data: Any
) -> AuditEntry:
    return AuditEntry.objects.create(
        page=page,
        at=now(),
        user=None if isinstance(by, ApiKey) else by,
        api_key=by if isinstance(by, ApiKey) else None,
        actor=actor_label(by),
        action=action,
        object_type=type(obj).__name__,
        object_id=str(getattr(obj, "pk", "") or ""),
        summary=summary[:500],
        data=data,
    )


def touch_page(page_id: str) -> None:
    """Mark a public change: bump the version now, tell the renderers once the commit lands."""
    Page.objects.filter(pk=page_id).update(version=F("version") + 1, updated_at=now())

    def announce() -> None:
        version = Page.objects.filter(pk=page_id).values_list("version", flat=True).first()
        if version is not None:
            events.page_changed.send(sender=Page, page_id=page_id, version=version)

    transaction.on_commit(announce)


def fail(field: str, message: str, code: str | None = None) -> ValidationError:
    """A refusal naming its field; `code` lets a surface tell kinds apart without reading text."""
    return ValidationError({field: [ValidationError(message, code=code)]})


def check_text(field: str, value: str, *, required: bool = False, max_length: int = 255) -> str:
    value = (value or "").strip()
    if required and not value:
        raise fail(field, "This field is required.")
    if len(value) > max_length:
        raise fail(field, f"Keep it to {max_length} characters or fewer (it has {len(value)}).")
    return value


def check_choice(field: str, value: str, choices: Any, label: str) -> str:
    if value not in choices:
        allowed = ", ".join(str(c) for c in choices)
        raise fail(field, f"{value!r} is not a valid {label}. Choose one of: {allowed}.")
    return value


def check_past(field: str, value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        raise fail(field, "Give a time with its time zone.")
    if value > now() + CLOCK_SKEW:
        raise fail(field, "This time is in the future.")
    return value
