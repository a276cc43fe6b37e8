"""Components and component groups (reference §3.4)."""

from __future__ import annotations

from collections.abc import Iterable
from types import EllipsisType

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from candor.api.bodies.base import Paging
from candor.api.bodies.pages import (
    ComponentBody,
    ComponentFields,
    GroupBody,
    NewComponentBody,
    NewGroupBody,
)
from candor.api.http import ApiError, Data, invalid, no_content, ok
from candor.api.operations import operation
from candor.core import services
from candor.core.models import ApiKey, Component, ComponentGroup, Page
from candor.core.serializers import component_group_json, component_json, components_json


def components_of(page: Page, ids: Iterable[str], field: str) -> list[Component]:
    """The page's components with these ids, in the order given; an unknown id is an error."""
    wanted = list(dict.fromkeys(ids))
    found = {c.pk: c for c in Component.objects.filter(page=page, pk__in=wanted)}
    for component_id in wanted:
        if component_id not in found:
            raise invalid(field, f"There is no component {component_id!r} on this page.")
    return [found[i] for i in wanted]


def _component(page: Page, component_id: str) -> Component:
    component = Component.objects.filter(page=page, pk=component_id).select_related("group").first()
    if component is None:
        raise ApiError(404, "Component not found.")
    return component


def _group_field(page: Page, fields: ComponentFields) -> ComponentGroup | None | EllipsisType:
    if not fields.given("group_id"):
        return ...
    group_id = fields.group_id
    if not group_id:
        return None
    group = ComponentGroup.objects.filter(page=page, pk=group_id).first()
    if group is None:
        raise invalid("group_id", f"There is no component group {group_id!r} on this page.")
    return group


def _default(value: bool | None, default: bool) -> bool:
    return default if value is None else value


TAG = "Components"


def managed(data: Data) -> Data:
    """The manage API's component: Statuspage's `automation_email` is always null, since
    Candor takes monitoring alerts at integration URLs (/v1/pages/{id}/integrations)."""
    return data | {"automation_email": None}


@operation(
    "Components",
    "Components, group containers included",
    tag=TAG,
    answer="Component[]",
    query=Paging,
)
def list_components(request: HttpRequest, key: ApiKey, page: Page, query: Paging) -> HttpResponse:
    offset, count = query.window()
    return ok([managed(c) for c in components_json(page)[offset : offset + count]])


@operation(
    "Component",
    "Create a component",
    tag=TAG,
    answer="Component",
    status=201,
    body=NewComponentBody,
)
def create_component(
    request: HttpRequest, key: ApiKey, page: Page, body: NewComponentBody
) -> HttpResponse:
    fields = body.component
    group = _group_field(page, fields)
    component = services.create_component(
        page,
        by=key,
        name=fields.name or "",
        description=fields.description or "",
        group=None if group is ... else group,
        # Statuspage's enum allows "", which changes nothing.
        status=fields.status or "operational",
        showcase=_default(fields.showcase, True),
        only_show_if_degraded=_default(fields.only_show_if_degraded, False),
        start_date=fields.start_date,
    )
    return ok(managed(component_json(_component(page, component.pk), page)), 201)


@operation("Component", "A component", tag=TAG, answer="Component")
def get_component(request: HttpRequest, key: ApiKey, page: Page, component_id: str) -> HttpResponse:
    return ok(managed(component_json(_component(page, component_id), page)))


@operation("Component", "Change a component", tag=TAG, answer="Component", body=ComponentBody)
def update_component(
    request: HttpRequest, key: ApiKey, page: Page, component_id: str, body: ComponentBody
) -> HttpResponse:
    component = _component(page, component_id)
    fields = body.component
    services.update_component(
        component,
        by=key,
        name=fields.name,
        description=fields.description,
        group=_group_field(page, fields),
        status=fields.status or None,
        showcase=fields.showcase,
        only_show_if_degraded=fields.only_show_if_degraded,
        start_date=fields.start_date if fields.given("start_date") else ...,
    )
    return ok(managed(component_json(_component(page, component_id), page)))


@operation("Component", "Delete a component", tag=TAG, answer=None, status=204)
def delete_component(
    request: HttpRequest, key: ApiKey, page: Page, component_id: str
) -> HttpResponse:
    services.delete_component(_component(page, component_id), by=key)
    return no_content()


# --- component groups ---


def _group(page: Page, group_id: str) -> ComponentGroup:
    group = ComponentGroup.objects.filter(page=page, pk=group_id).first()
    if group is None:
        raise ApiError(404, "Component group not found.")
    return group


def _group_json(group: ComponentGroup, page: Page) -> Data:
    children = list(Component.objects.filter(group=group))
    return component_group_json(group, children, page)


GROUPS = "Component groups"


@operation(
    "ComponentGroups", "Component groups", tag=GROUPS, answer="ComponentGroup[]", query=Paging
)
def list_groups(request: HttpRequest, key: ApiKey, page: Page, query: Paging) -> HttpResponse:
    offset, count = query.window()
    groups = list(ComponentGroup.objects.filter(page=page)[offset : offset + count])
    children: dict[str, list[Component]] = {g.pk: [] for g in groups}
    for component in Component.objects.filter(group__in=groups):
        children[component.group_id or ""].append(component)
    return ok([component_group_json(g, children[g.pk], page) for g in groups])


@operation(
    "ComponentGroup",
    "Create a component group",
    tag=GROUPS,
    answer="ComponentGroup",
    status=201,
    body=NewGroupBody,
)
def create_group(request: HttpRequest, key: ApiKey, page: Page, body: NewGroupBody) -> HttpResponse:
    fields = body.component_group
    members = components_of(page, fields.components or [], "components")
    group = services.create_group(
        page,
        by=key,
        name=fields.name or "",
        description=body.group_description or "",
        components=members,
    )
    return ok(_group_json(group, page), 201)


@operation("ComponentGroup", "A component group", tag=GROUPS, answer="ComponentGroup")
def get_group(
    request: HttpRequest, key: ApiKey, page: Page, component_group_id: str
) -> HttpResponse:
    return ok(_group_json(_group(page, component_group_id), page))


@operation(
    "ComponentGroup",
    "Change a component group",
    tag=GROUPS,
    answer="ComponentGroup",
    body=GroupBody,
)
def update_group(
    request: HttpRequest, key: ApiKey, page: Page, component_group_id: str, body: GroupBody
) -> HttpResponse:
    group = _group(page, component_group_id)
    ids = body.component_group.components
    members = None if ids is None else components_of(page, ids, "components")
    with transaction.atomic():
        group = services.update_group(
            group,
            by=key,
            name=body.component_group.name,
            description=body.group_description,
            components=members,
        )
    return ok(_group_json(group, page))


@operation(
    "ComponentGroup",
    "Delete a component group (its components stay); returns it",
    tag=GROUPS,
    answer="ComponentGroup",
)
def delete_group(
    request: HttpRequest, key: ApiKey, page: Page, component_group_id: str
) -> HttpResponse:
    group = _group(page, component_group_id)
    data = _group_json(group, page)
    services.delete_group(group, by=key)
    return ok(data)
