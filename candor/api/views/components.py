"""Components and component groups (reference §3.4)."""

from __future__ import annotations

from collections.abc import Iterable
from types import EllipsisType

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from candor.api.http import (
    ApiError,
    Data,
    boolean,
    day,
    id_list,
    invalid,
    no_content,
    ok,
    page_for,
    parse_body,
    text,
    window,
    wrapped,
)
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


def _group_field(page: Page, fields: Data) -> ComponentGroup | None | EllipsisType:
    if "group_id" not in fields:
        return ...
    group_id = text(fields, "group_id")
    if not group_id:
        return None
    group = ComponentGroup.objects.filter(page=page, pk=group_id).first()
    if group is None:
        raise invalid("group_id", f"There is no component group {group_id!r} on this page.")
    return group


def _status_field(fields: Data) -> str | None:
    # Statuspage's enum allows "", which changes nothing.
    return text(fields, "status") or None


def list_components(request: HttpRequest, key: ApiKey, page_id: str) -> HttpResponse:
    page = page_for(key, page_id)
    offset, count = window(request)
    return ok(components_json(page)[offset : offset + count])


def create_component(request: HttpRequest, key: ApiKey, page_id: str) -> HttpResponse:
    page = page_for(key, page_id)
    fields = wrapped(request, "component")
    group = _group_field(page, fields)
    component = services.create_component(
        page,
        by=key,
        name=text(fields, "name") or "",
        description=text(fields, "description") or "",
        group=None if group is ... else group,
        status=_status_field(fields) or "operational",
        showcase=_default(boolean(fields, "showcase"), True),
        only_show_if_degraded=_default(boolean(fields, "only_show_if_degraded"), False),
        start_date=day(fields, "start_date"),
    )
    return ok(component_json(_component(page, component.pk), page), 201)


def _default(value: bool | None, default: bool) -> bool:
    return default if value is None else value


def get_component(
    request: HttpRequest, key: ApiKey, page_id: str, component_id: str
) -> HttpResponse:
    page = page_for(key, page_id)
    return ok(component_json(_component(page, component_id), page))


def update_component(
    request: HttpRequest, key: ApiKey, page_id: str, component_id: str
) -> HttpResponse:
    page = page_for(key, page_id)
    component = _component(page, component_id)
    fields = wrapped(request, "component")
    start_date = day(fields, "start_date") if "start_date" in fields else ...
    services.update_component(
        component,
        by=key,
        name=text(fields, "name"),
        description=text(fields, "description"),
        group=_group_field(page, fields),
        status=_status_field(fields),
        showcase=boolean(fields, "showcase"),
        only_show_if_degraded=boolean(fields, "only_show_if_degraded"),
        start_date=start_date,
    )
    return ok(component_json(_component(page, component_id), page))


def delete_component(
    request: HttpRequest, key: ApiKey, page_id: str, component_id: str
) -> HttpResponse:
    page = page_for(key, page_id)
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


def _group_description(request: HttpRequest, fields: Data) -> str | None:
    # Statuspage's spec puts `description` beside the wrapper; accept it inside as well.
    inside, beside = text(fields, "description"), text(parse_body(request), "description")
    return inside if inside is not None else beside


def list_groups(request: HttpRequest, key: ApiKey, page_id: str) -> HttpResponse:
    page = page_for(key, page_id)
    offset, count = window(request)
    groups = list(ComponentGroup.objects.filter(page=page)[offset : offset + count])
    children: dict[str, list[Component]] = {g.pk: [] for g in groups}
    for component in Component.objects.filter(group__in=groups):
        children[component.group_id or ""].append(component)
    return ok([component_group_json(g, children[g.pk], page) for g in groups])


def create_group(request: HttpRequest, key: ApiKey, page_id: str) -> HttpResponse:
    page = page_for(key, page_id)
    fields = wrapped(request, "component_group")
    members = components_of(page, id_list(fields, "components") or [], "components")
    group = services.create_group(
        page,
        by=key,
        name=text(fields, "name") or "",
        description=_group_description(request, fields) or "",
        components=members,
    )
    return ok(_group_json(group, page), 201)


def get_group(request: HttpRequest, key: ApiKey, page_id: str, group_id: str) -> HttpResponse:
    page = page_for(key, page_id)
    return ok(_group_json(_group(page, group_id), page))


def update_group(request: HttpRequest, key: ApiKey, page_id: str, group_id: str) -> HttpResponse:
    page = page_for(key, page_id)
    group = _group(page, group_id)
    fields = wrapped(request, "component_group")
    ids = id_list(fields, "components")
    members = None if ids is None else components_of(page, ids, "components")
    with transaction.atomic():
        group = services.update_group(
            group,
            by=key,
            name=text(fields, "name"),
            description=_group_description(request, fields),
            components=members,
        )
    return ok(_group_json(group, page))


def delete_group(request: HttpRequest, key: ApiKey, page_id: str, group_id: str) -> HttpResponse:
    page = page_for(key, page_id)
    group = _group(page, group_id)
    data = _group_json(group, page)
    services.delete_group(group, by=key)
    return ok(data)
