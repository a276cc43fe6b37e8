"""Components, groups, and the one writer of effective component status."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from types import EllipsisType

from django.db import transaction

from candor.core import notifications
from candor.core.enums import (
    ACTIVE_STATUSES,
    MAINTENANCE_ACTIVE,
    ComponentStatus,
    IncidentKind,
    worst,
)
from candor.core.models import (
    AffectedComponent,
    Component,
    ComponentGroup,
    ComponentStatusChange,
    Incident,
    Page,
)
from candor.core.models.alerts import Alert
from candor.core.services.base import (
    Actor,
    audit,
    check_choice,
    check_text,
    fail,
    now,
    touch_page,
)
from candor.core.services.ordering import next_position

StatusChanges = dict[str, tuple[str, str]]  # component id -> (old, new)


def recompute(
    component_ids: Iterable[str],
    *,
    at: datetime,
    incident: Incident | None = None,
    cause: str = "",
    notify: bool = True,
) -> StatusChanges:
    """Set each component's effective status to the worst of its baseline and every layer:
    open incidents' impositions, maintenance windows in progress and firing alerts.

    The only code that writes Component.status; every change is logged and fanned out.
    """
    ids = sorted(set(component_ids))
    if not ids:
        return {}
    # Lock in id order so that two services touching the same components cannot deadlock.
    components = list(Component.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    imposed: dict[str, list[str]] = defaultdict(list)
    # Each layer: (component id, status it holds the component at); worst wins (DESIGN §1).
    for layer in (incident_layer(ids), maintenance_layer(ids), alert_layer(ids)):
        for component_id, status in layer:
            imposed[component_id].append(status)

    changes: StatusChanges = {}
    for component in components:
        effective = worst(component.baseline_status, *imposed[component.pk])
        if effective == component.status:
            continue
        changes[component.pk] = (component.status, effective)
        change = ComponentStatusChange.objects.create(
            page_id=component.page_id,
            component=component,
            old_status=component.status,
            new_status=effective,
            at=at,
            incident=incident,
            cause=cause,
        )
        component.status = effective
        component.save(update_fields=["status", "updated_at"])
        if notify:
            notifications.fan_out_status_change(change)
    return changes


def incident_layer(ids: list[str]) -> Iterable[tuple[str, str]]:
    """What each open, live incident imposes on its components."""
    return AffectedComponent.objects.filter(
        component_id__in=ids, incident__status__in=ACTIVE_STATUSES, incident__backfilled=False
    ).values_list("component_id", "status")


def maintenance_layer(ids: list[str]) -> Iterable[tuple[str, str]]:
    """A window in progress holds its components (under_maintenance, or what it chose)."""
    return AffectedComponent.objects.filter(
        component_id__in=ids,
        incident__kind=IncidentKind.MAINTENANCE,
        incident__status__in=MAINTENANCE_ACTIVE,
    ).values_list("component_id", "status")


def alert_layer(component_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(component, status) held by firing monitoring alerts (services/alerts.py moves them)."""
    return list(Alert.objects.holding(component_ids).values_list("component_id", "status"))


def _check_group(page: Page, group: ComponentGroup | None) -> ComponentGroup | None:
    if group is not None and group.page_id != page.pk:
        raise fail("group", "This group belongs to another page.")
    return group


@transaction.atomic
def create_component(
    page: Page,
    *,
    by: Actor,
    name: str,
    description: str = "",
    group: ComponentGroup | None = None,
    status: str = ComponentStatus.OPERATIONAL,
    showcase: bool = True,
    only_show_if_degraded: bool = False,
    start_date: date | None = None,
) -> Component:
    name = check_text("name", name, required=True)
    description = check_text("description", description, max_length=2000, multiline=True)
    check_choice("status", status, ComponentStatus.values, "component status")
    _check_group(page, group)
    component = Component.objects.create(
        page=page,
        group=group,
        name=name,
        description=description,
        baseline_status=status,
        showcase=showcase,
        only_show_if_degraded=only_show_if_degraded,
        start_date=start_date,
        position=next_position(page, group),
    )
    # Born operational; recompute() gives it its baseline, and logs that like any other change.
    recompute([component.pk], at=now(), cause="component created", notify=False)
    component.refresh_from_db(fields=["status", "updated_at"])
    audit(page, by, "component.create", component, f"Created component {name}")
    touch_page(page.pk)
    return component


