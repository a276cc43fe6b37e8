from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from candor.core.enums import ComponentStatus, IncidentStatus
from candor.public import text

register = template.Library()

# Every status is shown with words and an icon, never by colour alone.
STATUS_ICONS: dict[str, str] = {
    ComponentStatus.OPERATIONAL: "✓",
    ComponentStatus.DEGRADED_PERFORMANCE: "!",
    ComponentStatus.PARTIAL_OUTAGE: "◐",
    ComponentStatus.MAJOR_OUTAGE: "✕",
    ComponentStatus.UNDER_MAINTENANCE: "⚙",
}
INDICATOR_ICONS = {"none": "✓", "minor": "!", "major": "◐", "critical": "✕", "maintenance": "⚙"}
IMPACT_LABELS = {"none": "No impact", "minor": "Minor", "major": "Major", "critical": "Critical"}


def offset(value: datetime) -> str:
    raw = value.strftime("%z")  # +0100
    return "UTC" if raw in ("", "+0000") else f"UTC{raw[:3]}:{raw[3:]}"


def local(value: datetime, tz: tzinfo) -> datetime:
    return value.astimezone(tz)


@register.simple_tag(takes_context=True)
def when(context: Any, value: datetime | None, style: str = "datetime") -> SafeString | str:
    """A <time> in the page's time zone with its offset: "5 Mar 2026, 14:05 UTC+01:00"."""
    if value is None:
        return ""
    moment = local(value, context["tz"])
    if style == "date":
        label = f"{moment.day} {moment:%b %Y}"
    elif style == "time":
        label = f"{moment:%H:%M} {offset(moment)}"
    else:
        label = f"{moment.day} {moment:%b %Y}, {moment:%H:%M} {offset(moment)}"
    return format_html('<time datetime="{}">{}</time>', moment.isoformat(timespec="seconds"), label)


@register.filter
def status_label(status: str) -> str:
    return str(ComponentStatus(status).label) if status in ComponentStatus.values else status


@register.filter
def status_icon(status: str) -> str:
    return STATUS_ICONS.get(status, "?")


@register.filter
def indicator_icon(indicator: str) -> str:
    return INDICATOR_ICONS.get(indicator, "?")


@register.filter
def incident_status_label(status: str) -> str:
    return str(IncidentStatus(status).label) if status in IncidentStatus.values else status


@register.filter
def impact_label(impact: str) -> str:
    return IMPACT_LABELS.get(impact, impact)


@register.filter
def markdown(value: str) -> SafeString:
    return text.markdown(value or "")
