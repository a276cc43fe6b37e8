"""One ordering of a page's components, as the list shows it.

The page is a sequence of top-level items, groups and ungrouped components sharing one
position sequence; a group's components have their own sequence inside it. The management list,
the public page and the API all read this order (`queries.components_by_group`). Moving an item
steps it through the places it can take in the visible list, one at a time: a component moves
into a group, along it and out of it; a group moves past the whole item above or below it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max

from candor.core.models import Component, ComponentGroup, Page
from candor.core.services.base import Actor, audit, fail, now, touch_page

GROUP, COMPONENT = "group", "component"


@dataclass
class Entry:
    """One top-level item: a group (with its components, in order) or an ungrouped component."""

    kind: str
    id: str
    name: str
    children: list[tuple[str, str]] = field(default_factory=list)  # (id, name)


Layout = list[Entry]
# Where a component can go: ("top", index before which) or ("in", group id, index before which).
Slot = tuple[str, str | int, int]


def next_position(page: Page, group: ComponentGroup | None) -> int:
    """The position at the end of a group, or at the end of the page's top level."""
    if group is not None:
        last = Component.objects.filter(group=group).aggregate(m=Max("position"))["m"]
        return (last or 0) + 1
    components = Component.objects.filter(page=page, group__isnull=True).aggregate(
        m=Max("position")
    )
    groups = ComponentGroup.objects.filter(page=page).aggregate(m=Max("position"))
    return max(components["m"] or 0, groups["m"] or 0) + 1


def current_layout(page: Page) -> Layout:
    from candor.core.queries import components_by_group

    layout: Layout = []
    for group, components in components_by_group(page):
        if group is None:
            layout.extend(Entry(COMPONENT, c.pk, c.name) for c in components)
        else:
            layout.append(Entry(GROUP, group.pk, group.name, [(c.pk, c.name) for c in components]))
    return layout


def _copy(layout: Layout) -> Layout:
    return [Entry(e.kind, e.id, e.name, list(e.children)) for e in layout]


def _take_component(layout: Layout, component_id: str) -> tuple[Layout, Slot, str]:
    """The layout without the component, the slot it held, and its name."""
    layout = _copy(layout)
    for i, entry in enumerate(layout):
        if entry.kind == COMPONENT and entry.id == component_id:
            del layout[i]
            return layout, ("top", i, 0), entry.name
        for j, (child_id, name) in enumerate(entry.children):
            if child_id == component_id:
                del entry.children[j]
                return layout, ("in", entry.id, j), name
    raise fail("id", "This component is not on the page.")


def _slots(layout: Layout) -> list[Slot]:
    slots: list[Slot] = []
    for i, entry in enumerate(layout):
        slots.append(("top", i, 0))
        if entry.kind == GROUP:
            slots.extend(("in", entry.id, j) for j in range(len(entry.children) + 1))
    slots.append(("top", len(layout), 0))
    return slots


def _put(layout: Layout, slot: Slot, component_id: str, name: str) -> Layout:
    where, key, index = slot
    if where == "top":
        layout.insert(int(key), Entry(COMPONENT, component_id, name))
    else:
        group = next(e for e in layout if e.kind == GROUP and e.id == key)
        group.children.insert(index, (component_id, name))
    return layout


def move(layout: Layout, kind: str, item_id: str, direction: str) -> Layout | None:
    """The layout with the item one place up or down the visible list; None at either end."""
    step = -1 if direction == "up" else 1
    if kind == COMPONENT:
        rest, held, name = _take_component(layout, item_id)
        slots = _slots(rest)
        target = slots.index(held) + step
        if not 0 <= target < len(slots):
            return None
        return _put(rest, slots[target], item_id, name)
    index = next((i for i, e in enumerate(layout) if e.kind == GROUP and e.id == item_id), None)
    if index is None:
        raise fail("id", "This group is not on the page.")
    target = index + step
    if not 0 <= target < len(layout):
        return None
    layout = _copy(layout)
    layout[index], layout[target] = layout[target], layout[index]
    return layout


def place_before(layout: Layout, kind: str, item_id: str, target_id: str | None) -> Layout | None:
    """Drag and drop: the item placed just above the row `target_id` (a group or a component),
    or at the end of the list when None; None when it would not move."""
    if kind == COMPONENT:
        if target_id == item_id:
            return None
        rest, held, name = _take_component(layout, item_id)
        slot: Slot = ("top", len(rest), 0)
        for i, entry in enumerate(rest):
            if entry.id == target_id:
                slot = ("top", i, 0)
            for j, (child_id, _) in enumerate(entry.children):
                if child_id == target_id:
                    slot = ("in", entry.id, j)
        return None if slot == held else _put(rest, slot, item_id, name)
    index = next((i for i, e in enumerate(layout) if e.kind == GROUP and e.id == item_id), None)
    if index is None:
        raise fail("id", "This group is not on the page.")
    rest = _copy(layout)
    group = rest.pop(index)
    # A group lands above the top-level item holding the target row.
    target = next(
        (i for i, e in enumerate(rest) if target_id in (e.id, *(c for c, _ in e.children))),
        len(rest),
    )
    if target == index:
        return None
    rest.insert(target, group)
    return rest


def describe(layout: Layout, kind: str, item_id: str) -> str:
    """Where the item now is, in words: "in Help Desk, after Live Chat", "at the top"."""
    for i, entry in enumerate(layout):
        if entry.id == item_id and entry.kind == kind:
            if i == 0:
                return "at the top of the list"
            return f"after {layout[i - 1].name}"
        for j, (child_id, _) in enumerate(entry.children):
            if kind == COMPONENT and child_id == item_id:
                where = "first" if j == 0 else f"after {entry.children[j - 1][1]}"
                return f"in {entry.name}, {where}"
    return ""


@transaction.atomic
def arrange_components(page: Page, *, by: Actor, layout: Sequence[Entry], summary: str) -> None:
    """Write a whole layout: every group and component of the page exactly once."""
    groups = set(
        ComponentGroup.objects.select_for_update().filter(page=page).values_list("pk", flat=True)
    )
    components = set(
        Component.objects.select_for_update().filter(page=page).values_list("pk", flat=True)
    )
    seen_groups = [e.id for e in layout if e.kind == GROUP]
    seen_components = [e.id for e in layout if e.kind == COMPONENT] + [
        c for e in layout for c, _ in e.children
    ]
    if sorted(seen_groups) != sorted(groups) or sorted(seen_components) != sorted(components):
        raise fail(
            "layout",
            "The list changed meanwhile (a component or group was added or removed): reload it.",
        )
    at = now()
    for position, entry in enumerate(layout, start=1):
        if entry.kind == GROUP:
            ComponentGroup.objects.filter(pk=entry.id).update(position=position, updated_at=at)
            for child_position, (child_id, _) in enumerate(entry.children, start=1):
                Component.objects.filter(pk=child_id).update(
                    group_id=entry.id, position=child_position, updated_at=at
                )
        else:
            Component.objects.filter(pk=entry.id).update(
                group_id=None, position=position, updated_at=at
            )
    audit(page, by, "component.reorder", page, summary[:500])
    touch_page(page.pk)
