from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template
from django.utils.safestring import SafeString

from candor.core import timefmt
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
IMPACT_LABELS = {
    "none": "No impact",
    "minor": "Minor",
    "major": "Major",
    "critical": "Critical",
    "maintenance": "Maintenance",
}


# One way of writing times everywhere (candor/core/timefmt.py); offset() is kept for callers.
offset = timefmt.offset


@register.simple_tag(takes_context=True)
def when(context: Any, value: datetime | None, style: str = "datetime") -> SafeString | str:
    """A <time> in the page's time zone with its offset: "5 Mar 2026, 14:05 UTC+01:00"."""
    if value is None:
        return ""
    return timefmt.time_element(value, context["tz"], style)


@register.filter
def on_day(value: date) -> str:
    """`{{ uptime.since|on_day }}`: "2 Dec 2026"."""
    return timefmt.day(value)


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
