"""Incidents and their updates (reference §3.3), mapped onto Candor's domain."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse

from candor.api.http import (
    ApiError,
    Data,
    boolean,
    check_object,
    id_list,
    invalid,
    ok,
    page_for,
    query,
    str_map,
    text,
    validation_error,
    when,
    window,
    wrapped,
)
from candor.api.views.components import components_of
from candor.core import services
from candor.core.enums import (
    ACTIVE_STATUSES,
    COMPONENT_STATUS_IMPACT,
    ComponentStatus,
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

MAINTENANCE_STATUSES = ("scheduled", "in_progress", "verifying", "completed")
# Statuspage's names for the fields Candor's services call otherwise.
FIELD_NAMES = {"message": "body", "impact": "impact_override", "notify": "deliver_notifications"}


def api_validation_error(exc: ValidationError) -> ApiError:
    err = validation_error(exc)
    if err.errors:
        err.errors = {FIELD_NAMES.get(k, k): v for k, v in err.errors.items()}
    return err


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


def _status(fields: Data) -> str | None:
    status = text(fields, "status")
    if status == "":
        raise invalid("status", "Give a status, or leave the field out.")
    if status in MAINTENANCE_STATUSES:
        raise invalid("status", "Candor has no scheduled maintenances yet.")
    return status


def _impact_override(fields: Data) -> str | None:
    impact = text(fields, "impact_override")
    if impact is not None and impact not in Impact.values:
        allowed = ", ".join(Impact.values)
        raise invalid("impact_override", f"{impact!r} is not an impact. Choose one of: {allowed}.")
    return impact


def _components(page: Page, fields: Data) -> dict[Component, str | None] | None:
    """`components` {id: status} sets statuses; `component_ids` lists the affected ones."""
    if "components" not in fields and "component_ids" not in fields:
        return None
    statuses = str_map(fields, "components") or {}
    ids = [*(id_list(fields, "component_ids") or []), *statuses]
    choice: dict[Component, str | None] = {}
    for component in components_of(page, ids, "components"):
        # "" (allowed by Statuspage's enum) lets the impact decide, like a bare component id.
        status = statuses.get(component.pk) or None
        if status is not None and status not in ComponentStatus.values:
            allowed = ", ".join(ComponentStatus.values)
            raise invalid(
                "components", f"{status!r} is not a component status. Choose one of: {allowed}."
            )
        choice[component] = status
    return choice


def _computed_impact(choice: dict[Component, str | None]) -> str | None:
    """Statuspage's impact without an override: the worst component status given."""
    given = [s for s in choice.values() if s is not None]
    if not given:
        return None
    return COMPONENT_STATUS_IMPACT.get(worst(*given), Impact.NONE)


def _answer(page: Page, incident_id: str, status: int = 200) -> HttpResponse:
    return ok(incident_json(incident_of(page, incident_id), page, manage=True), status)


def list_incidents(request: HttpRequest, key: ApiKey, page_id: str) -> HttpResponse:
    page = page_for(key, page_id)
    offset, count = window(request)
    found = incidents(page)
    if q := query(request, "q"):
        found = found.filter(name__icontains=q)
    return ok([incident_json(i, page, manage=True) for i in found[offset : offset + count]])


def list_unresolved(request: HttpRequest, key: ApiKey, page_id: str) -> HttpResponse:
    page = page_for(key, page_id)
    offset, count = window(request)
    found = incidents(page).filter(status__in=ACTIVE_STATUSES)
    return ok([incident_json(i, page, manage=True) for i in found[offset : offset + count]])


def create_incident(request: HttpRequest, key: ApiKey, page_id: str) -> HttpResponse:
    page = page_for(key, page_id)
    fields = wrapped(request, "incident")
    status = _status(fields) or IncidentStatus.INVESTIGATING
    choice = _components(page, fields) or {}
    impact = _impact_override(fields) or _computed_impact(choice) or Impact.NONE
    started_at = when(fields, "started_at", page)
    resolved_at = when(fields, "resolved_at", page)
    backfill_date = when(fields, "backfill_date", page)
    check_object(fields, "metadata")
    if boolean(fields, "backfilled"):
        # A backfilled incident is Candor's retroactive one: resolved, dated in the past.
        status = IncidentStatus.RESOLVED
        started_at = started_at or backfill_date
        if started_at is None:
            raise invalid("backfill_date", "A backfilled incident needs its backfill_date.")
        resolved_at = resolved_at or started_at
    try:
        incident = services.declare_incident(
            page,
            by=key,
            name=text(fields, "name") or "",
            status=status,
            impact=impact,
            components=choice,
            message=text(fields, "body") or "",
            notify=boolean(fields, "deliver_notifications"),
            started_at=started_at,
            resolved_at=resolved_at,
        )
    except ValidationError as exc:
        raise api_validation_error(exc) from None
    return _answer(page, incident.pk, 201)


def get_incident(request: HttpRequest, key: ApiKey, page_id: str, incident_id: str) -> HttpResponse:
    page = page_for(key, page_id)
    return _answer(page, incident_id)


def update_incident(
    request: HttpRequest, key: ApiKey, page_id: str, incident_id: str
) -> HttpResponse:
    """Rename, and/or post one update: status and body sent together make one entry."""
    page = page_for(key, page_id)
    incident = incident_of(page, incident_id)
    fields = wrapped(request, "incident")
    name = text(fields, "name")
    status = _status(fields)
    body = text(fields, "body")
    impact = _impact_override(fields)
    choice = _components(page, fields)
    notify = boolean(fields, "deliver_notifications")
    check_object(fields, "metadata")
    # Meaningful only on create; still checked, so that a malformed value is refused.
    boolean(fields, "backfilled")
    for field in ("backfill_date", "started_at", "resolved_at"):
        when(fields, field, page)
    if impact is None and choice and status != IncidentStatus.RESOLVED:
        impact = _computed_impact(choice)
    try:
        with transaction.atomic():
            if name is not None:
                services.edit_incident(incident, by=key, name=name)
            if status is not None or body is not None or impact is not None or choice:
                services.post_update(
                    incident,
                    by=key,
                    status=status or incident.status,
                    message=body or "",
                    impact=impact,
                    components=choice,
                    notify=True if notify is None else notify,
                )
    except ValidationError as exc:
        raise api_validation_error(exc) from None
    return _answer(page, incident.pk)


def delete_incident(
    request: HttpRequest, key: ApiKey, page_id: str, incident_id: str
) -> HttpResponse:
    page = page_for(key, page_id)
    incident = incident_of(page, incident_id)
    data = incident_json(incident, page, manage=True)
    services.delete_incident(incident, by=key)
    return ok(data)


def update_incident_update(
    request: HttpRequest, key: ApiKey, page_id: str, incident_id: str, update_id: str
) -> HttpResponse:
    """Correct an earlier entry's body or display time; nobody is notified again."""
    page = page_for(key, page_id)
    incident = incident_of(page, incident_id)
    update = IncidentUpdate.objects.filter(incident=incident, pk=update_id).first()
    if update is None:
        raise ApiError(404, "Incident update not found.")
    fields = wrapped(request, "incident_update")
    # Accepted and ignored: an edit notifies nobody again, and Candor does not tweet.
    boolean(fields, "deliver_notifications")
    boolean(fields, "wants_twitter_update")
    try:
        update = services.edit_update(
            update,
            by=key,
            body=text(fields, "body"),
            display_at=when(fields, "display_at", page),
        )
    except ValidationError as exc:
        raise api_validation_error(exc) from None
    return ok(update_json(update, page, manage=True))
