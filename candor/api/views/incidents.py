"""Incidents and their updates (reference §3.3), mapped onto Candor's domain."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse

from candor.api.bodies.base import Paging
from candor.api.bodies.incidents import (
    IncidentBody,
    IncidentFields,
    IncidentSearch,
    IncidentUpdateBody,
    NewIncidentBody,
)
from candor.api.http import ApiError, invalid, ok, validation_error
from candor.api.operations import operation
from candor.api.views import maintenance
from candor.api.views.components import components_of
from candor.core import services
from candor.core.enums import (
    ACTIVE_STATUSES,
    COMPONENT_STATUS_IMPACT,
    Impact,
    IncidentStatus,
    worst,
)
from candor.core.models import (
    ApiKey,
    Component,
    Incident,
    IncidentUpdate,
    Page,
    PostmortemTimelineEntry,
)
from candor.core.queries import incidents_with_timeline
from candor.core.serializers import incident_json, update_json

# Statuspage's names for the fields Candor's services call otherwise.
FIELD_NAMES = {"message": "body", "impact": "impact_override", "notify": "deliver_notifications"}


def incidents(page: Page) -> QuerySet[Incident]:
    return incidents_with_timeline(Incident.objects.filter(page=page)).prefetch_related(
        "postmortem",
        Prefetch("postmortem__timeline", queryset=PostmortemTimelineEntry.objects.all()),
    )


def incident_of(page: Page, incident_id: str) -> Incident:
    incident = incidents(page).filter(pk=incident_id).first()
    if incident is None:
        raise ApiError(404, "Incident not found.")
    return incident


def _components(page: Page, fields: IncidentFields) -> dict[Component, str | None] | None:
    """`components` {id: status} sets statuses; `component_ids` lists the affected ones."""
    if not fields.given("components") and not fields.given("component_ids"):
        return None
    statuses = fields.components or {}
    ids = [*(fields.component_ids or []), *statuses]
    # "" (allowed by Statuspage's enum) lets the impact decide, like a bare component id.
    return {c: statuses.get(c.pk) or None for c in components_of(page, ids, "components")}


def _computed_impact(choice: dict[Component, str | None]) -> str | None:
    """Statuspage's impact without an override: the worst component status given."""
    given = [s for s in choice.values() if s is not None]
    if not given:
        return None
    return COMPONENT_STATUS_IMPACT.get(worst(*given), Impact.NONE)


def _answer(page: Page, incident_id: str, status: int = 200) -> HttpResponse:
    return ok(incident_json(incident_of(page, incident_id), page, manage=True), status)


TAG = "Incidents"


@operation(
    "Incidents", "Incidents, newest first", tag=TAG, answer="Incident[]", query=IncidentSearch
)
def list_incidents(
    request: HttpRequest, key: ApiKey, page: Page, query: IncidentSearch
) -> HttpResponse:
    offset, count = query.window()
    found = incidents(page)
    if query.q:
        found = found.filter(name__icontains=query.q)
    return ok([incident_json(i, page, manage=True) for i in found[offset : offset + count]])


@operation("UnresolvedIncidents", "Open incidents", tag=TAG, answer="Incident[]", query=Paging)
def list_unresolved(request: HttpRequest, key: ApiKey, page: Page, query: Paging) -> HttpResponse:
    offset, count = query.window()
    found = incidents(page).filter(status__in=ACTIVE_STATUSES)
    return ok([incident_json(i, page, manage=True) for i in found[offset : offset + count]])


@operation(
    "Incident",
    "Declare an incident (status resolved with started_at, or backfilled: retroactive)",
    tag=TAG,
    answer="Incident",
    status=201,
    body=NewIncidentBody,
)
def create_incident(
    request: HttpRequest, key: ApiKey, page: Page, body: NewIncidentBody
) -> HttpResponse:
    fields = body.incident
    choice = _components(page, fields) or {}
    if maintenance.is_maintenance_request(fields):
        try:
            window = maintenance.create(page, key, fields, choice)
        except ValidationError as exc:
            raise validation_error(exc, FIELD_NAMES) from None
        return _answer(page, window.pk, 201)
    status = fields.status or IncidentStatus.INVESTIGATING
    impact = fields.impact_override or _computed_impact(choice) or Impact.NONE
    started_at, resolved_at = fields.started_at, fields.resolved_at
    if fields.backfilled:
        # A backfilled incident is Candor's retroactive one: resolved, dated in the past.
        status = IncidentStatus.RESOLVED
        started_at = started_at or fields.backfill_date
        if started_at is None:
            raise invalid("backfill_date", "A backfilled incident needs its backfill_date.")
        resolved_at = resolved_at or started_at
    try:
        incident = services.declare_incident(
            page,
            by=key,
            name=fields.name or "",
            status=status,
            impact=impact,
            components=choice,
            message=fields.body or "",
            notify=fields.deliver_notifications,
            started_at=started_at,
            resolved_at=resolved_at,
        )
    except ValidationError as exc:
        raise validation_error(exc, FIELD_NAMES) from None
    return _answer(page, incident.pk, 201)


