"""The page and its settings."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction

from candor.core import images
from candor.core.models import Page
from candor.core.roles import require_administrator
from candor.core.services.base import Actor, audit, check_text, fail, now, touch_page


def _check_url(field: str, value: str) -> str:
    value = check_text(field, value)
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            raise fail(field, "Enter a full http:// or https:// address.") from None
    return value


def _check_time_zone(value: str) -> str:
    if value not in zoneinfo.available_timezones():
        raise fail("time_zone", f"{value!r} is not a known time zone (for example Europe/Paris).")
    return value


@transaction.atomic
def create_page(*, by: Actor, name: str, time_zone: str = "UTC", url: str = "") -> Page:
    require_administrator(by)
    page = Page.objects.create(
        name=check_text("name", name, required=True),
        time_zone=_check_time_zone(time_zone),
        url=_check_url("url", url),
        is_default=not Page.objects.filter(is_default=True).exists(),
        updated_at=now(),
    )
    audit(page, by, "page.create", page, f"Created page {page.name}")
    touch_page(page.pk)
    return page


@transaction.atomic
def ensure_default_page() -> Page:
    """The page every install starts with; idempotent."""
    page = Page.objects.filter(is_default=True).first()
    return page or create_page(by=None, name="Status")


@transaction.atomic
def update_page(page: Page, *, by: Actor, **fields: Any) -> Page:
    """Change page settings: name, url, time_zone, support_url, logo, stale_after_minutes."""
    require_administrator(by)
    page = Page.objects.select_for_update().get(pk=page.pk)
    checks = {
        "name": lambda v: check_text("name", v, required=True),
        "url": lambda v: _check_url("url", v),
        "support_url": lambda v: _check_url("support_url", v),
        "time_zone": _check_time_zone,
        "logo": lambda v: _check_logo(page, v),
        "stale_after_minutes": _check_minutes,
    }
    unknown = set(fields) - set(checks)
    if unknown:
        raise fail(sorted(unknown)[0], "This setting does not exist.")
    changed = []
    for field, value in fields.items():
        value = checks[field](value)
        if getattr(page, field) != value:
            setattr(page, field, value)
            changed.append(field)
    if not changed:
        return page
    old_logo = Page.objects.filter(pk=page.pk).values_list("logo", flat=True).get()
    page.save()
    if "logo" in changed and old_logo:
        # The file goes once the row no longer points at it (kept if the transaction fails).
        storage = page.logo.storage
        transaction.on_commit(lambda: storage.delete(old_logo))
    audit(page, by, "page.update", page, "Updated page settings", fields=changed)
    touch_page(page.pk)
    page.refresh_from_db()
    return page


def _check_logo(page: Page, value: Any) -> Any:
    """Empty clears the logo; anything else must be a raster image by its bytes (images.py)."""
    if not value:
        return ""
    refused = fail("logo", f"Upload a {images.FORMATS} image.")
    try:
        value.seek(0)
        body = value.read(images.MAX_LOGO_BYTES + 1)
    except (AttributeError, OSError, ValueError):
        raise refused from None
    if not isinstance(body, bytes):
        raise refused
    if len(body) > images.MAX_LOGO_BYTES:
        raise fail("logo", "The logo is too large: keep it to 512 KB or less.")
    kind = images.sniff(body)
    if kind is None:
        raise refused
    name = images.stored_name(page.pk, body, kind)
    if page.logo and page.logo.name == page.logo.field.generate_filename(page, name):
        return page.logo  # the same bytes again: nothing changes
    return ContentFile(body, name=name)


def _check_minutes(value: Any) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        raise fail("stale_after_minutes", "Give a whole number of minutes.") from None
    if not 5 <= minutes <= 24 * 60:
        raise fail("stale_after_minutes", "Choose between 5 minutes and 24 hours.")
    return minutes
