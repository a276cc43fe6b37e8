"""The domain's vocabulary: statuses, impact, and the rules that map one onto another."""

from django.db import models


class ComponentStatus(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    DEGRADED_PERFORMANCE = "degraded_performance", "Degraded Performance"
    PARTIAL_OUTAGE = "partial_outage", "Partial Outage"
    MAJOR_OUTAGE = "major_outage", "Major Outage"
    UNDER_MAINTENANCE = "under_maintenance", "Under Maintenance"


# Severity order for "worst wins": maintenance is worse than operational, better than any outage.
SEVERITY: dict[str, int] = {
    ComponentStatus.OPERATIONAL: 0,
    ComponentStatus.UNDER_MAINTENANCE: 1,
    ComponentStatus.DEGRADED_PERFORMANCE: 2,
    ComponentStatus.PARTIAL_OUTAGE: 3,
    ComponentStatus.MAJOR_OUTAGE: 4,
}


def worst(*statuses: str) -> str:
    return max(statuses, key=SEVERITY.__getitem__, default=ComponentStatus.OPERATIONAL)


class Impact(models.TextChoices):
    NONE = "none", "None"
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"
    # A maintenance's impact (Statuspage's); an incident never declares it.
    MAINTENANCE = "maintenance", "Maintenance"


# What an incident may declare; `maintenance` belongs to maintenances.
INCIDENT_IMPACTS: tuple[str, ...] = (Impact.NONE, Impact.MINOR, Impact.MAJOR, Impact.CRITICAL)

IMPACT_HELP: dict[str, str] = {
    Impact.NONE: "Investigating a potential issue with no confirmed client impact",
    Impact.MINOR: "Small subset of users affected or minimal service degradation",
    Impact.MAJOR: "Most users experiencing disruption; service usability significantly reduced",
    Impact.CRITICAL: "Complete outage; service unavailable to all or nearly all users",
}

# What an impact does to the components it touches (None leaves them as they are).
IMPACT_COMPONENT_STATUS: dict[str, str] = {
    Impact.NONE: ComponentStatus.OPERATIONAL,
    Impact.MINOR: ComponentStatus.DEGRADED_PERFORMANCE,
    Impact.MAJOR: ComponentStatus.PARTIAL_OUTAGE,
    Impact.CRITICAL: ComponentStatus.MAJOR_OUTAGE,
    Impact.MAINTENANCE: ComponentStatus.UNDER_MAINTENANCE,
}

# The reverse, used where only component statuses are given (Statuspage's computed impact).
COMPONENT_STATUS_IMPACT: dict[str, str] = {
    ComponentStatus.MAJOR_OUTAGE: Impact.CRITICAL,
    ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR,
    ComponentStatus.DEGRADED_PERFORMANCE: Impact.MINOR,
}


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"
    POSTMORTEM = "postmortem", "Postmortem"
    # A maintenance's statuses (Statuspage's), and Candor's `cancelled`.
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    VERIFYING = "verifying", "Verifying"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class IncidentKind(models.TextChoices):
    INCIDENT = "incident", "Incident"
    MAINTENANCE = "maintenance", "Maintenance"


INCIDENT_STATUS_HELP: dict[str, str] = {
    IncidentStatus.INVESTIGATING: "Team is aware and looking into the cause",
    IncidentStatus.IDENTIFIED: "Root cause has been found; fix is in progress",
    IncidentStatus.MONITORING: "Fix has been applied; team is watching to confirm resolution",
    IncidentStatus.RESOLVED: "Service is confirmed restored",
    IncidentStatus.POSTMORTEM: "A post-incident report has been published",
}

ACTIVE_STATUSES: frozenset[str] = frozenset(
    {IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING}
)
# Closed: an incident resolved (or with its postmortem), a maintenance completed or cancelled.
CLOSED_STATUSES: frozenset[str] = frozenset(
    {
        IncidentStatus.RESOLVED,
        IncidentStatus.POSTMORTEM,
        IncidentStatus.COMPLETED,
        IncidentStatus.CANCELLED,
    }
)
# Watching after the work: `monitoring_at` is when an incident or a maintenance entered one.
WATCHING_STATUSES: frozenset[str] = frozenset({IncidentStatus.MONITORING, IncidentStatus.VERIFYING})
# `postmortem` is set only by publishing a postmortem, never posted by hand.
POSTABLE_STATUSES: tuple[str, ...] = (
    IncidentStatus.INVESTIGATING,
    IncidentStatus.IDENTIFIED,
    IncidentStatus.MONITORING,
    IncidentStatus.RESOLVED,
)
# A maintenance's statuses an update may post; `cancelled` is cancel_maintenance()'s.
MAINTENANCE_POSTABLE: tuple[str, ...] = (
    IncidentStatus.SCHEDULED,
    IncidentStatus.IN_PROGRESS,
    IncidentStatus.VERIFYING,
    IncidentStatus.COMPLETED,
)
# A window in progress holds its components under maintenance (DESIGN §1).
MAINTENANCE_ACTIVE: frozenset[str] = frozenset(
    {IncidentStatus.IN_PROGRESS, IncidentStatus.VERIFYING}
)
MAINTENANCE_OPEN: frozenset[str] = MAINTENANCE_ACTIVE | {IncidentStatus.SCHEDULED}

MAINTENANCE_STATUS_HELP: dict[str, str] = {
    IncidentStatus.SCHEDULED: "Announced; the work has not started",
    IncidentStatus.IN_PROGRESS: "The work is under way; components are under maintenance",
    IncidentStatus.VERIFYING: "The work is done; the team is checking everything is back",
    IncidentStatus.COMPLETED: "The window is over",
}


class Indicator(models.TextChoices):
    """The overall page status (Statuspage's `status.indicator`)."""

    NONE = "none", "None"
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"
    MAINTENANCE = "maintenance", "Maintenance"


# Which indicator wins when two apply: maintenance is above none and below any outage.
INDICATOR_RANK: dict[str, int] = {
    Indicator.NONE: 0,
    Indicator.MAINTENANCE: 1,
    Indicator.MINOR: 2,
    Indicator.MAJOR: 3,
    Indicator.CRITICAL: 4,
}
