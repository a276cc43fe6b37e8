"""The objects the management API answers with (core/serializers.py's shapes), as schemas.

Request bodies are not here: they are declared once, in candor/api/bodies/.
"""

from __future__ import annotations

from typing import Any

from candor.api.bodies.base import SUBSCRIBER_TYPES
from candor.api.fields import ID_LIST
from candor.core.enums import ComponentStatus, Impact, IncidentStatus
from candor.core.models import SubscriberMode, SubscriberState
from candor.core.services.maintenance import FLAG_FIELDS

Schema = dict[str, Any]

COMPONENT_STATUSES = list(ComponentStatus.values)


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {**schema, "nullable": True}


def string(description: str = "", **extra: Any) -> Schema:
    schema: Schema = {"type": "string", **extra}
    if description:
        schema["description"] = description
    return schema


TIME = string(format="date-time")


def obj(properties: dict[str, Schema], required: list[str] | None = None, **extra: Any) -> Schema:
    schema: Schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = required
    return schema


# --- response objects ---

LINKS: Schema = {
    "type": "array",
    "items": obj({"label": string(), "url": string()}, ["label", "url"]),
}

BRANDING = obj(
    {
        "accent_light": nullable(string("Links and buttons in the light scheme, #rrggbb.")),
        "accent_dark": nullable(string("The same in the dark scheme.")),
        "header_links": LINKS,
        "footer_links": LINKS,
        "about": nullable(string("Markdown shown above the components.")),
        "custom_css": nullable(string("Served as /brand.css after the colours.")),
        "logo_url": nullable(string("Where the public site serves the logo; read-only.")),
        "favicon_url": nullable(string("Where the public site serves the favicon; read-only.")),
    },
    ["accent_light", "accent_dark", "header_links", "footer_links", "about", "custom_css"],
    description="Candor's extension: Page settings' branding (null: Candor's default).",
)

PAGE = obj(
    {
        "id": string(),
        "name": string(),
        "url": string(),
        "time_zone": string(),
        "updated_at": TIME,
        "created_at": nullable(TIME),
        "support_url": nullable(string()),
        "candor_branding": BRANDING,
        "require_two_factor": {
            "type": "boolean",
            "readOnly": True,
            "description": "Candor's extension: whether an Administrator requires two-factor "
            "sign-in of every operator (set on the Users tab, not through the API).",
        },
    },
    ["id", "name", "url", "time_zone", "updated_at"],
)

COMPONENT = obj(
    {
        "id": string(),
        "name": string(),
        "status": string(enum=COMPONENT_STATUSES),
        "created_at": TIME,
        "updated_at": TIME,
        "position": {"type": "integer"},
        "description": nullable(string()),
        "showcase": {"type": "boolean"},
        "start_date": nullable(string(format="date")),
        "group_id": nullable(string()),
        "page_id": string(),
        "group": {"type": "boolean"},
        "only_show_if_degraded": {"type": "boolean"},
        "components": {**ID_LIST, "description": "Child ids; only on group containers."},
        "automation_email": nullable(
            string("Always null: monitoring reaches Candor through integration URLs.")
        ),
    },
    ["id", "name", "status", "position", "group", "page_id"],
)

COMPONENT_GROUP = obj(
    {
        "id": string(),
        "page_id": string(),
        "name": string(),
        "description": nullable(string()),
        "components": ID_LIST,
        "position": {"type": "integer"},
        "created_at": TIME,
        "updated_at": TIME,
    },
    ["id", "page_id", "name", "components", "position"],
)

AFFECTED = obj(
    {
        "code": string(),
        "name": string(),
        "old_status": string(enum=COMPONENT_STATUSES),
        "new_status": string(enum=COMPONENT_STATUSES),
    }
)

# Statuspage's statuses: a cancelled maintenance is `completed` on the wire (docs/decisions.md).
WIRE_STATUSES = [s for s in IncidentStatus.values if s != IncidentStatus.CANCELLED]

INCIDENT_UPDATE = obj(
    {
        "id": string(),
        "status": string(enum=WIRE_STATUSES),
        "body": string(),
        "incident_id": string(),
        "created_at": TIME,
        "updated_at": TIME,
        "display_at": TIME,
        "affected_components": nullable({"type": "array", "items": ref("AffectedComponent")}),
        "deliver_notifications": {"type": "boolean"},
        "custom_tweet": nullable(string()),
        "tweet_id": nullable(string()),
        "wants_twitter_update": {"type": "boolean"},
        "twitter_updated_at": nullable(TIME),
    },
    ["id", "status", "body", "incident_id", "display_at"],
)