@operation("Incident", "An incident", tag=TAG, answer="Incident")
def get_incident(request: HttpRequest, key: ApiKey, page: Page, incident_id: str) -> HttpResponse:
    return _answer(page, incident_id)


@operation(
    "Incident",
    "Rename, and/or post one update (status and body together make one entry)",
    tag=TAG,
    answer="Incident",
    body=IncidentBody,
)
def update_incident(
    request: HttpRequest, key: ApiKey, page: Page, incident_id: str, body: IncidentBody
) -> HttpResponse:
    """Rename, and/or post one update: status and body sent together make one entry.

    backfilled, backfill_date, started_at and resolved_at mean something only on create; they
    are still read (a malformed value is refused) and then ignored.
    """
    incident = incident_of(page, incident_id)
    fields = body.incident
    if incident.is_maintenance:
        try:
            maintenance.update(incident, key, fields, _components(page, fields))
        except ValidationError as exc:
            raise validation_error(exc, FIELD_NAMES) from None
        return _answer(page, incident.pk)
    name, status, message = fields.name, fields.status, fields.body
    impact = fields.impact_override
    choice = _components(page, fields)
    notify = fields.deliver_notifications
    if impact is None and choice and status != IncidentStatus.RESOLVED:
        impact = _computed_impact(choice)
    try:
        with transaction.atomic():
            if name is not None:
                services.edit_incident(incident, by=key, name=name)
            if status is not None or message is not None or impact is not None or choice:
                services.post_update(
                    incident,
                    by=key,
                    status=status or incident.status,
                    message=message or "",
                    impact=impact,
                    components=choice,
                    notify=True if notify is None else notify,
                )
    except ValidationError as exc:
        raise validation_error(exc, FIELD_NAMES) from None
    return _answer(page, incident.pk)


@operation(
    "Incident", "Delete an incident and its timeline; returns it", tag=TAG, answer="Incident"
)
def delete_incident(
    request: HttpRequest, key: ApiKey, page: Page, incident_id: str
) -> HttpResponse:
    incident = incident_of(page, incident_id)
    data = incident_json(incident, page, manage=True)
    services.delete_incident(incident, by=key)
    return ok(data)


@operation(
    "IncidentUpdate",
    "Correct an update's body, status or display time (kept as a revision)",
    tag=TAG,
    answer="IncidentUpdate",
    body=IncidentUpdateBody,
)
def update_incident_update(
    request: HttpRequest,
    key: ApiKey,
    page: Page,
    incident_id: str,
    incident_update_id: str,
    body: IncidentUpdateBody,
) -> HttpResponse:
    """Correct an earlier entry; subscribers are told only with deliver_notifications true."""
    update = _update_of(page, incident_id, incident_update_id)
    fields = body.incident_update
    try:
        update = services.edit_update(
            update,
            by=key,
            body=fields.body,
            display_at=fields.display_at,
            status=fields.status,
            notify=bool(fields.deliver_notifications),
        )
    except ValidationError as exc:
        raise validation_error(exc, FIELD_NAMES) from None
    return ok(update_json(update, page, manage=True))


def _update_of(page: Page, incident_id: str, incident_update_id: str) -> IncidentUpdate:
    incident = incident_of(page, incident_id)
    update = IncidentUpdate.objects.filter(incident=incident, pk=incident_update_id).first()
    if update is None:
        raise ApiError(404, "Incident update not found.")
    return update


@operation(
    "IncidentUpdate",
    "Delete an update; the incident's status follows the remaining timeline. Returns it",
    tag=TAG,
    answer="IncidentUpdate",
)
def delete_incident_update(
    request: HttpRequest, key: ApiKey, page: Page, incident_id: str, incident_update_id: str
) -> HttpResponse:
    update = _update_of(page, incident_id, incident_update_id)
    data = update_json(update, page, manage=True)
    try:
        services.delete_update(update, by=key)
    except ValidationError as exc:
        raise validation_error(exc, FIELD_NAMES) from None
    return ok(data)
