"""/maintenance.ics and /maintenance/<component id>.ics: the page's windows as an iCalendar
feed (RFC 5545) that calendar clients subscribe to.

Each occurrence keeps one UID for life, SEQUENCE is the window's change count (so clients
replace their copy), a cancelled window stays with STATUS:CANCELLED (so clients remove it),
and every time is UTC.
"""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlsplit

from icalendar import Calendar, Event

from candor.core.enums import IncidentStatus
from candor.core.models import Incident
from candor.core.serializers import public_url
from candor.public.documents import Document
from candor.public.render.load import Front

CALENDAR_TYPE = "text/calendar; charset=utf-8"
PATH = "/maintenance.ics"


def component_path(component_id: str) -> str:
    return f"/maintenance/{component_id}.ics"


def _event(incident: Incident, base: str, host: str) -> Event:
    assert incident.scheduled_for is not None and incident.scheduled_until is not None
    event = Event()
    event.add("uid", f"maintenance-{incident.pk}@{host}")
    event.add("sequence", incident.sequence)
    event.add("dtstamp", incident.updated_at.astimezone(UTC))
    event.add("dtstart", incident.scheduled_for.astimezone(UTC))
    event.add("dtend", incident.scheduled_until.astimezone(UTC))
    event.add("summary", f"Maintenance: {incident.name}")
    updates = list(incident.updates.all())  # newest first
    components = ", ".join(a.component.display_name for a in incident.affected.all())
    lines = [u.body for u in updates[-1:] if u.body]
    if components:
        lines.append(f"Affects: {components}")
    if lines:
        event.add("description", "\n\n".join(lines))
    event.add("url", f"{base}/incidents/{incident.pk}")
    cancelled = incident.status == IncidentStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    return event


def _calendar(front: Front, windows: list[Incident], name: str) -> bytes:
    base = public_url(front.page).rstrip("/")
    host = urlsplit(base).hostname or "candor"
    calendar = Calendar()
    calendar.add("prodid", "-//Candor//Scheduled maintenance//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for incident in windows:
        calendar.add_component(_event(incident, base, host))
    return calendar.to_ical()


def build(front: Front) -> list[Document]:
    windows = sorted(front.maintenances, key=lambda i: (i.scheduled_for, i.pk))
    page = front.page
    docs = [Document(PATH, _calendar(front, windows, f"{page.name} maintenance"), CALENDAR_TYPE)]
    for _, components in front.groups:
        for component in components:
            mine = [
                w for w in windows if any(a.component_id == component.pk for a in w.affected.all())
            ]
            name = f"{page.name} maintenance: {component.name}"
            docs.append(
                Document(component_path(component.pk), _calendar(front, mine, name), CALENDAR_TYPE)
            )
    return docs
