"""The OpenAPI 3 description of the management API, built from the same vocabulary as the code.

Request schemas are no stricter than the handlers (text is trimmed before its length is checked,
so lengths are described in prose), and every optional field accepts null as "not given".
"""

from __future__ import annotations

from typing import Any

from candor.core.enums import ComponentStatus, Impact, IncidentStatus

Schema = dict[str, Any]

POSTABLE = ["investigating", "identified", "monitoring", "resolved"]
COMPONENT_STATUSES = list(ComponentStatus.values)
ERROR_STATUSES = {
    "400": "Malformed body, query or encoding.",
    "401": "No key, or a wrong or revoked key.",
    "403": "The key's owner has been deactivated.",
    "404": "Not found (or it belongs to a page this key cannot see).",
    "405": "Method not allowed.",
    "409": "The object is in the wrong state for this.",
    "422": "Invalid fields; nothing was written.",
    "429": "Rate limit exceeded; see Retry-After.",
}


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
BOOLEAN: Schema = {
    "description": "true/false, or (as in Rails forms) the strings t/f/1/0 and the numbers 1/0.",
    "anyOf": [
        {"type": "boolean"},
        {"type": "string", "enum": ["true", "false", "t", "f", "1", "0"]},
        {"type": "integer", "enum": [0, 1]},
    ],
}
ID_LIST: Schema = {"type": "array", "items": {"type": "string"}}


def obj(properties: dict[str, Schema], required: list[str] | None = None, **extra: Any) -> Schema:
    schema: Schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = required
    return schema


def optional(properties: dict[str, Schema]) -> dict[str, Schema]:
    return {name: nullable(schema) for name, schema in properties.items()}


def wrapper(name: str, inner: Schema, *, required: bool = True, **beside: Schema) -> Schema:
    properties = {name: inner if required else nullable(inner), **beside}
    return obj(properties, [name] if required else None)


# --- response objects ---

