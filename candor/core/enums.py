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
CLOSED_STATUSES: frozenset[str] = frozenset({IncidentStatus.RESOLVED, IncidentStatus.POSTMORTEM})
# `postmortem` is set only by publishing a postmortem, never posted by hand.
POSTABLE_STATUSES: tuple[str, ...] = (
    IncidentStatus.INVESTIGATING,
    IncidentStatus.IDENTIFIED,
    IncidentStatus.MONITORING,
    IncidentStatus.RESOLVED,
)


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
