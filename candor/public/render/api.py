"""Statuspage's public API v2, all eight endpoints, as stored documents (reference §2)."""

from __future__ import annotations

import json
from typing import Any

from candor.core.serializers import components_json, incident_json, page_json, status_json
from candor.public.documents import Document
from candor.public.render.load import Front

JSON_TYPE = "application/json"
# Scheduled maintenance does not exist yet: these answer empty lists of the right shape.
MAINTENANCE_PATHS = (
    "/api/v2/scheduled-maintenances/upcoming.json",
    "/api/v2/scheduled-maintenances/active.json",
    "/api/v2/scheduled-maintenances.json",
)


PATHS = (
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/components.json",
    "/api/v2/incidents/unresolved.json",
    "/api/v2/incidents.json",
    *MAINTENANCE_PATHS,
)


def encode(data: Any) -> bytes:
    """Compact JSON; <, > and & escaped so that no byte of it can be read as markup."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.encode()


def build(site: Front) -> list[Document]:
    page = site.page
    head = page_json(page)
    status = status_json(site.rollup)
    components = components_json(page)
    incidents = [incident_json(i, page) for i in site.newest]
    unresolved = [incident_json(i, page) for i in site.active]
    bodies: dict[str, dict[str, Any]] = {
        "/api/v2/summary.json": {
            "page": head,
            "components": components,
            "incidents": unresolved,
            "scheduled_maintenances": [],
            "status": status,
        },
        "/api/v2/status.json": {"page": head, "status": status},
        "/api/v2/components.json": {"page": head, "components": components},
        "/api/v2/incidents/unresolved.json": {"page": head, "incidents": unresolved},
        "/api/v2/incidents.json": {"page": head, "incidents": incidents},
    }
    for path in MAINTENANCE_PATHS:
        bodies[path] = {"page": head, "scheduled_maintenances": []}
    return [Document(path, encode(body), JSON_TYPE) for path, body in bodies.items()]
