"""The postmortem of an incident (reference §3.5), with Candor's structured sections."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from candor.api.http import (
    ApiError,
    Data,
    boolean,
    invalid,
    no_content,
    ok,
    page_for,
    parse_body,
    text,
    validation_error,
    when,
    wrapped,
)
from candor.api.views.incidents import incident_of
from candor.core import services
from candor.core.models import ApiKey, Incident, Page, Postmortem
from candor.core.serializers import postmortem_json

SECTIONS = ("title", "summary", "impact_description", "root_cause", "corrective_actions")


def _postmortem(incident: Incident) -> Postmortem:
    postmortem = Postmortem.objects.filter(incident=incident).first()
    if postmortem is None:
        raise ApiError(404, "This incident has no postmortem.")
    return postmortem


def _answer(incident: Incident, page: Page) -> HttpResponse:
    return ok(postmortem_json(_postmortem(incident), page))


def _timeline(fields: Data, page: Page) -> list[tuple[datetime, str]] | None:
    value = fields.get("timeline")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        raise invalid("timeline", "Must be a list of {at, description} objects.")
    entries = []
    for entry in value:
        at = when(entry, "at", page)
        if at is None:
            raise invalid("timeline", "Every timeline entry needs a time (at).")
        entries.append((at, text(entry, "description") or ""))
    return entries


def get_postmortem(
    request: HttpRequest, key: ApiKey, page_id: str, incident_id: str
) -> HttpResponse:
    page = page_for(key, page_id)
    return _answer(incident_of(page, incident_id), page)


def save_postmortem(
    request: HttpRequest, key: ApiKey, page_id: str, incident_id: str
) -> HttpResponse:
    page = page_for(key, page_id)
    incident = incident_of(page, incident_id)
    fields = wrapped(request, "postmortem")
    sections = {f: text(fields, f) for f in SECTIONS}
    try:
        services.save_postmortem(
            incident,
            by=key,
            body_draft=text(fields, "body_draft"),
            timeline=_timeline(fields, page),
            **sections,
        )
    except ValidationError as exc:
        raise validation_error(exc) from None
    return _answer(incident, page)


def publish_postmortem(
    request: HttpRequest, key: ApiKey, page_id: str, incident_id: str
) -> HttpResponse:
    page = page_for(key, page_id)
    incident = incident_of(page, incident_id)
    _postmortem(incident)
    fields = wrapped(request, "postmortem", required=False)
    notify = boolean(fields, "notify_subscribers")
    boolean(fields, "notify_twitter")  # accepted and ignored: Candor does not tweet
    text(fields, "custom_tweet")
    try:
        services.publish_postmortem(incident, by=key, notify=bool(notify))
    except ValidationError as exc:
        raise validation_error(exc) from None
    return _answer(incident, page)


def revert_postmortem(
    request: HttpRequest, key: ApiKey, page_id: str, incident_id: str
) -> HttpResponse:
    page = page_for(key, page_id)
    incident = incident_of(page, incident_id)
    parse_body(request)  # any object, usually {}
    _postmortem(incident)
    services.revert_postmortem(incident, by=key)
    return _answer(incident, page)


def delete_postmortem(
    request: HttpRequest, key: ApiKey, page_id: str, incident_id: str
) -> HttpResponse:
    page = page_for(key, page_id)
    incident = incident_of(page, incident_id)
    _postmortem(incident)
    services.delete_postmortem(incident, by=key)
    return no_content()