@transaction.atomic
def update_component(
    component: Component,
    *,
    by: Actor,
    name: str | None = None,
    description: str | None = None,
    group: ComponentGroup | None | EllipsisType = ...,
    status: str | None = None,
    showcase: bool | None = None,
    only_show_if_degraded: bool | None = None,
    start_date: date | None | EllipsisType = ...,
) -> Component:
    """Edit a component. `status` is the baseline; the effective status follows from it."""
    component = Component.objects.select_for_update().get(pk=component.pk)
    page = component.page
    changed: dict[str, object] = {}
    if name is not None:
        changed["name"] = check_text("name", name, required=True)
    if description is not None:
        changed["description"] = check_text(
            "description", description, max_length=2000, multiline=True
        )
    if group is not ...:
        changed["group"] = _check_group(page, group)  # type: ignore[arg-type]
    if status is not None:
        changed["baseline_status"] = check_choice(
            "status", status, ComponentStatus.values, "component status"
        )
    if showcase is not None:
        changed["showcase"] = showcase
    if only_show_if_degraded is not None:
        changed["only_show_if_degraded"] = only_show_if_degraded
    if start_date is not ...:
        changed["start_date"] = start_date
    changed = {k: v for k, v in changed.items() if getattr(component, k) != v}
    if not changed:
        return component
    if "group" in changed:
        # A component joining or leaving a group goes to the end of its new place.
        changed["position"] = next_position(page, changed["group"])  # type: ignore[arg-type]
    for field, value in changed.items():
        setattr(component, field, value)
    # Only what changed: the effective status is recompute()'s to write.
    component.save(update_fields=[*changed, "updated_at"])
    if "baseline_status" in changed:
        recompute([component.pk], at=now(), cause="baseline")
        component.refresh_from_db()
    audit(
        page,
        by,
        "component.update",
        component,
        f"Updated component {component.name}",
        fields=sorted(changed),
    )
    touch_page(page.pk)
    return component


def set_baseline_status(component: Component, *, by: Actor, status: str) -> Component:
    return update_component(component, by=by, status=status)


@transaction.atomic
def delete_component(component: Component, *, by: Actor) -> None:
    page = component.page
    audit(page, by, "component.delete", component, f"Deleted component {component.name}")
    component.delete()
    touch_page(page.pk)


@transaction.atomic
def create_group(
    page: Page,
    *,
    by: Actor,
    name: str,
    description: str = "",
    components: Iterable[Component] = (),
) -> ComponentGroup:
    name = check_text("name", name, required=True)
    description = check_text("description", description, max_length=2000, multiline=True)
    group = ComponentGroup.objects.create(
        page=page,
        name=name,
        description=description,
        position=next_position(page, None),
    )
    _assign(group, components)
    audit(page, by, "group.create", group, f"Created group {name}")
    touch_page(page.pk)
    return group


def _assign(group: ComponentGroup, components: Iterable[Component]) -> None:
    components = list(components)
    for component in components:
        if component.page_id != group.page_id:
            raise fail("components", "A component of another page cannot join this group.")
    for position, component in enumerate(components, start=1):
        Component.objects.filter(pk=component.pk).update(group=group, position=position)


@transaction.atomic
def update_group(
    group: ComponentGroup,
    *,
    by: Actor,
    name: str | None = None,
    description: str | None = None,
    components: Iterable[Component] | None = None,
) -> ComponentGroup:
    group = ComponentGroup.objects.select_for_update().get(pk=group.pk)
    if name is not None:
        group.name = check_text("name", name, required=True)
    if description is not None:
        group.description = check_text("description", description, max_length=2000, multiline=True)
    group.save()
    if components is not None:
        Component.objects.filter(group=group).update(group=None)
        _assign(group, components)
    audit(group.page, by, "group.update", group, f"Updated group {group.name}")
    touch_page(group.page_id)
    return group


@transaction.atomic
def delete_group(group: ComponentGroup, *, by: Actor) -> None:
    """Delete a group; its components stay, ungrouped, at the end of the list in their order."""
    page = group.page
    audit(page, by, "group.delete", group, f"Deleted group {group.name}")
    children = list(group.components.order_by("position", "created_at"))
    group.delete()
    start = next_position(page, None)
    for offset, child in enumerate(children):
        Component.objects.filter(pk=child.pk).update(position=start + offset)
    touch_page(page.pk)
