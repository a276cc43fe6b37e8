"""Reads shared by several surfaces: the overall status rollup, group statuses, incident lists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet

from candor.core.enums import (
    ACTIVE_STATUSES,
    INDICATOR_RANK,
    MAINTENANCE_ACTIVE,
    ComponentStatus,
    Impact,
    Indicator,
    worst,
)
from candor.core.models import (
    AffectedComponent,
    Component,
    ComponentGroup,
    Incident,
    IncidentUpdate,
    MaintenanceSeries,
    Page,
)

CS = ComponentStatus


@dataclass(frozen=True)
class Rollup:
    indicator: Indicator
    description: str


OPERATIONAL = Rollup(Indicator.NONE, "All Systems Operational")
MAINTENANCE = Rollup(Indicator.MAINTENANCE, "Service Under Maintenance")
MINOR_OUTAGE = Rollup(Indicator.MINOR, "Minor Service Outage")
PARTIAL_OUTAGE = Rollup(Indicator.MAJOR, "Partial System Outage")
MAJOR_OUTAGE = Rollup(Indicator.CRITICAL, "Major System Outage")
_IMPACT_ROLLUP: dict[str, Rollup] = {
    Impact.MINOR: MINOR_OUTAGE,
    Impact.MAJOR: PARTIAL_OUTAGE,
    Impact.CRITICAL: MAJOR_OUTAGE,
    # A window in progress with no components still puts the page under maintenance.
    Impact.MAINTENANCE: MAINTENANCE,
}


def rollup(statuses: Iterable[str], componentless_impacts: Iterable[str] = ()) -> Rollup:
    """Statuspage's top-level status from leaf component statuses (reference §2.6).

    An open incident with no components raises the indicator to its impact.
    """
    statuses = list(statuses)
    result = OPERATIONAL
    if statuses:
        w = worst(*statuses)
        everywhere = all(s == w for s in statuses)
        if w == CS.MAJOR_OUTAGE:
            result = MAJOR_OUTAGE if everywhere else PARTIAL_OUTAGE
        elif w == CS.PARTIAL_OUTAGE:
            result = PARTIAL_OUTAGE if everywhere else MINOR_OUTAGE
        elif w == CS.DEGRADED_PERFORMANCE:
            result = Rollup(
                Indicator.MINOR,
                "Degraded System Service" if everywhere else "Partially Degraded Service",
            )
        elif w == CS.UNDER_MAINTENANCE:
            result = MAINTENANCE
    for impact in componentless_impacts:
        raised = _IMPACT_ROLLUP.get(impact)
        if raised and INDICATOR_RANK[raised.indicator] > INDICATOR_RANK[result.indicator]:
            result = raised
    return result


def page_rollup(page: Page) -> Rollup:
    statuses = Component.objects.filter(page=page).values_list("status", flat=True)
    impacts = (
        Incident.objects.filter(Q(status__in=ACTIVE_STATUSES) | Q(status__in=MAINTENANCE_ACTIVE))
        .filter(page=page, affected__isnull=True)
        .values_list("impact", flat=True)
    )
    return rollup(statuses, impacts)


def group_status(components: Iterable[Component]) -> str:
    """A group shows the worst status of its components."""
    return worst(*(c.status for c in components))


def components_by_group(page: Page) -> list[tuple[ComponentGroup | None, list[Component]]]:
    """The page's components in display order: ungrouped ones and groups, by position."""
    groups = list(ComponentGroup.objects.filter(page=page))
    components = list(Component.objects.filter(page=page).select_related("group"))
    by_group: dict[str | None, list[Component]] = {}
    for component in components:
        by_group.setdefault(component.group_id, []).append(component)
    rows: list[tuple[int, ComponentGroup | None, list[Component]]] = []
    for component in by_group.get(None, []):
        rows.append((component.position, None, [component]))
    for group in groups:
        rows.append((group.position, group, by_group.get(group.pk, [])))
    rows.sort(key=lambda r: (r[0], r[1] is not None))
    return [(g, cs) for _, g, cs in rows]


def incidents_with_timeline(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """Incidents with their updates (newest first) and affected components, in three queries."""
    return queryset.prefetch_related(
        Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-display_at", "-created_at")),
        Prefetch(
            "affected",
            queryset=AffectedComponent.objects.select_related("component__group").order_by(
                "component__position"
            ),
        ),
    )


UPCOMING_SHOWN = 20


def series_with_upcoming(
    queryset: QuerySet[MaintenanceSeries], since: datetime
) -> QuerySet[MaintenanceSeries]:
    """Series with their components (page order) and, as `upcoming`, their next windows from
    `since`: three queries for any number of series."""
    upcoming = Incident.objects.filter(scheduled_for__gte=since).order_by("scheduled_for")
    return queryset.prefetch_related(
        Prefetch("components", queryset=Component.objects.order_by("position", "name")),
        Prefetch("occurrences", queryset=upcoming[:UPCOMING_SHOWN], to_attr="upcoming"),
    )


def delivery_counts(update_ids: Iterable[str]) -> dict[str, dict[str, int]]:
    """Per update, how many deliveries are in each state (pending, sent, failed, cancelled)."""
    from django.db.models import Count

    from candor.core.models import Delivery

    counts: dict[str, dict[str, int]] = {}
    rows = (
        Delivery.objects.filter(update_id__in=list(update_ids))
        .values_list("update_id", "state")
        .annotate(n=Count("id"))
    )
    for update_id, state, n in rows:
        counts.setdefault(update_id, {})[state] = n
    return counts
