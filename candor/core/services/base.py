"""What every service shares: the acting user or key, the audit record, the page version bump."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeAlias

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from candor.core import events
from candor.core.models import ApiKey, AuditEntry, Integration, Page

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# An Integration acts when a monitoring alert changes something (services/alerts.py).
Actor: TypeAlias = "User | ApiKey | Integration | None"

# Clocks drift: "in the past" tolerates a client a minute ahead of the server.
CLOCK_SKEW = timedelta(minutes=1)


def now() -> datetime:
    return timezone.now()


def actor_label(by: Actor) -> str:
    if by is None:
        return "Candor"
    if isinstance(by, ApiKey):
        return f"API key {by.name}"
    if isinstance(by, Integration):
        return by.label
    full_name = getattr(by, "get_full_name", lambda: "")()
    return full_name or by.get_username()


def user_of(by: Actor) -> User | None:
    """The person acting, if a person is (not a key, an integration or Candor itself)."""
    return None if by is None or isinstance(by, ApiKey | Integration) else by


def audit(
    page: Page | None, by: Actor, action: str, obj: Any, summary: str, **data: Any
) -> AuditEntry:
    return AuditEntry.objects.create(
        page=page,
        at=now(),
        user=user_of(by),
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


# What kind of refusal a ValidationError is, for the surfaces that answer differently (the API's
# 409 and 404); anything without one of these codes is invalid input.
CONFLICT = "conflict"  # the object is in a state that does not allow this
DUPLICATE = "duplicate"  # it already exists
NOT_FOUND = "not_found"  # the object was deleted meanwhile


def fail(field: str, message: str, code: str | None = None) -> ValidationError:
    """A refusal naming its field; `code` lets a surface tell kinds apart without reading text."""
    return ValidationError({field: [ValidationError(message, code=code)]})


def codes(error: ValidationError) -> set[str]:
    """The codes of every refusal in a service's ValidationError (see fail())."""
    refusals = (
        [e for errors in error.error_dict.values() for e in errors]
        if hasattr(error, "error_dict")
        else error.error_list
    )
    return {e.code for e in refusals if e.code}


# What no public document may carry: XML 1.0 refuses C0 controls and lone surrogates, and calls
# DEL, C1 controls and noncharacters "discouraged" (feed readers refuse them, the Atom feed of a
# page named with U+FFFE was malformed); PostgreSQL cannot store NUL.
_UNSAFE_RANGES = (
    r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff"
    + "".join(rf"\U{plane:04x}fffe\U{plane:04x}ffff" for plane in range(1, 17))
)
UNSAFE = re.compile(f"[{_UNSAFE_RANGES}]")
# In a single-line field (a name, a title, an address) a tab or line break is a paste artefact:
# it becomes a space, as a browser's one-line input would make it.
LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]+")


def _describe(char: str) -> str:
    point = ord(char)
    if 0xD800 <= point <= 0xDFFF:
        return "a lone surrogate (invalid Unicode)"
    if point <= 0x9F:
        return "a control character"
    return "a Unicode noncharacter"


def check_safe(field: str, value: str, *, multiline: bool = False) -> str:
    """Refuse text that would break a renderer (XML feeds, JSON, HTML, email): the one check
    every text input goes through, whatever the surface. Tab, LF and CR stay in multi-line text
    (bodies, descriptions) and become a space in single-line text."""
    found = UNSAFE.search(value)
    if found is not None:
        char = found.group()
        raise fail(
            field,
            f"This text contains {_describe(char)} (U+{ord(char):04X}, at character "
            f"{found.start() + 1}), which cannot be published: remove it.",
            code="unsafe_character",
        )
    return value if multiline else LINE_BREAKS.sub(" ", value)


def check_text(
    field: str,
    value: str,
    *,
    required: bool = False,
    max_length: int = 255,
    multiline: bool = False,
) -> str:
    value = (value or "").strip()
    if required and not value:
        raise fail(field, "This field is required.")
    if len(value) > max_length:
        raise fail(field, f"Keep it to {max_length} characters or fewer (it has {len(value)}).")
    return check_safe(field, value, multiline=multiline)


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
