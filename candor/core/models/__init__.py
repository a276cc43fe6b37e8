from candor.core.models.access import ApiKey, AuditEntry
from candor.core.models.alerts import (
    Alert,
    AlertPayload,
    AutoIncident,
    Integration,
    IntegrationKind,
    IntegrationMode,
    ProposalState,
    ProposedIncident,
)
from candor.core.models.base import new_id
from candor.core.models.incidents import (
    AffectedComponent,
    Incident,
    IncidentUpdate,
    IncidentUpdateRevision,
    MaintenanceSeries,
    Postmortem,
    PostmortemTimelineEntry,
)
from candor.core.models.notifications import (
    CHAT_MODES,
    Delivery,
    DeliveryAttempt,
    DeliveryKind,
    DeliveryState,
    Subscriber,
    SubscriberMode,
    SubscriberState,
    SubscriptionThrottle,
    TeamChannel,
    TeamEvent,
)
from candor.core.models.pages import Component, ComponentGroup, ComponentStatusChange, Page
from candor.core.models.team import TwoFactor
from candor.core.models.templates import IncidentTemplate, UpdateSnippet
from candor.core.models.workers import WorkerHeartbeat

__all__ = [
    "Alert",
    "AlertPayload",
    "AutoIncident",
    "Integration",
    "IntegrationKind",
    "IntegrationMode",
    "ProposalState",
    "ProposedIncident",
    "CHAT_MODES",
    "AffectedComponent",
    "ApiKey",
    "AuditEntry",
    "Component",
    "ComponentGroup",
    "ComponentStatusChange",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryKind",
    "DeliveryState",
    "Incident",
    "IncidentTemplate",
    "IncidentUpdate",
    "MaintenanceSeries",
    "IncidentUpdateRevision",
    "Page",
    "Postmortem",
    "PostmortemTimelineEntry",
    "Subscriber",
    "SubscriberMode",
    "SubscriberState",
    "SubscriptionThrottle",
    "TwoFactor",
    "TeamChannel",
    "TeamEvent",
    "UpdateSnippet",
    "WorkerHeartbeat",
    "new_id",
]
