"""Scheduled maintenances through Statuspage's incident endpoints (reference §3.3): a create
with a maintenance status or a `scheduled_for` schedules a window; a PATCH of a maintenance
reschedules it, posts to it, or moves it on (start, verify, complete, cancel)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from candor.api.bodies.base import MAINTENANCE_STATUSES, Paging
from candor.api.bodies.incidents import IncidentFields
from candor.api.http import ok
from candor.api.operations import operation
from candor.core import services
from candor.core.enums import MAINTENANCE_ACTIVE, Impact, IncidentStatus
from candor.core.models import ApiKey, Component, Incident, IncidentUpdate, Page
from candor.core.queries import incidents_with_timeline
from candor.core.serializers import incident_json
from candor.core.services import maintenance

TAG = "Incidents"
FLAG_NAMES = maintenance.FLAG_FIELDS


def is_maintenance_request(fields: IncidentFields) -> bool:
    return (
        fields.status in MAINTENANCE_STATUSES
        or fields.scheduled_for is not None
        or fields.impact_override == Impact.MAINTENANCE
    )


def _flags(fields: IncidentFields, current: maintenance.Flags) -> maintenance.Flags:
    """The window's flags: those given, the rest as they are (or the defaults)."""
    values = {name: getattr(current, name) for name in FLAG_NAMES}
    if fields.scheduled_auto_transition is not None:
        values["scheduled_auto_in_progress"] = fields.scheduled_auto_transition
        values["scheduled_auto_completed"] = fields.scheduled_auto_transition
    for name in FLAG_NAMES:
        given = getattr(fields, name, None)
        if given is not None:
            values[name] = given
    return maintenance.Flags(**values)


def _current_flags(incident: Incident) -> maintenance.Flags:
    return maintenance.Flags(**{name: getattr(incident, name) for name in FLAG_NAMES})


def create(
    page: Page, key: ApiKey, fields: IncidentFields, choice: dict[Component, str | None]
) -> Incident:
    """Schedule a window; created `in_progress`, it starts at once (Statuspage allows it)."""
    status = fields.status or IncidentStatus.SCHEDULED
    if status not in (IncidentStatus.SCHEDULED, IncidentStatus.IN_PROGRESS):
        raise ValidationError({"status": ["A new maintenance is scheduled or in_progress."]})
    with transaction.atomic():
        incident = maintenance.schedule_maintenance(
            page,
            by=key,
            name=fields.name or "",
            scheduled_for=fields.scheduled_for,
            scheduled_until=fields.scheduled_until,
            components=choice,
            message=fields.body or "",
            flags=_flags(fields, maintenance.Flags()),
            public_from=fields.public_from,
        )
        if status == IncidentStatus.IN_PROGRESS:
            maintenance.start_maintenance(incident, by=key, notify=incident.deliver_notifications)
    return incident


def update(
    incident: Incident,
    key: ApiKey,
    fields: IncidentFields,
    choice: dict[Component, str | None] | None,
) -> None:
    """Edit the window's settings, then move it on by `status` (with `body` as its message)."""
    status, message = fields.status, fields.body or ""
    notify = fields.deliver_notifications
    flags = _flags(fields, _current_flags(incident))
    with transaction.atomic():
        reconfigured = (
            fields.name is not None
            or fields.scheduled_for is not None
            or fields.scheduled_until is not None
            or fields.public_from is not None
            or choice is not None
            or flags != _current_flags(incident)
        )
        if reconfigured:
            # A message with a status goes with the status' entry; alone, with the edit's.
            maintenance.edit_maintenance(
                incident,
                by=key,
                name=fields.name,
                scheduled_for=fields.scheduled_for,
                scheduled_until=fields.scheduled_until,
                components=choice,
                flags=flags,
                public_from=fields.public_from,
                message="" if status else message,
                notify=notify,
            )
            if not status:
                return
        incident.refresh_from_db()
        moves: dict[tuple[str, str], Callable[..., IncidentUpdate]] = {
            (IncidentStatus.SCHEDULED, IncidentStatus.IN_PROGRESS): maintenance.start_maintenance,
            (IncidentStatus.SCHEDULED, IncidentStatus.CANCELLED): maintenance.cancel_maintenance,
        }
        for active in MAINTENANCE_ACTIVE:
            moves[(active, IncidentStatus.COMPLETED)] = maintenance.complete_maintenance
        move = moves.get((incident.status, status or ""))
        if move is not None:
            # Without the request's choice, the service decides, as for the manage UI: a
            # cancellation follows the window's deliver_notifications, a start or end notifies.
            move(incident, by=key, message=message, notify=notify)
        elif status is not None or message:
            services.post_update(
                incident,
                by=key,
                status=status or incident.status,
                message=message,
                notify=True if notify is None else notify,
            )


def _ordered(page: Page, found: QuerySet[Incident], order: str, query: Paging) -> HttpResponse:
    offset, count = query.window()
    rows = incidents_with_timeline(found).select_related("postmortem").order_by(order, "pk")
    return ok([incident_json(i, page, manage=True) for i in rows[offset : offset + count]])


@operation(
    "UpcomingMaintenances",
    "Maintenances still to come (status scheduled), soonest first",
    tag=TAG,
    answer="Incident[]",
    query=Paging,
)
def list_upcoming(request: HttpRequest, key: ApiKey, page: Page, query: Paging) -> HttpResponse:
    found = Incident.objects.upcoming().filter(page=page)
    return _ordered(page, found, "scheduled_for", query)


@operation(
    "ScheduledMaintenances",
    "Every maintenance (any status), latest window first",
    tag=TAG,
    answer="Incident[]",
    query=Paging,
)
def list_scheduled(request: HttpRequest, key: ApiKey, page: Page, query: Paging) -> HttpResponse:
    found = Incident.objects.maintenances().filter(page=page)
    return _ordered(page, found, "-scheduled_for", query)


@operation(
    "ActiveMaintenances",
    "Maintenances in progress or verifying",
    tag=TAG,
    answer="Incident[]",
    query=Paging,
)
def list_active(request: HttpRequest, key: ApiKey, page: Page, query: Paging) -> HttpResponse:
    found = Incident.objects.in_progress().filter(page=page)
    return _ordered(page, found, "scheduled_for", query)
