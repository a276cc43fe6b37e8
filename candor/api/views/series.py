"""Recurring maintenance (Candor's extension: Statuspage has no series): list, create, read,
edit and end a page's series. Each is the manage UI's series, through the same services."""

from __future__ import annotations

from dataclasses import asdict, replace

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from candor.api.bodies.base import Paging
from candor.api.bodies.incidents import NewSeriesBody, SeriesBody, SeriesEnd, SeriesFields
from candor.api.http import ApiError, Data, ok, validation_error
from candor.api.operations import operation
from candor.api.views.components import components_of
from candor.core.models import ApiKey, Component, MaintenanceSeries, Page
from candor.core.queries import series_with_upcoming
from candor.core.serializers import series_json
from candor.core.services import maintenance
from candor.core.services import series as series_service
from candor.core.services.base import now

TAG = "Maintenance series"
# The service's names for what the API calls otherwise.
FIELD_NAMES = {"components": "component_ids"}


def _json(
    made: MaintenanceSeries, page: Page, outcome: series_service.Outcome | None = None
) -> Data:
    """The series as it is now, re-read with what its JSON shows, and what a verb did to it."""
    (fresh,) = series_with_upcoming(MaintenanceSeries.objects.filter(pk=made.pk), now())
    data = series_json(fresh, page, asdict(series_service.flags_of(fresh)))
    if outcome is not None:
        data["occurrences_changed"] = outcome.changed
        data["occurrences_cancelled"] = outcome.cancelled
        data["occurrences_added"] = outcome.made
        data["occurrences_left_alone"] = outcome.left_alone
    return data


def _series(page: Page, series_id: str) -> MaintenanceSeries:
    found = MaintenanceSeries.objects.filter(page=page, pk=series_id).first()
    if found is None:
        raise ApiError(404, "Maintenance series not found.")
    return found


def _components(page: Page, fields: SeriesFields) -> list[Component] | None:
    if fields.component_ids is None:
        return None
    return components_of(page, fields.component_ids, "component_ids")


def _flags(fields: SeriesFields, current: maintenance.Flags) -> maintenance.Flags | None:
    """The flags given over the series' own; None when none is given."""
    given = {
        n: getattr(fields, n) for n in maintenance.FLAG_FIELDS if getattr(fields, n) is not None
    }
    return replace(current, **given) if given else None


@operation(
    "MaintenanceSeriesList",
    "Recurring maintenance series of the page, ended ones included, by name",
    tag=TAG,
    answer="MaintenanceSeries[]",
    query=Paging,
)
def list_series(request: HttpRequest, key: ApiKey, page: Page, query: Paging) -> HttpResponse:
    offset, count = query.window()
    found = MaintenanceSeries.objects.filter(page=page).order_by("name", "pk")
    shown = series_with_upcoming(found[offset : offset + count], now())
    return ok([series_json(s, page, asdict(series_service.flags_of(s))) for s in shown])


@operation(
    "MaintenanceSeries",
    "Create a recurring maintenance: its first four weeks of windows are scheduled at once",
    tag=TAG,
    answer="MaintenanceSeries",
    status=201,
    body=NewSeriesBody,
)
def create_series(
    request: HttpRequest, key: ApiKey, page: Page, body: NewSeriesBody
) -> HttpResponse:
    fields = body.maintenance_series
    try:
        made = series_service.create_series(
            page,
            by=key,
            name=fields.name or "",
            rrule_text=fields.rrule or "",
            time_zone=fields.time_zone or page.time_zone,
            starts_at=fields.starts_at,
            duration_minutes=fields.duration_minutes or 0,
            message=fields.message or "",
            excluded_dates=fields.excluded_dates or (),
            components=_components(page, fields) or (),
            flags=_flags(fields, maintenance.Flags()) or maintenance.Flags(),
        )
    except ValidationError as exc:
        raise validation_error(exc, FIELD_NAMES) from None
    return ok(_json(made, page), 201)


@operation("MaintenanceSeries", "A recurring maintenance", tag=TAG, answer="MaintenanceSeries")
def get_series(request: HttpRequest, key: ApiKey, page: Page, series_id: str) -> HttpResponse:
    return ok(_json(_series(page, series_id), page))


@operation(
    "MaintenanceSeries",
    "Edit a recurring maintenance: only its future, scheduled windows that were not edited "
    "alone change; the answer counts them",
    tag=TAG,
    answer="MaintenanceSeries",
    body=SeriesBody,
)
def update_series(
    request: HttpRequest, key: ApiKey, page: Page, series_id: str, body: SeriesBody
) -> HttpResponse:
    made = _series(page, series_id)
    fields = body.maintenance_series
    try:
        outcome = series_service.edit_series(
            made,
            by=key,
            name=fields.name,
            message=fields.message,
            rrule_text=fields.rrule,
            time_zone=fields.time_zone,
            starts_at=fields.starts_at,
            duration_minutes=fields.duration_minutes,
            excluded_dates=fields.excluded_dates,
            components=_components(page, fields),
            flags=_flags(fields, series_service.flags_of(made)),
        )
    except ValidationError as exc:
        raise validation_error(exc, FIELD_NAMES) from None
    return ok(_json(outcome.series, page, outcome))


@operation(
    "MaintenanceSeries",
    "End a recurring maintenance: no more windows, its future scheduled ones cancelled, "
    "without notices unless notify=true (then one to each subscriber); returns it",
    tag=TAG,
    answer="MaintenanceSeries",
    query=SeriesEnd,
)
def end_series(
    request: HttpRequest, key: ApiKey, page: Page, series_id: str, query: SeriesEnd
) -> HttpResponse:
    made = _series(page, series_id)
    try:
        outcome = series_service.end_series(made, by=key, notify=query.notify)
    except ValidationError as exc:
        raise validation_error(exc, FIELD_NAMES) from None
    return ok(_json(outcome.series, page, outcome))
