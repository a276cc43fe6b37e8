"""Incidents and their timeline: declare, post updates, edit, delete."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.db import transaction

from candor.core import notifications
from candor.core.enums import (
    ACTIVE_STATUSES,
    CLOSED_STATUSES,
    IMPACT_COMPONENT_STATUS,
    POSTABLE_STATUSES,
    ComponentStatus,
    Impact,
    IncidentStatus,
)
from candor.core.models import AffectedComponent, ApiKey, Component, Incident, IncidentUpdate, Page
from candor.core.services.base import (
    Actor,
    actor_label,
    audit,
    check_choice,
    check_past,
    check_text,
    fail,
    now,
    touch_page,
)
from candor.core.services.components import StatusChanges, recompute

# Per affected component: the status to impose, or None to follow the impact.
ComponentChoice = Mapping[Component, str | None]

MAX_MESSAGE = 25000


def _check_status(status: str) -> str:
    if status == IncidentStatus.POSTMORTEM:
        raise fail("status", "Postmortem is set by publishing a postmortem, not posted by hand.")
    return check_choice("status", status, POSTABLE_STATUSES, "incident status")


def _check_components(page: Page, components: ComponentChoice | Iterable[Component]) -> dict:
    choice: dict[Component, str | None] = (
        dict(components) if isinstance(components, Mapping) else dict.fromkeys(components)
    )
    for component, status in choice.items():
        if component.page_id != page.pk:
            raise fail("components", f"{component.name} belongs to another page.")
        if status is not None:
            check_choice("components", status, ComponentStatus.values, "component status")
    return choice


def _apply_components(incident: Incident, choice: Mapping[Component, str | None]) -> None:
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


def _snapshot(
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


def _add_update(
    incident: Incident,
    *,
    by: Actor,
    status: str,
    body: str,
    display_at: datetime,
    at: datetime,
    snapshot: list[dict[str, str]] | None,
    notify: bool,
) -> IncidentUpdate:
    update = IncidentUpdate.objects.create(
        incident=incident,
        status=status,
        body=body,
        impact=incident.impact,
        display_at=display_at,
        affected_components=snapshot,
        deliver_notifications=notify,
        author=None if isinstance(by, ApiKey) else by,
        author_name=actor_label(by),
        created_at=at,
        updated_at=at,
    )
    if notify:
        notifications.fan_out_update(update)
    return update


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
) -> Incident:
    """Declare an incident. With status Resolved it is retroactive: documented after the fact.

    `notify` defaults to True, and to False for a retroactive incident. `display_at` backdates
    the first entry of a live incident (and its start, unless `started_at` is given).
    """
    name = check_text("name", name, required=True)
    status = _check_status(status)
    check_choice("impact", impact, Impact.values, "impact")
    message = check_text("message", message, max_length=MAX_MESSAGE, multiline=True)
    choice = _check_components(page, components)
    started_at = check_past("started_at", started_at)
    resolved_at = check_past("resolved_at", resolved_at)
    display_at = check_past("display_at", display_at)
    retroactive = status == IncidentStatus.RESOLVED
    at = now()
    if retroactive:
        if started_at is None:
            raise fail("started_at", "A retroactive incident needs the time it started.")
        resolved_at = resolved_at or at
        if resolved_at < started_at:
            raise fail("resolved_at", "The incident cannot be resolved before it started.")
    else:
        if resolved_at is not None:
            raise fail("resolved_at", "Only a resolved incident has a resolution time.")
        started_at = started_at or display_at
        display_at = display_at or started_at or at
        if started_at is not None and display_at < started_at:
            raise fail("display_at", "The first update cannot come before the incident started.")
    if notify is None:
        notify = not retroactive

    incident = Incident.objects.create(
        page=page,
        name=name,
        status=status,
        impact=impact,
        started_at=started_at or at,
        monitoring_at=at if status == IncidentStatus.MONITORING else None,
        resolved_at=resolved_at,
        backfilled=retroactive,
        last_update_at=resolved_at or display_at or at,
        created_at=at,
        updated_at=at,
    )
    _apply_components(incident, choice)
    if retroactive:
        assert started_at is not None and resolved_at is not None
        _record_retroactive_window(incident, started_at, resolved_at)
        snapshot = _snapshot(incident, {})
        if snapshot:
            imposed = dict(incident.affected.values_list("component_id", "status"))
            for row in snapshot:
                row["old_status"] = imposed[row["code"]]
        display_at = resolved_at
    else:
        before = dict(
            Component.objects.filter(pk__in=[c.pk for c in choice]).values_list("pk", "status")
        )
        assert display_at is not None
        changes = recompute(
            [c.pk for c in choice],
            at=display_at,
            incident=incident,
            cause="incident",
            notify=notify,
        )
        snapshot = _snapshot(incident, changes, before=before)
    _add_update(
        incident,
        by=by,
        status=status,
        body=message,
        display_at=display_at,
        at=at,
        snapshot=snapshot,
        notify=notify,
    )
    kind = "retroactive incident" if retroactive else "incident"
    audit(page, by, "incident.create", incident, f"Declared {kind} {name}", status=status)
    touch_page(page.pk)
    return incident


def _record_retroactive_window(incident: Incident, start: datetime, end: datetime) -> None:
    """Log the window a past incident covered, so history and uptime count it."""
    from candor.core.models import ComponentStatusChange

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


def lock(incident: Incident) -> Incident:
    """Lock the incident row for the rest of the transaction; a deleted incident is an error."""
    try:
        return Incident.objects.select_for_update().select_related("page").get(pk=incident.pk)
    except Incident.DoesNotExist:
        raise fail(
            "incident", "This incident no longer exists; it may have been deleted."
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
) -> IncidentUpdate:
    """Append an entry to the timeline and apply its status, impact and component choices."""
    status = _check_status(status)
    if impact is not None:
        check_choice("impact", impact, Impact.values, "impact")
    message = check_text("message", message, max_length=MAX_MESSAGE, multiline=True)
    display_at = check_past("display_at", display_at)
    incident = lock(incident)
    choice = _check_components(incident.page, components or ())
    # Taken after the lock: of two concurrent updates, the one that commits last is the latest.
    at = now()
    display_at = display_at or at
    if display_at < incident.started_at:
        raise fail("display_at", "An update cannot come before the incident started.")

    if impact is not None and impact != incident.impact:
        incident.impact = impact
        for row in incident.affected.filter(manual=False):
            row.status = IMPACT_COMPONENT_STATUS[impact]
            row.save(update_fields=["status"])
    _apply_components(incident, choice)

    was_closed = incident.status in CLOSED_STATUSES
    # The incident's status is that of its latest entry; a backdated entry does not change it.
    if display_at >= incident.last_update_at:
        incident.last_update_at = display_at
        if status != incident.status:
            if status == IncidentStatus.MONITORING:
                incident.monitoring_at = display_at
            incident.status = status
        if status == IncidentStatus.RESOLVED:
            incident.resolved_at = incident.resolved_at if was_closed else display_at
        elif was_closed:
            # Reopened: it is live again and affects components from now on.
            incident.resolved_at = None
            incident.backfilled = False
    incident.updated_at = at
    incident.save()

    affected_ids = list(incident.affected.values_list("component_id", flat=True))
    if incident.backfilled:
        changes: StatusChanges = {}
    else:
        changes = recompute(
            affected_ids, at=display_at, incident=incident, cause="incident update", notify=notify
        )
    update = _add_update(
        incident,
        by=by,
        status=status,
        body=message,
        display_at=display_at,
        at=at,
        snapshot=_snapshot(incident, changes),
        notify=notify,
    )
    audit(
        incident.page,
        by,
        "incident.update",
        incident,
        f"Posted {status} update to {incident.name}",
        update=update.pk,
    )
    touch_page(incident.page_id)
    return update


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
def edit_update(
    update: IncidentUpdate,
    *,
    by: Actor,
    body: str | None = None,
    display_at: datetime | None = None,
) -> IncidentUpdate:
    """Correct a posted entry's message or display time; nobody is notified again."""
    incident = lock(update.incident)
    try:
        update = IncidentUpdate.objects.select_for_update().get(pk=update.pk)
    except IncidentUpdate.DoesNotExist:
        raise fail("incident_update", "This update no longer exists.") from None
    if body is not None:
        update.body = check_text("body", body, max_length=MAX_MESSAGE, multiline=True)
    if display_at is not None:
        check_past("display_at", display_at)
        update.display_at = display_at
    update.updated_at = now()
    update.save()
    latest = incident.updates.order_by("-display_at", "-created_at").first()
    if latest is not None and latest.display_at != incident.last_update_at:
        incident.last_update_at = latest.display_at
        incident.save(update_fields=["last_update_at"])
    audit(incident.page, by, "incident_update.edit", update, f"Edited an update of {incident.name}")
    touch_page(incident.page_id)
    return update


@transaction.atomic
def delete_incident(incident: Incident, *, by: Actor) -> None:
    """Remove an incident, its timeline, postmortem and deliveries; recompute its components."""
    incident = lock(incident)
    page = incident.page
    component_ids = list(incident.affected.values_list("component_id", flat=True))
    was_live = incident.status in ACTIVE_STATUSES and not incident.backfilled
    audit(page, by, "incident.delete", incident, f"Deleted incident {incident.name}")
    notifications.cancel_for_incident(incident)
    incident.delete()
    if was_live:
        recompute(component_ids, at=now(), cause="incident deleted")
    touch_page(page.pk)
