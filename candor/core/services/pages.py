"""The page and its settings."""

from __future__ import annotations

import zoneinfo
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction

from candor.core import branding, images
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
    """Change page settings: name, url, time_zone, support_url, logo, stale_after_minutes, and
    the branding (accent colours, favicon, header and footer links, about text, custom CSS)."""
    require_administrator(by)
    page = Page.objects.select_for_update().get(pk=page.pk)
    checks = {
        "name": lambda v: check_text("name", v, required=True),
        "url": lambda v: _check_url("url", v),
        "support_url": lambda v: _check_url("support_url", v),
        "time_zone": _check_time_zone,
        "logo": lambda v: _check_logo(page, v),
        "stale_after_minutes": _check_minutes,
        "accent_light": lambda v: _check_colour("accent_light", v, "light"),
        "accent_dark": lambda v: _check_colour("accent_dark", v, "dark"),
        "favicon": lambda v: _check_image(page, "favicon", v),
        "header_links": lambda v: _check_links("header_links", v),
        "footer_links": lambda v: _check_links("footer_links", v),
        "about": lambda v: check_text("about", v, max_length=5000, multiline=True),
        "custom_css": _check_css,
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
    old_files = Page.objects.filter(pk=page.pk).values_list("logo", "favicon").get()
    page.save()
    for field, old in zip(("logo", "favicon"), old_files, strict=True):
        if field in changed and old:
            # The file goes once the row no longer points at it (kept if the transaction fails).
            storage = getattr(page, field).storage
            transaction.on_commit(partial(storage.delete, old))
    audit(page, by, "page.update", page, "Updated page settings", fields=changed)
    touch_page(page.pk)
    page.refresh_from_db()
    return page


def _check_colour(field: str, value: Any, scheme: str) -> str:
    value = check_text(field, value or "").strip()
    problem = branding.colour_problem(value, scheme)
    if problem:
        raise fail(field, problem)
    return value.lower()


def _check_links(field: str, value: Any) -> list[dict[str, str]]:
    if isinstance(value, str):
        links, problem = branding.parse_links(value)
    else:
        text = branding.links_text(branding.json_links(value))
        links, problem = branding.parse_links(text)
        if problem:
            # The API's list: its nth link, where the form's text has a line.
            problem = problem.replace("Line ", "Link ", 1)
        elif len(links) != len(value or []):
            problem = "Give each link a label and a url."
    if problem:
        raise fail(field, problem)
    return links


def _check_css(value: Any) -> str:
    value = check_text("custom_css", value or "", max_length=branding.MAX_CSS, multiline=True)
    problem = branding.css_problem(value)
    if problem:
        raise fail("custom_css", problem)
    return value


def _check_logo(page: Page, value: Any) -> Any:
    return _check_image(page, "logo", value)


def _check_image(page: Page, field: str, value: Any) -> Any:
    """Empty clears the image; anything else must be a raster image by its bytes (images.py)."""
    if not value:
        return ""
    refused = fail(field, f"Upload a {images.FORMATS} image.")
    try:
        value.seek(0)
        body = value.read(images.MAX_LOGO_BYTES + 1)
    except (AttributeError, OSError, ValueError):
        raise refused from None
    if not isinstance(body, bytes):
        raise refused
    if len(body) > images.MAX_LOGO_BYTES:
        raise fail(field, f"The {field} is too large: keep it to 512 KB or less.")
    kind = images.sniff(body)
    if kind is None:
        raise refused
    name = images.stored_name(page.pk, body, kind)
    current = getattr(page, field)
    if current and current.name == current.field.generate_filename(page, name):
        return current  # the same bytes again: nothing changes
    return ContentFile(body, name=name)


def _check_minutes(value: Any) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        raise fail("stale_after_minutes", "Give a whole number of minutes.") from None
    if not 5 <= minutes <= 24 * 60:
        raise fail("stale_after_minutes", "Choose between 5 minutes and 24 hours.")
    return minutes
