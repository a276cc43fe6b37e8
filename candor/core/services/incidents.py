"""Incidents and their timeline: declare, post updates, rename, delete (corrections.py edits
and deletes a posted entry).

An incident's status and times are what its timeline says: `derive_state()` reads them off the
entries, and `settle()` is the one function that writes them; every service that changes a
timeline (here and in postmortems.py) writes its entries, calls `settle()`, then audits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from candor.core import notifications
from candor.core.enums import (
    ACTIVE_STATUSES,
    CLOSED_STATUSES,
    IMPACT_COMPONENT_STATUS,
    INCIDENT_IMPACTS,
    MAINTENANCE_POSTABLE,
    POSTABLE_STATUSES,
    WATCHING_STATUSES,
    ComponentStatus,
    Impact,
    IncidentKind,
    IncidentStatus,
)
from candor.core.models import (
    AffectedComponent,
    Component,
    ComponentStatusChange,
    Incident,
    IncidentUpdate,
    Page,
)
from candor.core.services.base import (
    CONFLICT,
    NOT_FOUND,
    Actor,
    actor_label,
    audit,
    check_choice,
    check_past,
    check_text,
    fail,
    now,
    touch_page,
    user_of,
)
from candor.core.services.components import StatusChanges, recompute

# Per affected component: the status to impose, or None to follow the impact.
ComponentChoice = Mapping[Component, str | None]

MAX_MESSAGE = 25000


def check_status(status: str, kind: str = IncidentKind.INCIDENT) -> str:
    if status == IncidentStatus.POSTMORTEM:
        raise fail("status", "Postmortem is set by publishing a postmortem, not posted by hand.")
    if kind == IncidentKind.MAINTENANCE:
        if status == IncidentStatus.CANCELLED:
            raise fail("status", "Cancel a maintenance with Cancel, not with an update.")
        return check_choice("status", status, MAINTENANCE_POSTABLE, "maintenance status")
    return check_choice("status", status, POSTABLE_STATUSES, "incident status")


def check_components(page: Page, components: ComponentChoice | Iterable[Component]) -> dict:
    choice: dict[Component, str | None] = (
        dict(components) if isinstance(components, Mapping) else dict.fromkeys(components)
    )
    for component, status in choice.items():
        if component.page_id != page.pk:
            raise fail("components", f"{component.name} belongs to another page.")
        if status is not None:
            check_choice("components", status, ComponentStatus.values, "component status")
    return choice


def apply_components(incident: Incident, choice: Mapping[Component, str | None]) -> None:
    """Impose statuses: a chosen one is kept by hand; None follows the impact."""
    existing = {a.component_id: a for a in incident.affected.all()}
    for component, status in choice.items():
        manual = status is not None
        imposed = status if status is not None else IMPACT_COMPONENT_STATUS[incident.impact]
        row = existing.get(component.pk)
        if row is None:
            AffectedComponent.objects.create(
                incident=incident, component=component, status=imposed, manual=manual
            )
        elif (row.status, row.manual) != (imposed, manual):
            row.status, row.manual = imposed, manual
            row.save(update_fields=["status", "manual"])


def _set_impact(incident: Incident, impact: str | None) -> None:
    """A new impact re-applies its mapping to the components not set by hand (DESIGN §2)."""
    if impact is None or impact == incident.impact:
        return
    incident.impact = impact
    incident.affected.filter(manual=False).update(status=IMPACT_COMPONENT_STATUS[impact])


def check_after_start(incident: Incident, display_at: datetime) -> None:
    if display_at < incident.started_at:
        raise fail("display_at", "An update cannot come before the incident started.")


# --- The rule: an incident is what its timeline says ---------------------------------------------


@dataclass(frozen=True)
class IncidentState:
    status: str
    monitoring_at: datetime | None
    resolved_at: datetime | None
    last_update_at: datetime
    latest: IncidentUpdate


def derive_state(entries: Sequence[IncidentUpdate]) -> IncidentState:
    """An incident's status and times from its timeline, given oldest first by display time.

    The status is the latest entry's (docs/decisions.md); `monitoring_at` is when it last went
    into Monitoring (a maintenance: Verifying); `resolved_at` is when the closing run of closed
    entries (Resolved, Postmortem; a maintenance's Completed or Cancelled) began, None while
    the latest entry is open. Read off the whole timeline rather than moved one post at a
    time, they stay right when an entry is backdated or its time is edited.
    """
    if not entries:
        raise ValueError("An incident always has at least one timeline entry.")
    status: str | None = None
    monitoring_at: datetime | None = None
    resolved_at: datetime | None = None
    for entry in entries:
        if entry.status in WATCHING_STATUSES and status not in WATCHING_STATUSES:
            monitoring_at = entry.display_at
        if entry.status not in CLOSED_STATUSES:
            resolved_at = None
        elif status not in CLOSED_STATUSES:
            resolved_at = entry.display_at
        status = entry.status
    latest = entries[-1]
    return IncidentState(latest.status, monitoring_at, resolved_at, latest.display_at, latest)


def settle(incident: Incident, *, at: datetime, cause: str, notify: bool) -> StatusChanges:
    """Write what the timeline says onto the incident, then recompute the components it holds.

    The only writer of an incident's status, monitoring_at, resolved_at and last_update_at;
    every service that adds, moves or removes an entry calls it. An open status reopens a
    retroactive incident as a live one, which from then on affects its components. Saves the
    incident with whatever else the caller changed on it; component changes are logged at `at`.
    """
    timeline = incident.updates.order_by("display_at", "created_at")
    state = derive_state(list(timeline.only("status", "display_at", "created_at")))
    incident.status = state.status
    incident.monitoring_at = state.monitoring_at
    incident.resolved_at = state.resolved_at
    incident.last_update_at = state.last_update_at
    if state.status in ACTIVE_STATUSES:
        incident.backfilled = False
    incident.save()
    if incident.backfilled:
        return {}  # a past incident never changes current statuses
    component_ids = incident.affected.values_list("component_id", flat=True)
    return recompute(component_ids, at=at, incident=incident, cause=cause, notify=notify)


# --- Timeline entries ----------------------------------------------------------------------------


def snapshot(
    incident: Incident, changes: StatusChanges, *, before: Mapping[str, str] | None = None
) -> list[dict[str, str]] | None:
    """Each affected component's effective status before and after this entry."""
    rows = list(
        AffectedComponent.objects.filter(incident=incident)
        .select_related("component__group")
        .order_by("component__position", "component__name")
    )
    if not rows:
        return None
    snapshot = []
    for row in rows:
        component = row.component
        old, new = changes.get(component.pk, (component.status, component.status))
        if before is not None:
            old = before.get(component.pk, old)
        snapshot.append(
            {
                "code": component.pk,
                "name": component.display_name,
                "old_status": old,
                "new_status": new,
            }
        )
    return snapshot


def add_entry(
    incident: Incident,
    *,
    by: Actor,
    status: str,
    body: str,
    display_at: datetime,
    at: datetime,
    notify: bool,
    idempotency_key: str | None = None,
) -> IncidentUpdate:
    """Write one timeline entry; `announce()` completes it once the incident is settled."""
    return IncidentUpdate.objects.create(
        idempotency_key=idempotency_key or None,
        incident=incident,
        status=status,
        body=body,
        impact=incident.impact,
        display_at=display_at,
        deliver_notifications=notify,
        author=user_of(by),
        author_name=actor_label(by),
        created_at=at,
        updated_at=at,
    )


def announce(entry: IncidentUpdate, snapshot: list[dict[str, str]] | None, *, notify: bool) -> None:
    """Record what the entry did to its components, and tell the subscribers about it."""
    if snapshot is not None:
        entry.affected_components = snapshot
        entry.save(update_fields=["affected_components"])
    if notify:
        notifications.fan_out_update(entry)


# --- Services ------------------------------------------------------------------------------------


def _declared_times(
    retroactive: bool,
    started_at: datetime | None,
    resolved_at: datetime | None,
    display_at: datetime | None,
    at: datetime,
) -> tuple[datetime, datetime]:
    """When a new incident started, and the display time of its first entry."""
    if retroactive:
        if started_at is None:
            raise fail("started_at", "A retroactive incident needs the time it started.")
        resolved_at = resolved_at or at
        if resolved_at < started_at:
            raise fail("resolved_at", "The incident cannot be resolved before it started.")
        # Its first entry is its resolution.
        return started_at, resolved_at
    if resolved_at is not None:
        raise fail("resolved_at", "Only a resolved incident has a resolution time.")
    display_at = display_at or started_at or at
    started_at = started_at or display_at
    if display_at < started_at:
        raise fail("display_at", "The first update cannot come before the incident started.")
    return started_at, display_at


@transaction.atomic
def declare_incident(
    page: Page,
    *,
    by: Actor,
    name: str,
    status: str = IncidentStatus.INVESTIGATING,
    impact: str = Impact.NONE,
    components: ComponentChoice | Iterable[Component] = (),
    message: str = "",
    notify: bool | None = None,
    started_at: datetime | None = None,
    resolved_at: datetime | None = None,
    display_at: datetime | None = None,
    idempotency_key: str | None = None,
) -> Incident:
    """Declare an incident. With status Resolved it is retroactive: documented after the fact.

    `notify` defaults to True, and to False for a retroactive incident. `display_at` backdates
    the first entry of a live incident (and its start, unless `started_at` is given). A second
    call with the same `idempotency_key` declares nothing and returns the incident of the first.
    """
    name = check_text("name", name, required=True)
    status = check_status(status)
    check_choice("impact", impact, INCIDENT_IMPACTS, "impact")
    message = check_text("message", message, max_length=MAX_MESSAGE, multiline=True)
    choice = check_components(page, components)
    started_at = check_past("started_at", started_at)
    resolved_at = check_past("resolved_at", resolved_at)
    display_at = check_past("display_at", display_at)
    if idempotency_key:
        # Serialises declarations on this page, so that a second copy finds the first.
        Page.objects.select_for_update().filter(pk=page.pk).first()
        if (done := _posted(idempotency_key)) is not None:
            return _same_incident(done, page_id=page.pk)
    retroactive = status == IncidentStatus.RESOLVED
    at = now()
    started_at, display_at = _declared_times(retroactive, started_at, resolved_at, display_at, at)
    if notify is None:
        notify = not retroactive

    incident = Incident.objects.create(
        page=page,
        name=name,
        impact=impact,
        started_at=started_at,
        backfilled=retroactive,
        # Until settle() reads them off the first entry.
        status=status,
        last_update_at=display_at,
        created_at=at,
        updated_at=at,
    )
    apply_components(incident, choice)
    entry = add_entry(
        incident,
        by=by,
        status=status,
        body=message,
        display_at=display_at,
        at=at,
        notify=notify,
        idempotency_key=idempotency_key,
    )
    changes = settle(incident, at=display_at, cause="incident", notify=notify)
    if retroactive:
        _record_retroactive_window(incident, started_at, display_at)
        # The entry tells how the components came back: from what the incident imposed.
        imposed = dict(incident.affected.values_list("component_id", "status"))
        announce(entry, snapshot(incident, changes, before=imposed), notify=notify)
    else:
        announce(entry, snapshot(incident, changes), notify=notify)
    kind = "retroactive incident" if retroactive else "incident"
    audit(page, by, "incident.create", incident, f"Declared {kind} {name}", status=status)
    touch_page(page.pk)
    return incident


def _record_retroactive_window(incident: Incident, start: datetime, end: datetime) -> None:
    """Log the window a past incident covered, so history and uptime count it."""
    rows = []
    for affected in incident.affected.select_related("component"):
        if affected.status == ComponentStatus.OPERATIONAL:
            continue
        baseline = affected.component.baseline_status
        for at, old, new in ((start, baseline, affected.status), (end, affected.status, baseline)):
            rows.append(
                ComponentStatusChange(
                    page_id=incident.page_id,
                    component_id=affected.component_id,
                    old_status=old,
                    new_status=new,
                    at=at,
                    incident=incident,
                    retroactive=True,
                    cause="retroactive incident",
                )
            )
    ComponentStatusChange.objects.bulk_create(rows)


def _posted(idempotency_key: str) -> IncidentUpdate | None:
    check_text("idempotency_key", idempotency_key, max_length=64)
    return (
        IncidentUpdate.objects.filter(idempotency_key=idempotency_key)
        .select_related("incident")
        .first()
    )


def _same_incident(
    entry: IncidentUpdate, *, page_id: str, incident_id: str | None = None
) -> Incident:
    """The incident a replayed key posted to, if it is the one asked about (keys are random)."""
    incident = entry.incident
    if incident.page_id != page_id or incident_id not in (None, incident.pk):
        raise fail("idempotency_key", "This key was used for another incident.", CONFLICT)
    return incident


def lock(incident: Incident) -> Incident:
    """Lock the incident row for the rest of the transaction; a deleted incident is an error."""
    try:
        return Incident.objects.select_for_update().select_related("page").get(pk=incident.pk)
    except Incident.DoesNotExist:
        raise fail(
            "incident", "This incident no longer exists; it may have been deleted.", NOT_FOUND
        ) from None


@transaction.atomic
def post_update(
    incident: Incident,
    *,
    by: Actor,
    status: str,
    message: str = "",
    impact: str | None = None,
    components: ComponentChoice | Iterable[Component] | None = None,
    notify: bool = True,
    display_at: datetime | None = None,
    idempotency_key: str | None = None,
) -> IncidentUpdate:
    """Append an entry to the timeline and apply its status, impact and component choices.

    A second call with the same `idempotency_key` posts nothing and returns the first's entry.
    """
    status = check_status(status, incident.kind)
    if incident.is_maintenance and impact not in (None, Impact.MAINTENANCE):
        raise fail("impact", "A maintenance's impact is always Maintenance.")
    if impact is not None and not incident.is_maintenance:
        check_choice("impact", impact, INCIDENT_IMPACTS, "impact")
    message = check_text("message", message, max_length=MAX_MESSAGE, multiline=True)
    display_at = check_past("display_at", display_at)
    incident = lock(incident)
    if idempotency_key and (done := _posted(idempotency_key)) is not None:
        _same_incident(done, page_id=incident.page_id, incident_id=incident.pk)
        return done
    choice = check_components(incident.page, components or ())
    # Taken after the lock: of two concurrent updates, the one that commits last is the latest.
    at = now()
    display_at = display_at or at
    check_after_start(incident, display_at)

    _set_impact(incident, impact)
    apply_components(incident, choice)
    entry = add_entry(
        incident,
        by=by,
        status=status,
        body=message,
        display_at=display_at,
        at=at,
        notify=notify,
        idempotency_key=idempotency_key,
    )
    incident.updated_at = at
    changes = settle(incident, at=display_at, cause="incident update", notify=notify)
    announce(entry, snapshot(incident, changes), notify=notify)
    audit(
        incident.page,
        by,
        "incident.update",
        incident,
        f"Posted {status} update to {incident.name}",
        update=entry.pk,
    )
    touch_page(incident.page_id)
    return entry


@transaction.atomic
def edit_incident(incident: Incident, *, by: Actor, name: str) -> Incident:
    """Rename an incident without adding to its timeline."""
    name = check_text("name", name, required=True)
    incident = lock(incident)
    if name == incident.name:
        return incident
    old = incident.name
    incident.name = name
    incident.updated_at = now()
    incident.save(update_fields=["name", "updated_at"])
    audit(incident.page, by, "incident.rename", incident, f"Renamed {old} to {name}")
    touch_page(incident.page_id)
    return incident


@transaction.atomic
def delete_incident(incident: Incident, *, by: Actor) -> None:
    """Remove an incident and recompute its components.

    Its timeline, postmortem and deliveries go with it: the database cascades the delete.
    """
    incident = lock(incident)
    page = incident.page
    component_ids = list(incident.affected.values_list("component_id", flat=True))
    was_live = incident.is_active  # settle() keeps every open incident live
    audit(page, by, "incident.delete", incident, f"Deleted incident {incident.name}")
    incident.delete()
    if was_live:
        recompute(component_ids, at=now(), cause="incident deleted")
    touch_page(page.pk)
