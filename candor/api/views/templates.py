"""Incident templates (Statuspage's v1 `incident_templates`), plus get, change and delete."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from candor.api.bodies.base import Paging
from candor.api.bodies.incidents import NewTemplateBody, TemplateBody, TemplateFields
from candor.api.http import ApiError, Data, ok, validation_error
from candor.api.operations import operation
from candor.api.views.components import components_of
from candor.core import services
from candor.core.models import ApiKey, Component, IncidentTemplate, Page
from candor.core.serializers import component_json

TAG = "Incident templates"


def template_json(template: IncidentTemplate, page: Page) -> Data:
    """Statuspage's IncidentTemplate, with Candor's `impact` beside it."""
    return {
        "id": template.pk,
        "name": template.name,
        "title": template.title,
        "body": template.body,
        "group_id": None,
        "update_status": template.status,
        "impact": template.impact,
        "should_tweet": False,
        "should_send_notifications": template.notify,
        "components": [component_json(c, page) for c in template.components.all()],
    }


def _template(page: Page, template_id: str) -> IncidentTemplate:
    found = IncidentTemplate.objects.filter(page=page, pk=template_id).first()
    if found is None:
        raise ApiError(404, "Incident template not found.")
    return found


def _components(page: Page, fields: TemplateFields) -> list[Component] | None:
    if fields.component_ids is None:
        return None
    return components_of(page, fields.component_ids, "component_ids")


# Statuspage's names for the fields the service calls otherwise.
FIELD_NAMES = {"status": "update_status", "components": "component_ids"}


def _answer(page: Page, template_id: str, status: int = 200) -> HttpResponse:
    return ok(template_json(_template(page, template_id), page), status)


@operation(
    "IncidentTemplates",
    "Incident templates, by name",
    tag=TAG,
    answer="IncidentTemplate[]",
    query=Paging,
)
def list_templates(request: HttpRequest, key: ApiKey, page: Page, query: Paging) -> HttpResponse:
    offset, count = query.window()
    found = IncidentTemplate.objects.filter(page=page).prefetch_related("components")
    return ok([template_json(t, page) for t in found[offset : offset + count]])


@operation(
    "IncidentTemplate",
    "Create an incident template",
    tag=TAG,
    answer="IncidentTemplate",
    status=201,
    body=NewTemplateBody,
)
def create_template(
    request: HttpRequest, key: ApiKey, page: Page, body: NewTemplateBody
) -> HttpResponse:
    fields = body.template
    try:
        template = services.save_incident_template(
            page,
            by=key,
            name=fields.name or "",
            title=fields.title,
            status=fields.update_status,
            impact=fields.impact,
            body=fields.body,
            components=_components(page, fields),
            notify=fields.should_send_notifications,
        )
    except ValidationError as exc:
        raise validation_error(exc, FIELD_NAMES) from None
    return _answer(page, template.pk, 201)


@operation("IncidentTemplate", "An incident template", tag=TAG, answer="IncidentTemplate")
def get_template(request: HttpRequest, key: ApiKey, page: Page, template_id: str) -> HttpResponse:
    return _answer(page, template_id)


@operation(
    "IncidentTemplate",
    "Change an incident template",
    tag=TAG,
    answer="IncidentTemplate",
    body=TemplateBody,
)
def update_template(
    request: HttpRequest, key: ApiKey, page: Page, template_id: str, body: TemplateBody
) -> HttpResponse:
    fields = body.template
    try:
        services.save_incident_template(
            page,
            by=key,
            template=_template(page, template_id),
            name=fields.name,
            title=fields.title,
            status=fields.update_status,
            impact=fields.impact,
            body=fields.body,
            components=_components(page, fields),
            notify=fields.should_send_notifications,
        )
    except ValidationError as exc:
        raise validation_error(exc, FIELD_NAMES) from None
    return _answer(page, template_id)


@operation(
    "IncidentTemplate",
    "Delete an incident template; returns it",
    tag=TAG,
    answer="IncidentTemplate",
)
def delete_template(
    request: HttpRequest, key: ApiKey, page: Page, template_id: str
) -> HttpResponse:
    template = _template(page, template_id)
    data = template_json(template, page)
    services.delete_incident_template(template, by=key)
    return ok(data)
