"""The postmortem of an incident (reference §3.5), with Candor's structured sections."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from candor.api.bodies.incidents import AnyBody, PostmortemBody, PublishBody, PublishFields
from candor.api.http import ApiError, no_content, ok, validation_error
from candor.api.operations import operation
from candor.api.views.incidents import incident_of
from candor.core import services
from candor.core.models import ApiKey, Incident, Page, Postmortem
from candor.core.serializers import postmortem_json

TAG = "Postmortems"


def _postmortem(incident: Incident) -> Postmortem:
    postmortem = Postmortem.objects.filter(incident=incident).first()
    if postmortem is None:
        raise ApiError(404, "This incident has no postmortem.")
    return postmortem


def _answer(incident: Incident, page: Page) -> HttpResponse:
    return ok(postmortem_json(_postmortem(incident), page))


@operation("Postmortem", "The postmortem", tag=TAG, answer="Postmortem")
def get_postmortem(request: HttpRequest, key: ApiKey, page: Page, incident_id: str) -> HttpResponse:
    return _answer(incident_of(page, incident_id), page)


@operation(
    "Postmortem",
    "Create or save the draft (resolved incidents only)",
    tag=TAG,
    answer="Postmortem",
    body=PostmortemBody,
)
def save_postmortem(
    request: HttpRequest, key: ApiKey, page: Page, incident_id: str, body: PostmortemBody
) -> HttpResponse:
    incident = incident_of(page, incident_id)
    fields = body.postmortem
    timeline = (
        None
        if fields.timeline is None
        else [(entry.at, entry.description or "") for entry in fields.timeline if entry.at]
    )
    try:
        services.save_postmortem(
            incident, by=key, body_draft=fields.body_draft, timeline=timeline, **fields.sections
        )
    except ValidationError as exc:
        raise validation_error(exc) from None
    return _answer(incident, page)


@operation(
    "Postmortem",
    "Publish: the incident's status becomes postmortem",
    tag=TAG,
    answer="Postmortem",
    body=PublishBody,
    op_id="publishPostmortem",
)
def publish_postmortem(
    request: HttpRequest, key: ApiKey, page: Page, incident_id: str, body: PublishBody
) -> HttpResponse:
    incident = incident_of(page, incident_id)
    _postmortem(incident)
    fields = body.postmortem or PublishFields()
    try:
        services.publish_postmortem(incident, by=key, notify=bool(fields.notify_subscribers))
    except ValidationError as exc:
        raise validation_error(exc) from None
    return _answer(incident, page)


@operation(
    "Postmortem",
    "Back to draft: the incident returns to resolved",
    tag=TAG,
    answer="Postmortem",
    body=AnyBody,
    op_id="revertPostmortem",
)
def revert_postmortem(
    request: HttpRequest, key: ApiKey, page: Page, incident_id: str, body: AnyBody
) -> HttpResponse:
    incident = incident_of(page, incident_id)
    _postmortem(incident)
    services.revert_postmortem(incident, by=key)
    return _answer(incident, page)


@operation("Postmortem", "Delete the postmortem", tag=TAG, answer=None, status=204)
def delete_postmortem(
    request: HttpRequest, key: ApiKey, page: Page, incident_id: str
) -> HttpResponse:
    incident = incident_of(page, incident_id)
    _postmortem(incident)
    services.delete_postmortem(incident, by=key)
    return no_content()