INCIDENT = obj(
    {
        "id": string(),
        "name": string(),
        "status": string(enum=WIRE_STATUSES),
        "created_at": TIME,
        "updated_at": TIME,
        "monitoring_at": nullable(TIME),
        "resolved_at": nullable(TIME),
        "impact": string(enum=list(Impact.values)),
        "shortlink": string(),
        "started_at": TIME,
        "page_id": string(),
        "incident_updates": {"type": "array", "items": ref("IncidentUpdate")},
        "components": {"type": "array", "items": ref("Component")},
        "reminder_intervals": nullable(string()),
        "impact_override": nullable(string(enum=list(Impact.values))),
        "metadata": {"type": "object"},
        "backfilled": {"type": "boolean"},
        "postmortem_body": nullable(string(description="Markdown of the published postmortem.")),
        "postmortem_body_last_updated_at": nullable(TIME),
        "postmortem_ignored": {"type": "boolean"},
        "postmortem_notified_subscribers": {"type": "boolean"},
        "postmortem_notified_twitter": {"type": "boolean"},
        "postmortem_published_at": nullable(TIME),
        "scheduled_for": nullable(TIME),
        "scheduled_until": nullable(TIME),
        "scheduled_remind_prior": {"type": "boolean"},
        "scheduled_reminded_at": nullable(TIME),
        "scheduled_auto_in_progress": {"type": "boolean"},
        "scheduled_auto_completed": {"type": "boolean"},
        "auto_transition_deliver_notifications_at_end": {"type": "boolean"},
        "auto_transition_deliver_notifications_at_start": {"type": "boolean"},
        "auto_transition_to_maintenance_state": {"type": "boolean"},
        "auto_transition_to_operational_state": {"type": "boolean"},
        # Candor's, on maintenances only.
        "remind_minutes_before": {"type": "integer"},
        "public_from": nullable(TIME),
        "deliver_notifications": {"type": "boolean"},
        "cancelled": {
            "type": "boolean",
            "description": "Called off (shown as status completed, for Statuspage's clients).",
        },
        "series_id": nullable(string()),
    },
    ["id", "name", "status", "impact", "page_id", "incident_updates", "components"],
)

POSTMORTEM = obj(
    {
        "preview_key": nullable(string()),
        "body": nullable(string(description="Markdown of every section, once published.")),
        "body_updated_at": nullable(TIME),
        "body_draft": string(description="Markdown of every section (the draft as written)."),
        "body_draft_updated_at": nullable(TIME),
        "published_at": nullable(TIME),
        "notify_subscribers": {"type": "boolean"},
        "notify_twitter": {"type": "boolean"},
        "custom_tweet": nullable(string()),
        "created_at": TIME,
        "updated_at": TIME,
        "title": string(),
        "summary": string(),
        "impact_description": string(),
        "root_cause": string(),
        "corrective_actions": string(),
        "timeline": {
            "type": "array",
            "items": obj({"at": TIME, "description": string()}, ["at", "description"]),
        },
    },
    ["body", "body_draft", "published_at", "title", "timeline"],
)

SUBSCRIBER = obj(
    {
        "id": string(),
        "mode": string(enum=list(SubscriberMode.values)),
        "email": nullable(string("The address, or a webhook's contact.")),
        "endpoint": nullable(string()),
        "phone_number": nullable(string()),
        "phone_country": nullable(string()),
        "display_phone_number": nullable(string()),
        "obfuscated_channel_name": nullable(string()),
        "workspace_name": nullable(string()),
        "quarantined_at": nullable(TIME),
        "purge_at": nullable(TIME),
        "components": {**ID_LIST, "description": "Chosen components; empty means all."},
        "page_access_user_id": nullable(string()),
        "created_at": TIME,
        "skip_confirmation_notification": {"type": "boolean"},
        "state": string(enum=list(SubscriberState.values)),
        "secret": string("Webhook signing secret: only in the answer that created it."),
    },
    ["id", "mode", "components", "created_at", "state"],
)

SUBSCRIBER_COUNT = obj(
    {kind: {"type": "integer"} for kind in SUBSCRIBER_TYPES}, list(SUBSCRIBER_TYPES)
)

STATE_COUNTS = obj(
    {k: {"type": "integer"} for k in ("active", "unconfirmed", "quarantined", "total")},
    ["active", "unconfirmed", "quarantined", "total"],
)

SUBSCRIBER_HISTOGRAM = obj(
    {kind: ref("SubscriberStateCounts") for kind in SUBSCRIBER_TYPES}, list(SUBSCRIBER_TYPES)
)

AFFECTED_SUBSCRIBERS = obj({"subscribers": ID_LIST}, ["subscribers"])

