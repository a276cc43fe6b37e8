from candor.core.models.access import ApiKey, AuditEntry
from candor.core.models.base import new_id
from candor.core.models.incidents import (
    AffectedComponent,
    Incident,
    IncidentUpdate,
    Postmortem,
    PostmortemTimelineEntry,
)
from candor.core.models.notifications import (
    Delivery,
    DeliveryAttempt,
    DeliveryKind,
    DeliveryState,
    Subscriber,
    SubscriberMode,
    SubscriberState,
    SubscriptionThrottle,
)
from candor.core.models.pages import Component, ComponentGroup, ComponentStatusChange, Page
from candor.core.models.workers import WorkerHeartbeat

__all__ = [
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
    "IncidentUpdate",
    "Page",
    "Postmortem",
    "PostmortemTimelineEntry",
    "Subscriber",
    "SubscriberMode",
    "SubscriberState",
    "SubscriptionThrottle",
    "WorkerHeartbeat",
    "new_id",
]
