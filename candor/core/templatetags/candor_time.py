"""Times in the active time zone (the page's: views and the email composer wrap rendering in
timezone.override(page.tz)), written one way everywhere (candor/core/timefmt.py)."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.safestring import SafeString

from candor.core import timefmt

register = template.Library()


@register.filter
def moment(value: datetime | None, style: str = "datetime") -> str:
    """`{{ update.display_at|moment }}`: "5 Mar 2026, 14:05 UTC+01:00" (plain text, for emails)."""
    return "" if value is None else timefmt.label(value, None, style)


@register.filter
def time_tag(value: datetime | None, style: str = "datetime") -> SafeString | str:
    """`{{ incident.started_at|time_tag }}`: the same words in a <time datetime="…"> element."""
    return "" if value is None else timefmt.time_element(value, None, style)
