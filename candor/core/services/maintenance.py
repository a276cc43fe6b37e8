"""Scheduled maintenance: windows announced ahead, started and completed by hand or on time.

A maintenance is an Incident of kind maintenance (as Statuspage models it): its timeline holds
`scheduled`, `in_progress`, `verifying`, `completed` (or Candor's `cancelled`) entries, and its
status is what that timeline says, through the incidents' one rule (`settle()`). While it is in
progress its components are under maintenance: one layer of the effective status
(`components.maintenance_layer`). Every transition locks the incident row and re-reads its
status, so a window starts, ends, is announced and reminded once, whoever runs it (a person, or
any of several workers, or a worker that restarted after dying mid-transition).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from candor.core import notifications, teamchannels
from candor.core.enums import (
    MAINTENANCE_ACTIVE,
    MAINTENANCE_OPEN,
    ComponentStatus,
    Impact,
    IncidentKind,
    IncidentStatus,
)
from candor.core.models import (
    Component,
    Incident,
    IncidentUpdate,
    MaintenanceSeries,
    Page,
    TeamEvent,
)
from candor.core.services.base import (
    CLOCK_SKEW,
    CONFLICT,
    Actor,
    audit,
    check_text,
    fail,
    now,
    touch_page,
)
from candor.core.services.incidents import (
    MAX_MESSAGE,
    ComponentChoice,
    add_entry,
    announce,
    apply_components,
    check_components,
    lock,
    settle,
    snapshot,
)

# The longest reminder lead (a week): the worker looks that far ahead for reminders to send.
MAX_REMIND_MINUTES = 7 * 24 * 60

STARTED = "Scheduled maintenance is currently in progress. We will provide updates as necessary."
COMPLETED = "The scheduled maintenance has been completed."
CANCELLED = "This scheduled maintenance has been cancelled."


@dataclass(frozen=True)
class Flags:
    """The window's settings, named as Statuspage's manage API names them (plus Candor's)."""

    deliver_notifications: bool = True
    scheduled_remind_prior: bool = False
    remind_minutes_before: int = 60
    scheduled_auto_in_progress: bool = False
    scheduled_auto_completed: bool = False
    auto_transition_to_maintenance_state: bool = True
    auto_transition_to_operational_state: bool = True
    auto_transition_deliver_notifications_at_start: bool = True
    auto_transition_deliver_notifications_at_end: bool = True


FLAG_FIELDS = tuple(Flags.__dataclass_fields__)


def _aware(field: str, value: datetime | None, *, required: bool = True) -> datetime | None:
    if value is None:
        if required:
            raise fail(field, "This field is required.")
        return None
    if timezone.is_naive(value):
        raise fail(field, "Give a time with its time zone.")
    return value


def check_window(
    scheduled_for: datetime | None,
    scheduled_until: datetime | None,
    *,
    new: bool,
    at: datetime,
) -> tuple[datetime, datetime]:
    """The window's start and end: both given, the end after the start, a new one not past."""
    start = _aware("scheduled_for", scheduled_for)
    end = _aware("scheduled_until", scheduled_until)
    assert start is not None and end is not None
    if end <= start:
        raise fail("scheduled_until", "The window must end after it starts.")
    if new and start < at - CLOCK_SKEW:
        raise fail(
            "scheduled_for",
            "This start is in the past: schedule a window that starts now or later.",
        )
    return start, end


def check_flags(flags: Flags) -> Flags:
    if not 1 <= flags.remind_minutes_before <= MAX_REMIND_MINUTES:
        raise fail(
            "remind_minutes_before",
            f"Remind between 1 and {MAX_REMIND_MINUTES} minutes (a week) before the start.",
        )
    return flags


def _check_public_from(public_from: datetime | None, end: datetime) -> datetime | None:
    public_from = _aware("public_from", public_from, required=False)
    if public_from is not None and public_from >= end:
        raise fail("public_from", "A window must become public before it ends.")
    return public_from


def _component_choice(
    page: Page, components: ComponentChoice | Iterable[Component], flags: Flags
) -> dict:
    choice = check_components(page, components)
    if not flags.auto_transition_to_maintenance_state:
        # Listed as affected, their status left to the other layers.
        choice = {c: s or ComponentStatus.OPERATIONAL for c, s in choice.items()}
    return choice


def _when(incident: Incident, value: datetime) -> str:
    local = value.astimezone(incident.page.tz)
    return f"{local:%Y-%m-%d %H:%M} {incident.page.time_zone}"


@transaction.atomic
def schedule_maintenance(
    page: Page,
    *,
    by: Actor,
    name: str,
    scheduled_for: datetime | None,
    scheduled_until: datetime | None,
    components: ComponentChoice | Iterable[Component] = (),
    message: str = "",
    flags: Flags = Flags(),
    public_from: datetime | None = None,
    series: MaintenanceSeries | None = None,
    occurrence: datetime | None = None,
) -> Incident:
    """Schedule a window. It is public at once, or from `public_from` (the worker announces
    it then); the creation notice goes out when it becomes public, if `deliver_notifications`."""
    name = check_text("name", name, required=True)
    message = check_text("message", message, max_length=MAX_MESSAGE, multiline=True)
    at = now()
    start, end = check_window(scheduled_for, scheduled_until, new=True, at=at)
    flags = check_flags(flags)
    public_from = _check_public_from(public_from, end)
    choice = _component_choice(page, components, flags)
    public = public_from is None or public_from <= at

    incident = Incident.objects.create(
        page=page,
        kind=IncidentKind.MAINTENANCE,
        name=name,
        impact=Impact.MAINTENANCE,
        status=IncidentStatus.SCHEDULED,
        # Statuspage's started_at of a maintenance is when it was created (its timeline's start).
        started_at=at,
        scheduled_for=start,
        scheduled_until=end,
        public_from=public_from,
        announced_at=at if public else None,
        series=series,
        occurrence=occurrence,
        last_update_at=at,
        created_at=at,
        updated_at=at,
        **{field: getattr(flags, field) for field in FLAG_FIELDS},
    )
    apply_components(incident, choice)
    notify = public and flags.deliver_notifications
    entry = add_entry(
        incident,
        by=by,
        status=IncidentStatus.SCHEDULED,
        body=message,
        display_at=at,
        at=at,
        notify=flags.deliver_notifications,
    )
    changes = settle(incident, at=at, cause="maintenance scheduled", notify=notify)
    announce(entry, snapshot(incident, changes), notify=notify)
    # The worker's maintenance job wakes for it, to time its start (notify or not).
    notifications.notify_workers()
    audit(page, by, "maintenance.create", incident, f"Scheduled maintenance {name}")
    touch_page(page.pk)
    return incident


@transaction.atomic
def edit_maintenance(
    incident: Incident,
    *,
    by: Actor,
    name: str | None = None,
    scheduled_for: datetime | None = None,
    scheduled_until: datetime | None = None,
    components: ComponentChoice | Iterable[Component] | None = None,
    flags: Flags | None = None,
    public_from: datetime | None = None,
    message: str = "",
    notify: bool | None = None,
    from_series: bool = False,
) -> Incident:
    """Rename, reschedule or reconfigure a window that is not over. A new start or end, or a
    `message`, adds a timeline entry (the "rescheduled" notice, or the message), sent if
    `notify` says so, or without it if the window's notices are on (and it is public); the entry
    says whether it was sent. Every edit raises the calendar's SEQUENCE; an occurrence of a
    series edited here leaves the series."""
    incident = lock(incident)
    _require_maintenance(incident)
    if incident.status not in MAINTENANCE_OPEN:
        raise fail("status", "This maintenance is over; it can no longer be changed.", CONFLICT)
    at = now()
    if name is not None:
        name = check_text("name", name, required=True)
    message = check_text("message", message, max_length=MAX_MESSAGE, multiline=True)
    start = scheduled_for or incident.scheduled_for
    end = scheduled_until or incident.scheduled_until
    moved_start = scheduled_for is not None and scheduled_for != incident.scheduled_for
    moved_end = scheduled_until is not None and scheduled_until != incident.scheduled_until
    # A start moved while the window is still to come must not be in the past.
    start, end = check_window(
        start, end, new=moved_start and incident.status == IncidentStatus.SCHEDULED, at=at
    )
    flags = check_flags(flags) if flags is not None else None
    if public_from is not None:
        _check_public_from(public_from, end)
    chosen = flags or Flags(**{f: getattr(incident, f) for f in FLAG_FIELDS})
    choice = (
        _component_choice(incident.page, components, chosen) if components is not None else None
    )

    if name is not None:
        incident.name = name
    if flags is not None:
        for field in FLAG_FIELDS:
            setattr(incident, field, getattr(flags, field))
    if public_from is not None and incident.announced_at is None:
        incident.public_from = public_from
    if moved_start:
        incident.scheduled_for = start
        # A reminder for the old time says nothing about the new one.
        incident.scheduled_reminded_at = None
    if moved_end:
        incident.scheduled_until = end
    if choice is not None:
        incident.affected.exclude(component__in=list(choice)).delete()
        apply_components(incident, choice)
    if not from_series and incident.series_id:
        incident.detached = True
    incident.sequence += 1
    incident.updated_at = at
    rescheduled = moved_start or moved_end
    if notify is None:
        notify = incident.deliver_notifications
    notify = notify and incident.announced_at is not None
    if rescheduled or message:
        body = message or (
            f"This maintenance has been rescheduled: it now runs from "
            f"{_when(incident, start)} to {_when(incident, end)}."
        )
        entry = add_entry(
            incident,
            by=by,
            status=incident.status,
            body=body,
            display_at=at,
            at=at,
            notify=notify,
        )
        changes = settle(incident, at=at, cause="maintenance edited", notify=notify)
        # The entry says whether it notified: it did, once (a reschedule or a message alike).
        announce(entry, snapshot(incident, changes), notify=notify)
    else:
        settle(incident, at=at, cause="maintenance edited", notify=notify)
    notifications.notify_workers()
    audit(incident.page, by, "maintenance.edit", incident, f"Edited maintenance {incident.name}")
    touch_page(incident.page_id)
    return incident


def _require_maintenance(incident: Incident) -> None:
    if not incident.is_maintenance:
        raise fail("incident", "This is an incident, not a maintenance.", CONFLICT)


def _transition(
    incident: Incident,
    *,
    by: Actor,
    status: str,
    body: str,
    notify: bool,
    cause: str,
    action: str,
    summary: str,
) -> IncidentUpdate:
    at = now()
    if incident.announced_at is None and status != IncidentStatus.CANCELLED:
        incident.announced_at = at  # a window under way is public, whatever it waited for
    if status == IncidentStatus.CANCELLED:
        incident.sequence += 1
    incident.updated_at = at
    entry = add_entry(
        incident, by=by, status=status, body=body, display_at=at, at=at, notify=notify
    )
    changes = settle(incident, at=at, cause=cause, notify=notify)
    announce(entry, snapshot(incident, changes), notify=notify)
    audit(incident.page, by, action, incident, summary)
    touch_page(incident.page_id)
    return entry


@transaction.atomic
def start_maintenance(
    incident: Incident, *, by: Actor, message: str = "", notify: bool | None = None
) -> IncidentUpdate:
    """Begin the work now: the window's components go under maintenance. `notify` None: a
    start by hand tells subscribers (whatever the window's `deliver_notifications`)."""
    message = check_text("message", message, max_length=MAX_MESSAGE, multiline=True)
    incident = lock(incident)
    _require_maintenance(incident)
    if incident.status != IncidentStatus.SCHEDULED:
        raise fail("status", "Only a scheduled maintenance can be started.", CONFLICT)
    return _transition(
        incident,
        by=by,
        status=IncidentStatus.IN_PROGRESS,
        body=message or STARTED,
        notify=True if notify is None else notify,
        cause="maintenance started",
        action="maintenance.start",
        summary=f"Started maintenance {incident.name}",
    )


@transaction.atomic
def complete_maintenance(
    incident: Incident, *, by: Actor, message: str = "", notify: bool | None = None
) -> IncidentUpdate:
    """End the work: the components return to what the other layers say. `notify` None: a
    completion by hand tells subscribers (whatever the window's `deliver_notifications`)."""
    message = check_text("message", message, max_length=MAX_MESSAGE, multiline=True)
    incident = lock(incident)
    _require_maintenance(incident)
    if incident.status not in MAINTENANCE_ACTIVE:
        raise fail(
            "status",
            "Only a maintenance in progress can be completed; cancel one that has not started.",
            CONFLICT,
        )
    return _transition(
        incident,
        by=by,
        status=IncidentStatus.COMPLETED,
        body=message or COMPLETED,
        notify=True if notify is None else notify,
        cause="maintenance completed",
        action="maintenance.complete",
        summary=f"Completed maintenance {incident.name}",
    )


@transaction.atomic
def cancel_maintenance(
    incident: Incident, *, by: Actor, message: str = "", notify: bool | None = None
) -> IncidentUpdate:
    """Call off a window that has not started; calendars show it cancelled. `notify` None:
    the window's `deliver_notifications` decides."""
    message = check_text("message", message, max_length=MAX_MESSAGE, multiline=True)
    incident = lock(incident)
    _require_maintenance(incident)
    if incident.status != IncidentStatus.SCHEDULED:
        raise fail(
            "status",
            "Only a scheduled maintenance can be cancelled; complete it instead.",
            CONFLICT,
        )
    if incident.series_id:
        incident.detached = True  # a series edit must not bring it back
    if notify is None:
        notify = incident.deliver_notifications
    return _transition(
        incident,
        by=by,
        status=IncidentStatus.CANCELLED,
        body=message or CANCELLED,
        notify=notify and incident.announced_at is not None,
        cause="maintenance cancelled",
        action="maintenance.cancel",
        summary=f"Cancelled maintenance {incident.name}",
    )


# --- What the worker does on time (candor/core/scheduled.py runs these) ---------------------


@transaction.atomic
def announce_window(incident: Incident) -> bool:
    """Make a window public at its `public_from`, with its creation notice. Once: False when
    another worker did it first."""
    incident = lock(incident)
    if incident.announced_at is not None or incident.status not in MAINTENANCE_OPEN:
        return False
    incident.announced_at = now()
    incident.save(update_fields=["announced_at"])
    first = incident.updates.order_by("display_at", "created_at").first()
    if first is not None and first.deliver_notifications:
        notifications.fan_out_update(first)
    audit(incident.page, None, "maintenance.announce", incident, f"Announced {incident.name}")
    touch_page(incident.page_id)
    return True


@transaction.atomic
def remind(incident: Incident) -> IncidentUpdate | None:
    """The "begins in N minutes" notice, once (scheduled_reminded_at holds that it was sent)."""
    incident = lock(incident)
    if (
        incident.status != IncidentStatus.SCHEDULED
        or incident.scheduled_reminded_at is not None
        or not incident.scheduled_remind_prior
    ):
        return None
    at = now()
    incident.scheduled_reminded_at = at
    assert incident.scheduled_for is not None  # every maintenance has its window
    minutes = max(1, round((incident.scheduled_for - at).total_seconds() / 60))
    notify = incident.deliver_notifications and incident.announced_at is not None
    entry = add_entry(
        incident,
        by=None,
        status=IncidentStatus.SCHEDULED,
        body=f"The scheduled maintenance will begin in {minutes} minutes.",
        display_at=at,
        at=at,
        notify=notify,
    )
    settle(incident, at=at, cause="maintenance reminder", notify=False)
    # Statuspage's reminders carry no components ("affected_components": null).
    announce(entry, None, notify=notify)
    audit(incident.page, None, "maintenance.remind", incident, f"Reminded of {incident.name}")
    first = incident.updates.order_by("display_at").first()  # what the window is for
    teamchannels.notify_team(
        incident.page,
        TeamEvent.MAINTENANCE_REMINDER,
        title=f"Maintenance begins in {minutes} minutes: {incident.name}",
        text=first.body if first else "",
        url=f"{settings.BASE_URL}/manage/maintenance/{incident.pk}/",
        button="Open the maintenance",
        impact=incident.impact,
    )
    touch_page(incident.page_id)
    return entry


def auto_start(incident: Incident) -> IncidentUpdate | None:
    """Start a window at its time, if nobody did (None: already started, or cancelled)."""
    with transaction.atomic():
        incident = lock(incident)
        if incident.status != IncidentStatus.SCHEDULED or not incident.scheduled_auto_in_progress:
            return None
        return start_maintenance(
            incident,
            by=None,
            notify=incident.auto_transition_deliver_notifications_at_start,
        )


def auto_complete(incident: Incident) -> IncidentUpdate | None:
    """Complete a window at its end, if it is still under way."""
    with transaction.atomic():
        incident = lock(incident)
        if incident.status not in MAINTENANCE_ACTIVE or not incident.scheduled_auto_completed:
            return None
        return complete_maintenance(
            incident,
            by=None,
            notify=incident.auto_transition_deliver_notifications_at_end,
        )


def remind_at(incident: Incident) -> datetime:
    assert incident.scheduled_for is not None
    return incident.scheduled_for - timedelta(minutes=incident.remind_minutes_before)