INTEGRATION = obj(
    {
        "id": string(),
        "page_id": string(),
        "name": string(),
        "kind": string(enum=["alertmanager", "grafana", "generic"]),
        "mode": string(enum=["status", "propose", "incident"]),
        "url": string("The URL to give the monitoring: only in the answer that created it."),
        "url_prefix": string("The URL's first characters, to recognise it."),
        "rules": string("Lines of MATCHERS -> COMPONENT[: STATUS]."),
        "severity_map": {"type": "object", "additionalProperties": {"type": "string"}},
        "hold_down_seconds": {"type": "integer"},
        "clear_delay_seconds": {"type": "integer"},
        "flap_limit": {"type": "integer"},
        "bearer_token_required": {"type": "boolean"},
        "signature_required": {"type": "boolean"},
        "frozen_at": nullable(TIME),
        "revoked_at": nullable(TIME),
        "created_at": TIME,
    },
    ["id", "page_id", "name", "kind", "mode", "url_prefix"],
)

ERROR = obj(
    {
        "error": string("What went wrong, in one sentence."),
        "errors": {
            "type": "object",
            "description": "Per field, its messages (validation errors only).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    ["error"],
)

INCIDENT_TEMPLATE = obj(
    {
        "id": string(),
        "name": string(),
        "title": string(),
        "body": string(),
        "group_id": nullable(string()),
        "update_status": string(enum=[s for s in IncidentStatus.values if s != "postmortem"]),
        "impact": string(enum=list(Impact.values), description="Candor's addition."),
        "should_tweet": {"type": "boolean"},
        "should_send_notifications": {"type": "boolean"},
        "components": {"type": "array", "items": ref("Component")},
    },
    ["id", "name", "title", "body", "update_status", "should_send_notifications", "components"],
)

SERIES_WINDOW = obj(
    {
        "id": string("The maintenance (an incident of kind maintenance)."),
        "status": string(enum=["scheduled", "in_progress", "verifying", "completed", "cancelled"]),
        "scheduled_for": TIME,
        "scheduled_until": TIME,
        "detached": {"type": "boolean", "description": "Edited or cancelled on its own."},
    },
    ["id", "status", "scheduled_for", "scheduled_until", "detached"],
)

COUNT = {"type": "integer", "minimum": 0}

MAINTENANCE_SERIES = obj(
    {
        "id": string(),
        "page_id": string(),
        "name": string(),
        "message": string(),
        "rrule": string("RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=SU."),
        "time_zone": string("The IANA zone the rule repeats in."),
        "starts_at": TIME,
        "duration_minutes": {"type": "integer"},
        "excluded_dates": {"type": "array", "items": string(format="date")},
        "component_ids": ID_LIST,
        **{
            name: {"type": "integer"} if name == "remind_minutes_before" else {"type": "boolean"}
            for name in FLAG_FIELDS
        },
        "expanded_until": nullable(TIME),
        "ended_at": nullable(TIME),
        "created_at": TIME,
        "updated_at": TIME,
        "upcoming": {
            "type": "array",
            "items": ref("MaintenanceSeriesWindow"),
            "description": "Its windows to come (at most 20), soonest first.",
        },
        "occurrences_changed": {**COUNT, "description": "PATCH: future windows changed."},
        "occurrences_cancelled": {
            **COUNT,
            "description": "PATCH, DELETE: future windows cancelled (the rule no longer has "
            "them, or the series ended).",
        },
        "occurrences_added": {**COUNT, "description": "PATCH: windows the new rule added."},
        "occurrences_left_alone": {
            **COUNT,
            "description": "PATCH, DELETE: future windows edited or cancelled on their own, "
            "left as they are.",
        },
    },
    ["id", "page_id", "name", "rrule", "time_zone", "starts_at", "duration_minutes", "upcoming"],
)

OBJECTS: dict[str, Schema] = {
    "Page": PAGE,
    "Component": COMPONENT,
    "ComponentGroup": COMPONENT_GROUP,
    "AffectedComponent": AFFECTED,
    "IncidentUpdate": INCIDENT_UPDATE,
    "Incident": INCIDENT,
    "Postmortem": POSTMORTEM,
    "IncidentTemplate": INCIDENT_TEMPLATE,
    "Subscriber": SUBSCRIBER,
    "SubscriberCount": SUBSCRIBER_COUNT,
    "SubscriberStateCounts": STATE_COUNTS,
    "SubscriberHistogram": SUBSCRIBER_HISTOGRAM,
    "AffectedSubscribers": AFFECTED_SUBSCRIBERS,
    "Integration": INTEGRATION,
    "MaintenanceSeries": MAINTENANCE_SERIES,
    "MaintenanceSeriesWindow": SERIES_WINDOW,
    "Error": ERROR,
}
