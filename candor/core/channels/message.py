"""What a chat message says, before any service's format: an incident update, a test message
on subscribing, or an event for the team. Each channel's format() turns one into its JSON."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from candor.core import links
from candor.core.enums import ComponentStatus, Impact, IncidentStatus
from candor.core.models import IncidentUpdate, Page


@dataclass(frozen=True)
class Message:
    page_name: str
    title: str
    # Where the button goes: the incident's public page (or what a team event is about).
    url: str
    button: str = "View incident"
    # Operator Markdown, converted to each service's dialect.
    body: str = ""
    status: str = ""  # a label: "Identified"
    impact: str = ""  # an Impact value ("" for a message that is about no incident)
    components: tuple[tuple[str, str], ...] = ()  # (name, status label)
    resolved: bool = False
    # (label, url) shown small at the end: the subscriber's manage and unsubscribe links.
    links: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def impact_label(self) -> str:
        return str(Impact(self.impact).label) if self.impact in Impact.values else ""

    @property
    def summary(self) -> str:
        """One line: what a phone's notification shows."""
        head = f"{self.status}: {self.title}" if self.status else self.title
        return f"[{self.page_name}] {head}"

    def for_subscriber(self, subscriber_id: str, page_url: str = "") -> Message:
        """With the subscriber's links, made from the page's public address (BASE_URL when
        the page has none)."""
        unsubscribe, manage = links.manage_urls(subscriber_id, links.public_root(page_url))
        return dataclasses.replace(
            self, links=(("Manage subscription", manage), ("Unsubscribe", unsubscribe))
        )


def _status_label(status: str) -> str:
    return str(ComponentStatus(status).label) if status in ComponentStatus.values else status


def incident_url(page: Page, incident_id: str) -> str:
    from candor.core.serializers import public_url

    return f"{public_url(page).rstrip('/')}/incidents/{incident_id}"


def from_update(update: IncidentUpdate, page: Page) -> Message:
    incident = update.incident
    return Message(
        page_name=page.name,
        title=incident.name,
        url=incident_url(page, incident.pk),
        body=update.body,
        status=update.get_status_display(),
        impact=update.impact or incident.impact,
        components=tuple(
            (str(c["name"]), _status_label(c.get("new_status", "")))
            for c in update.affected_components or []
        ),
        resolved=update.status in (IncidentStatus.RESOLVED, IncidentStatus.POSTMORTEM),
    )


def for_test(page: Page, label: str) -> Message:
    from candor.core.serializers import public_url

    return Message(
        page_name=page.name,
        title=f"{page.name} will post its incident updates here",
        url=public_url(page),
        button="Open the status page",
        body=(
            f"This is a test message: this {label} channel is now subscribed to **{page.name}**. "
            "Every new incident and every update will appear here."
        ),
    )


def from_event(event: Mapping[str, Any], page_name: str) -> Message:
    """A team event as the ledger row holds it (candor.core.teamchannels.notify_team)."""
    return Message(
        page_name=page_name,
        title=str(event.get("title", "")),
        url=str(event.get("url") or f"{settings.BASE_URL}/manage/"),
        button=str(event.get("button") or "Open Candor"),
        body=str(event.get("text", "")),
        impact=str(event.get("impact", "")),
        links=(("Team channels", f"{settings.BASE_URL}/manage/team-channels/"),),
    )
