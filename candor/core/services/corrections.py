"""Correcting a posted timeline entry: edit its message, status or display time, or delete it.

Each edit keeps a revision (who, when, before and after), which the operators see and which
makes the public timeline say "edited"; the incident is settled again by the one rule
(`incidents.settle()`), so its status and times follow the corrected timeline.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from candor.core import notifications
from candor.core.enums import IncidentStatus
from candor.core.models import IncidentUpdate, IncidentUpdateRevision
from candor.core.services.base import (
    CONFLICT,
    NOT_FOUND,
    Actor,
    actor_label,
    audit,
    check_past,
    check_text,
    fail,
    now,
    touch_page,
    user_of,
)
from candor.core.services.incidents import (
    MAX_MESSAGE,
    check_after_start,
    check_status,
    lock,
    settle,
)


def _locked_entry(update: IncidentUpdate) -> IncidentUpdate:
    try:
        return IncidentUpdate.objects.select_for_update().get(pk=update.pk)
    except IncidentUpdate.DoesNotExist:
        raise fail(
            "incident_update", "This update no longer exists; it may have been deleted.", NOT_FOUND
        ) from None


def _checked_status(entry_status: str, status: str | None, kind: str) -> str | None:
    if status is None or status == entry_status:
        return None
    if entry_status == IncidentStatus.POSTMORTEM:
        raise fail(
            "status",
            "This entry marks the published postmortem; revert the postmortem to change it.",
            CONFLICT,
        )
    return check_status(status, kind)


@transaction.atomic
def edit_update(
    update: IncidentUpdate,
    *,
    by: Actor,
    body: str | None = None,
    display_at: datetime | None = None,
    status: str | None = None,
    notify: bool = False,
) -> IncidentUpdate:
    """Correct a posted entry's message, status or display time, keeping a revision.

    The incident's status and times are derived again: a new status or display time can make
    another entry the latest, resolve or reopen the incident. Subscribers are told about the
    correction only when `notify` is True (off by default: most corrections are typos).
    """
    if body is not None:
        body = check_text("body", body, max_length=MAX_MESSAGE, multiline=True)
    display_at = check_past("display_at", display_at)
    incident = lock(update.incident)
    entry = _locked_entry(update)
    if entry.incident_id != incident.pk:
        raise fail("incident_update", "This update belongs to another incident.", NOT_FOUND)
    status = _checked_status(entry.status, status, incident.kind)
    if display_at is not None:
        check_after_start(incident, display_at)

    new_body = entry.body if body is None else body
    new_status = status or entry.status
    new_display_at = entry.display_at if display_at is None else display_at
    before = (entry.body, entry.status, entry.display_at)
    if (new_body, new_status, new_display_at) == before:
        return entry  # nothing changes: no revision, nobody notified
    at = now()
    revision = IncidentUpdateRevision.objects.create(
        update=entry,
        at=at,
        author=user_of(by),
        author_name=actor_label(by),
        old_body=entry.body,
        new_body=new_body,
        old_status=entry.status,
        new_status=new_status,
        old_display_at=entry.display_at,
        new_display_at=new_display_at,
        notified=notify,
    )
    entry.body, entry.status, entry.display_at = new_body, new_status, new_display_at
    entry.edited_at = entry.updated_at = at
    entry.save(update_fields=["body", "status", "display_at", "edited_at", "updated_at"])
    incident.updated_at = at
    settle(incident, at=at, cause="incident update edited", notify=notify)
    if notify:
        notifications.fan_out_correction(revision)
    audit(
        incident.page,
        by,
        "incident_update.edit",
        entry,
        f"Edited an update of {incident.name}",
        incident=incident.pk,
        revision=revision.pk,
        notified=notify,
    )
    touch_page(incident.page_id)
    return entry


@transaction.atomic
def delete_update(update: IncidentUpdate, *, by: Actor) -> None:
    """Remove one entry from a timeline and derive the incident's status and times again.

    An incident keeps at least one entry (delete the incident instead), and the entry that marks
    a published postmortem goes only by reverting the postmortem. Deliveries not yet sent about
    the entry go with it; the audit log keeps what it said.
    """
    incident = lock(update.incident)
    entry = _locked_entry(update)
    if entry.incident_id != incident.pk:
        raise fail("incident_update", "This update belongs to another incident.", NOT_FOUND)
    if entry.status == IncidentStatus.POSTMORTEM:
        raise fail(
            "incident_update",
            "This entry marks the published postmortem; revert the postmortem to remove it.",
            CONFLICT,
        )
    if not incident.updates.exclude(pk=entry.pk).exists():
        raise fail(
            "incident_update",
            "This is the incident's only update; delete the incident instead.",
            CONFLICT,
        )
    at = now()
    audit(
        incident.page,
        by,
        "incident_update.delete",
        entry,
        f"Deleted a {entry.get_status_display()} update of {incident.name}",
        incident=incident.pk,
        status=entry.status,
        body=entry.body[:2000],
        display_at=entry.display_at.isoformat(),
    )
    entry.delete()
    incident.updated_at = at
    settle(incident, at=at, cause="incident update deleted", notify=False)
    touch_page(incident.page_id)
