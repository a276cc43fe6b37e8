"""Postmortems: drafted on a resolved incident, published, reverted, deleted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction

from candor.core.enums import CLOSED_STATUSES, IncidentStatus
from candor.core.models import Incident, IncidentUpdate, Postmortem, PostmortemTimelineEntry
from candor.core.services.base import (
    CONFLICT,
    NOT_FOUND,
    Actor,
    audit,
    check_text,
    fail,
    now,
    touch_page,
)
from candor.core.services.incidents import MAX_MESSAGE, add_entry, announce, lock, settle

TimelineEntry = tuple[datetime, str]

SECTIONS = Postmortem.SECTIONS


def _postmortem(incident: Incident) -> Postmortem:
    try:
        return Postmortem.objects.select_for_update().get(incident=incident)
    except Postmortem.DoesNotExist:
        raise fail("postmortem", "This incident has no postmortem yet.", NOT_FOUND) from None


@transaction.atomic
def save_postmortem(
    incident: Incident,
    *,
    by: Actor,
    title: str | None = None,
    summary: str | None = None,
    impact_description: str | None = None,
    root_cause: str | None = None,
    corrective_actions: str | None = None,
    body_draft: str | None = None,
    timeline: Sequence[TimelineEntry] | None = None,
) -> Postmortem:
    """Create or edit the postmortem; fields left as None keep their value."""
    incident = lock(incident)
    if incident.is_maintenance:
        raise fail("incident", "A maintenance has no postmortem; post an update instead.", CONFLICT)
    if incident.status not in CLOSED_STATUSES:
        raise fail("incident", "A postmortem can be added only to a resolved incident.", CONFLICT)
    values: dict[str, str] = {}
    if title is not None:
        values["title"] = check_text("title", title)
    for field, value in zip(
        (*SECTIONS, "body_draft"),
        (summary, impact_description, root_cause, corrective_actions, body_draft),
        strict=True,
    ):
        if value is not None:
            values[field] = check_text(field, value, max_length=MAX_MESSAGE, multiline=True)
    entries: list[TimelineEntry] = []
    for at, description in timeline or ():
        if at is None:
            raise fail("timeline", "Every timeline entry needs a time.")
        description = check_text(
            "timeline", description, required=True, max_length=2000, multiline=True
        )
        entries.append((at, description))

    at = now()
    postmortem, created = Postmortem.objects.select_for_update().get_or_create(
        incident=incident, defaults={"created_at": at, "updated_at": at}
    )
    for field, value in values.items():
        setattr(postmortem, field, value)
    postmortem.updated_at = at
    postmortem.save()
    if timeline is not None:
        postmortem.timeline.all().delete()
        PostmortemTimelineEntry.objects.bulk_create(
            PostmortemTimelineEntry(postmortem=postmortem, position=i, at=when, description=text)
            for i, (when, text) in enumerate(entries, start=1)
        )
    verb = "Started" if created else "Saved"
    audit(incident.page, by, "postmortem.save", postmortem, f"{verb} postmortem of {incident.name}")
    if postmortem.is_published:
        touch_page(incident.page_id)
    return postmortem


@transaction.atomic
def publish_postmortem(incident: Incident, *, by: Actor, notify: bool = False) -> Postmortem:
    """Make the postmortem public: the incident's status becomes Postmortem."""
    incident = lock(incident)
    postmortem = _postmortem(incident)
    if postmortem.is_published:
        return postmortem
    if incident.status not in CLOSED_STATUSES:
        raise fail("incident", "Resolve the incident before publishing its postmortem.", CONFLICT)
    if not (
        postmortem.title or postmortem.body_draft or any(getattr(postmortem, f) for f in SECTIONS)
    ):
        raise fail("postmortem", "Write the postmortem before publishing it.")
    at = now()
    postmortem.published_at = at
    postmortem.notified_subscribers = notify
    postmortem.updated_at = at
    postmortem.save()
    entry = add_entry(
        incident,
        by=by,
        status=IncidentStatus.POSTMORTEM,
        body=f"A postmortem has been published: {postmortem.title or incident.name}.",
        display_at=at,
        at=at,
        notify=notify,
    )
    incident.updated_at = at
    settle(incident, at=at, cause="postmortem published", notify=False)
    announce(entry, None, notify=notify)
    audit(
        incident.page,
        by,
        "postmortem.publish",
        postmortem,
        f"Published postmortem of {incident.name}",
    )
    touch_page(incident.page_id)
    return postmortem


def _withdraw(incident: Incident) -> None:
    """Remove the entry publishing added: the incident is again what the rest of its timeline
    says (Resolved, unless an entry posted since reopened it)."""
    incident.updates.filter(status=IncidentStatus.POSTMORTEM).delete()
    incident.updated_at = now()
    settle(incident, at=incident.updated_at, cause="postmortem withdrawn", notify=False)


@transaction.atomic
def revert_postmortem(incident: Incident, *, by: Actor) -> Postmortem:
    """Take the postmortem back to draft; the incident returns to Resolved (its timeline says)."""
    incident = lock(incident)
    postmortem = _postmortem(incident)
    if not postmortem.is_published:
        return postmortem
    postmortem.published_at = None
    postmortem.updated_at = now()
    postmortem.save(update_fields=["published_at", "updated_at"])
    _withdraw(incident)
    audit(
        incident.page,
        by,
        "postmortem.revert",
        postmortem,
        f"Reverted postmortem of {incident.name}",
    )
    touch_page(incident.page_id)
    return postmortem


@transaction.atomic
def delete_postmortem(incident: Incident, *, by: Actor) -> None:
    incident = lock(incident)
    postmortem = _postmortem(incident)
    was_published = postmortem.is_published
    if was_published:
        _withdraw(incident)
    audit(
        incident.page, by, "postmortem.delete", postmortem, f"Deleted postmortem of {incident.name}"
    )
    postmortem.delete()
    if was_published:
        touch_page(incident.page_id)


def timeline_from_updates(incident: Incident) -> list[TimelineEntry]:
    """A starting timeline for the editor: one entry per posted update, oldest first."""
    updates = IncidentUpdate.objects.filter(incident=incident).exclude(
        status=IncidentStatus.POSTMORTEM
    )
    return [
        (u.display_at, f"{u.get_status_display()}: {u.body}".strip().rstrip(":"))
        for u in updates.order_by("display_at", "created_at")
    ]