PAGE = obj(
    {
        "id": string(),
        "name": string(),
        "url": string(),
        "time_zone": string(),
        "updated_at": TIME,
        "created_at": nullable(TIME),
        "support_url": nullable(string()),
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

INCIDENT_UPDATE = obj(
    {
        "id": string(),
        "status": string(enum=list(IncidentStatus.values)),
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
        "status": string(enum=list(IncidentStatus.values)),
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

SUBSCRIBER_TYPES = ["email", "sms", "webhook", "integration_partner", "slack"]
SUBSCRIBER_STATES = ["active", "unconfirmed", "quarantined", "unsubscribed", "all"]

SUBSCRIBER = obj(
    {
        "id": string(),
        "mode": string(enum=["email", "webhook"]),
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
        "state": string(enum=["unconfirmed", "active", "quarantined", "unsubscribed", "disabled"]),
        "secret": string("Webhook signing secret: only in the answer that created it."),
    },
    ["id", "mode", "components", "created_at", "state"],
)

SUBSCRIBER_COUNT = obj({kind: {"type": "integer"} for kind in SUBSCRIBER_TYPES}, SUBSCRIBER_TYPES)

STATE_COUNTS = obj(
    {k: {"type": "integer"} for k in ("active", "unconfirmed", "quarantined", "total")},
    ["active", "unconfirmed", "quarantined", "total"],
)

SUBSCRIBER_HISTOGRAM = obj(
    {kind: ref("SubscriberStateCounts") for kind in SUBSCRIBER_TYPES}, SUBSCRIBER_TYPES
)

AFFECTED_SUBSCRIBERS = obj({"subscribers": ID_LIST}, ["subscribers"])

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

# --- request bodies ---

PAGE_FIELDS = optional(
    {
        "name": string("Up to 255 characters."),
        "url": string("The public address, http(s)."),
        "time_zone": string("An IANA time zone, e.g. Europe/Paris."),
        "support_url": string(),
    }
)

COMPONENT_FIELDS = optional(
    {
        "name": string("Up to 255 characters."),
        "description": string("Up to 2000 characters."),
        "status": string(
            'The baseline status; open incidents may show a worse one. "" changes nothing.',
            enum=[*COMPONENT_STATUSES, ""],
        ),
        "group_id": string('A component group of this page; null or "" ungroups.'),
        "showcase": BOOLEAN,
        "only_show_if_degraded": BOOLEAN,
        "start_date": string(format="date"),
    }
)

GROUP_FIELDS = optional(
    {
        "name": string("Up to 255 characters."),
        "description": string("Up to 2000 characters."),
        "components": {**ID_LIST, "description": "Component ids of this page, in order."},
    }
)

INCIDENT_FIELDS = optional(
    {
        "name": string("Up to 255 characters."),
        "status": string(enum=POSTABLE),
        "impact_override": string(
            "The impact. Without it, the worst status in `components` decides.",
            enum=list(Impact.values),
        ),
        "body": string("The update's message, up to 25000 characters."),
        "component_ids": {**ID_LIST, "description": "Affected components of this page."},
        "components": {
            "type": "object",
            "description": 'Per component id, the status this incident imposes ("": by impact).',
            "additionalProperties": string(enum=[*COMPONENT_STATUSES, ""]),
        },
        "deliver_notifications": BOOLEAN,
        "backfilled": BOOLEAN,
        "backfill_date": string("With backfilled: when it happened (date or date-time)."),
        "started_at": string("Retroactive or backdated start, ISO 8601, in the past."),
        "resolved_at": string("With status resolved: when it ended, ISO 8601, in the past."),
        "metadata": {"type": "object", "description": "Accepted and ignored."},
    }
)

INCIDENT_UPDATE_FIELDS = optional(
    {
        "body": string("Up to 25000 characters."),
        "display_at": string("ISO 8601, in the past, not before the incident started."),
        "deliver_notifications": BOOLEAN,
        "wants_twitter_update": BOOLEAN,
    }
)

POSTMORTEM_FIELDS = optional(
    {
        "title": string("Up to 255 characters."),
        "summary": string(),
        "impact_description": string(),
        "root_cause": string(),
        "corrective_actions": string(),
        "body_draft": string("Free Markdown, kept as written."),
        "timeline": {
            "type": "array",
            "description": "Replaces the timeline.",
            "items": obj({"at": string("ISO 8601."), "description": nullable(string())}, ["at"]),
        },
    }
)

SUBSCRIBER_FIELDS = optional(
    {
        "email": string("Email address; for a webhook, the contact told of trouble."),
        "endpoint": string("A webhook URL (http or https); makes a webhook subscriber."),
        "component_ids": {**ID_LIST, "description": "Components of this page; none means all."},
        "skip_confirmation_notification": BOOLEAN,
        "phone_number": string("SMS is not supported: refused."),
        "phone_country": string("SMS is not supported: refused."),
        "page_access_user": string("Accepted and ignored."),
    }
)

SELECTION: Schema = {
    "description": 'Subscriber ids of this page, or "all".',
    "anyOf": [ID_LIST, {"type": "string", "enum": ["all"]}],
}

PUBLISH_FIELDS = optional(
    {"notify_subscribers": BOOLEAN, "notify_twitter": BOOLEAN, "custom_tweet": string()}
)

# --- operations ---

PAGE_ID = {"name": "page_id", "in": "path", "required": True, "schema": string()}


def path_param(name: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": string()}


def query_param(name: str, schema: Schema, description: str) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


PAGING = [
    query_param("page", {"type": "integer", "minimum": 1, "maximum": 100000}, "From 1."),
    query_param("per_page", {"type": "integer", "minimum": 1, "maximum": 100}, "Default 100."),
    query_param("limit", {"type": "integer", "minimum": 1, "maximum": 100}, "Alias of per_page."),
]


FORM_NOTE = (
    "JSON, or the same fields Rails-style form-encoded (application/x-www-form-urlencoded: "
    "`incident[name]=…`, `incident[component_ids][]=…`)."
)


def operation(
    op_id: str,
    summary: str,
    params: list[Schema],
    ok: tuple[str, Schema | None],
    *,
    body: Schema | None = None,
    body_required: bool = True,
    tag: str,
) -> Schema:
    status, schema = ok
    success: Schema = {"description": "Success."}
    if schema is not None:
        success["content"] = {"application/json": {"schema": schema}}
    responses: Schema = {status: success}
    for code, text in ERROR_STATUSES.items():
        responses[code] = {
            "description": text,
            "content": {"application/json": {"schema": ref("Error")}},
        }
    responses["429"]["headers"] = {
        "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
    }
    op: Schema = {
        "operationId": op_id,
        "summary": summary,
        "tags": [tag],
        "parameters": params,
        "responses": responses,
    }
    if body is not None:
        op["requestBody"] = {
            "required": body_required,
            "description": FORM_NOTE,
            "content": {"application/json": {"schema": body}},
        }
    return op


def array(name: str) -> Schema:
    return {"type": "array", "items": ref(name)}


def paths() -> dict[str, Schema]:
    page = [PAGE_ID]
    component = [PAGE_ID, path_param("component_id")]
    group = [PAGE_ID, path_param("component_group_id")]
    incident = [PAGE_ID, path_param("incident_id")]
    update = [*incident, path_param("incident_update_id")]
    page_body = wrapper("page", obj(PAGE_FIELDS))
    component_new = wrapper("component", obj(COMPONENT_FIELDS, ["name"]))
    component_edit = wrapper("component", obj(COMPONENT_FIELDS))
    group_new = wrapper(
        "component_group",
        obj(GROUP_FIELDS, ["name"]),
        description=nullable(string("Also accepted beside the wrapper, as in Statuspage.")),
    )
    group_edit = wrapper("component_group", obj(GROUP_FIELDS), description=nullable(string()))
    incident_new = wrapper("incident", obj(INCIDENT_FIELDS, ["name"]))
    incident_edit = wrapper("incident", obj(INCIDENT_FIELDS))
    update_edit = wrapper("incident_update", obj(INCIDENT_UPDATE_FIELDS))
    postmortem_body = wrapper("postmortem", obj(POSTMORTEM_FIELDS))
    publish_body = wrapper("postmortem", obj(PUBLISH_FIELDS), required=False)
    search = query_param("q", string(), "Searches incident names.")
    pm_tag = "Postmortems"
    return {
        "/v1/pages": {
            "get": operation(
                "getPages", "Pages this key can see", PAGING, ("200", array("Page")), tag="Pages"
            ),
        },
        "/v1/pages/{page_id}": {
            "get": operation("getPage", "A page", page, ("200", ref("Page")), tag="Pages"),
            "patch": operation(
                "patchPage",
                "Change page settings",
                page,
                ("200", ref("Page")),
                body=page_body,
                tag="Pages",
            ),
            "put": operation(
                "putPage",
                "Change page settings",
                page,
                ("200", ref("Page")),
                body=page_body,
                tag="Pages",
            ),
        },
        "/v1/pages/{page_id}/components": {
            "get": operation(
                "getComponents",
                "Components, group containers included",
                [*page, *PAGING],
                ("200", array("Component")),
                tag="Components",
            ),
            "post": operation(
                "postComponent",
                "Create a component",
                page,
                ("201", ref("Component")),
                body=component_new,
                tag="Components",
            ),
        },
        "/v1/pages/{page_id}/components/{component_id}": {
            "get": operation(
                "getComponent",
                "A component",
                component,
                ("200", ref("Component")),
                tag="Components",
            ),
            "patch": operation(
                "patchComponent",
                "Change a component",
                component,
                ("200", ref("Component")),
                body=component_edit,
                tag="Components",
            ),
            "put": operation(
                "putComponent",
                "Change a component",
                component,
                ("200", ref("Component")),
                body=component_edit,
                tag="Components",
            ),
            "delete": operation(
                "deleteComponent", "Delete a component", component, ("204", None), tag="Components"
            ),
        },
        "/v1/pages/{page_id}/component-groups": {
            "get": operation(
                "getComponentGroups",
                "Component groups",
                [*page, *PAGING],
                ("200", array("ComponentGroup")),
                tag="Component groups",
            ),
            "post": operation(
                "postComponentGroup",
                "Create a component group",
                page,
                ("201", ref("ComponentGroup")),
                body=group_new,
                tag="Component groups",
            ),
        },
        "/v1/pages/{page_id}/component-groups/{component_group_id}": {
            "get": operation(
                "getComponentGroup",
                "A component group",
                group,
                ("200", ref("ComponentGroup")),
                tag="Component groups",
            ),
            "patch": operation(
                "patchComponentGroup",
                "Change a component group",
                group,
                ("200", ref("ComponentGroup")),
                body=group_edit,
                tag="Component groups",
            ),
            "put": operation(
                "putComponentGroup",
                "Change a component group",
                group,
                ("200", ref("ComponentGroup")),
                body=group_edit,
                tag="Component groups",
            ),
            "delete": operation(
                "deleteComponentGroup",
                "Delete a component group (its components stay); returns it",
                group,
                ("200", ref("ComponentGroup")),
                tag="Component groups",
            ),
        },
        "/v1/pages/{page_id}/incidents": {
            "get": operation(
                "getIncidents",
                "Incidents, newest first",
                [*page, search, *PAGING],
                ("200", array("Incident")),
                tag="Incidents",
            ),
            "post": operation(
                "postIncident",
                "Declare an incident (status resolved with started_at, or backfilled: retroactive)",
                page,
                ("201", ref("Incident")),
                body=incident_new,
                tag="Incidents",
            ),
        },
        "/v1/pages/{page_id}/incidents/unresolved": {
            "get": operation(
                "getUnresolvedIncidents",
                "Open incidents",
                [*page, *PAGING],
                ("200", array("Incident")),
                tag="Incidents",
            ),
        },
        "/v1/pages/{page_id}/incidents/{incident_id}": {
            "get": operation(
                "getIncident", "An incident", incident, ("200", ref("Incident")), tag="Incidents"
            ),
            "patch": operation(
                "patchIncident",
                "Rename, and/or post one update (status and body together make one entry)",
                incident,
                ("200", ref("Incident")),
                body=incident_edit,
                tag="Incidents",
            ),
            "put": operation(
                "putIncident",
                "Same as PATCH",
                incident,
                ("200", ref("Incident")),
                body=incident_edit,
                tag="Incidents",
            ),
            "delete": operation(
                "deleteIncident",
                "Delete an incident and its timeline; returns it",
                incident,
                ("200", ref("Incident")),
                tag="Incidents",
            ),
        },
        "/v1/pages/{page_id}/incidents/{incident_id}/incident_updates/{incident_update_id}": {
            "patch": operation(
                "patchIncidentUpdate",
                "Correct an update's body or display time",
                update,
                ("200", ref("IncidentUpdate")),
                body=update_edit,
                tag="Incidents",
            ),
            "put": operation(
                "putIncidentUpdate",
                "Same as PATCH",
                update,
                ("200", ref("IncidentUpdate")),
                body=update_edit,
                tag="Incidents",
            ),
        },
        "/v1/pages/{page_id}/incidents/{incident_id}/postmortem": {
            "get": operation(
                "getPostmortem", "The postmortem", incident, ("200", ref("Postmortem")), tag=pm_tag
            ),
            "put": operation(
                "putPostmortem",
                "Create or save the draft (resolved incidents only)",
                incident,
                ("200", ref("Postmortem")),
                body=postmortem_body,
                tag=pm_tag,
            ),
            "delete": operation(
                "deletePostmortem", "Delete the postmortem", incident, ("204", None), tag=pm_tag
            ),
        },
        "/v1/pages/{page_id}/incidents/{incident_id}/postmortem/publish": {
            "put": operation(
                "publishPostmortem",
                "Publish: the incident's status becomes postmortem",
                incident,
                ("200", ref("Postmortem")),
                body=publish_body,
                body_required=False,
                tag=pm_tag,
            ),
        },
        "/v1/pages/{page_id}/incidents/{incident_id}/postmortem/revert": {
            "put": operation(
                "revertPostmortem",
                "Back to draft: the incident returns to resolved",
                incident,
                ("200", ref("Postmortem")),
                body=obj({}),
                body_required=False,
                tag=pm_tag,
            ),
        },
    }


def subscriber_paths() -> dict[str, Schema]:
    page = [PAGE_ID]
    one = [PAGE_ID, path_param("subscriber_id")]
    tag = "Subscribers"
    kind = query_param("type", string(enum=SUBSCRIBER_TYPES), "Only this type.")
    state = query_param("state", string(enum=SUBSCRIBER_STATES), "Default active.")
    listing = [
        *page,
        query_param("q", string(), "Searches addresses and endpoints."),
        kind,
        state,
        query_param("limit", {"type": "integer", "minimum": 1, "maximum": 100}, "Default 100."),
        query_param("page", {"type": "integer", "minimum": 0, "maximum": 100000}, "From 0."),
        query_param(
            "sort_field",
            string(enum=["primary", "created_at", "quarantined_at", "relevance"]),
            "Default created_at.",
        ),
        query_param("sort_direction", string(enum=["asc", "desc"]), "Default desc."),
    ]
    new = wrapper("subscriber", obj(SUBSCRIBER_FIELDS))
    edit = wrapper("subscriber", obj(optional({"component_ids": ID_LIST})))
    bulk = obj(
        {
            "subscribers": SELECTION,
            "type": nullable(string(enum=SUBSCRIBER_TYPES)),
            "state": nullable(string(enum=SUBSCRIBER_STATES)),
            "skip_unsubscription_notification": nullable(BOOLEAN),
        },
        ["subscribers"],
    )
    done = ("202", ref("AffectedSubscribers"))
    return {
        "/v1/pages/{page_id}/subscribers": {
            "get": operation(
                "getSubscribers", "Subscribers", listing, ("200", array("Subscriber")), tag=tag
            ),
            "post": operation(
                "postSubscriber",
                "Add a subscriber, confirmed at once (a webhook's answer carries its secret)",
                page,
                ("201", ref("Subscriber")),
                body=new,
                tag=tag,
            ),
        },
        "/v1/pages/{page_id}/subscribers/count": {
            "get": operation(
                "getSubscriberCount",
                "How many, per type",
                [*page, kind, state],
                ("200", ref("SubscriberCount")),
                tag=tag,
            ),
        },
        "/v1/pages/{page_id}/subscribers/histogram_by_state": {
            "get": operation(
                "getSubscriberHistogram",
                "How many, per type and state",
                page,
                ("200", ref("SubscriberHistogram")),
                tag=tag,
            ),
        },
        "/v1/pages/{page_id}/subscribers/unsubscribe": {
            "post": operation(
                "unsubscribeSubscribers", "Unsubscribe several", page, done, body=bulk, tag=tag
            ),
        },
        "/v1/pages/{page_id}/subscribers/reactivate": {
            "post": operation(
                "reactivateSubscribers",
                "Reactivate quarantined ones",
                page,
                done,
                body=bulk,
                tag=tag,
            ),
        },
        "/v1/pages/{page_id}/subscribers/resend_confirmation": {
            "post": operation(
                "resendConfirmations",
                "Resend confirmation to unconfirmed email subscribers",
                page,
                done,
                body=bulk,
                tag=tag,
            ),
        },
        "/v1/pages/{page_id}/subscribers/{subscriber_id}": {
            "get": operation(
                "getSubscriber", "A subscriber", one, ("200", ref("Subscriber")), tag=tag
            ),
            "patch": operation(
                "patchSubscriber",
                "Choose its components",
                one,
                ("200", ref("Subscriber")),
                body=edit,
                tag=tag,
            ),
            "delete": operation(
                "deleteSubscriber",
                "Unsubscribe it; returns it",
                one,
                ("200", ref("Subscriber")),
                tag=tag,
            ),
        },
        "/v1/pages/{page_id}/subscribers/{subscriber_id}/resend_confirmation": {
            "post": operation(
                "resendConfirmation",
                "Resend the confirmation mail (unconfirmed email subscribers)",
                one,
                ("201", None),
                tag=tag,
            ),
        },
    }


DESCRIPTION = """\
Statuspage's management API v1, served by Candor. Send a key as `Authorization: OAuth <key>` \
(or `Bearer <key>`). Every path also answers with a `.json` suffix. Bodies are wrapped \
(`{"incident": {...}}`) and may be JSON or Rails-style form fields; unknown fields are ignored. \
Lists are bare arrays; errors are `{"error": ...}`. Each key may make CANDOR_API_RATE_LIMIT \
requests per second (default 10, bursts of 60), else 429 with Retry-After."""


def document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Candor management API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "security": [{"OAuth": []}],
        "paths": {**paths(), **subscriber_paths()},
        "components": {
            "securitySchemes": {
                "OAuth": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`OAuth <key>` or `Bearer <key>`.",
                }
            },
            "schemas": {
                "Page": PAGE,
                "Component": COMPONENT,
                "ComponentGroup": COMPONENT_GROUP,
                "AffectedComponent": AFFECTED,
                "IncidentUpdate": INCIDENT_UPDATE,
                "Incident": INCIDENT,
                "Postmortem": POSTMORTEM,
                "Subscriber": SUBSCRIBER,
                "SubscriberCount": SUBSCRIBER_COUNT,
                "SubscriberStateCounts": STATE_COUNTS,
                "SubscriberHistogram": SUBSCRIBER_HISTOGRAM,
                "AffectedSubscribers": AFFECTED_SUBSCRIBERS,
                "Error": ERROR,
            },
        },
    }
