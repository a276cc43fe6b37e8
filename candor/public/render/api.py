"""Statuspage's public API v2, all eight endpoints, as stored documents (reference §2)."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from candor.core.serializers import components_json, incident_json, page_json, status_json
from candor.public.documents import Document
from candor.public.render.load import Front

JSON_TYPE = "application/json"
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


# When these documents were rendered: the public page shows "Updated 3 min ago" from it, which
# on a published copy (docs/publishing.md) tells readers how fresh the copy is. A document of its
# own, so that the other documents' bytes do not change with every render.
UPDATED_PATH = "/updated.json"


def updated(site: Front) -> Document:
    at = site.now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    body = encode({"updated_at": at, "version": site.page.version})
    return Document(UPDATED_PATH, body, JSON_TYPE)


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
    upcoming = [incident_json(i, page) for i in site.upcoming]
    in_progress = [incident_json(i, page) for i in site.in_progress]
    maintenances = [incident_json(i, page) for i in site.maintenances]
    bodies: dict[str, dict[str, Any]] = {
        "/api/v2/summary.json": {
            "page": head,
            "components": components,
            "incidents": unresolved,
            # Upcoming or in progress (reference §2.1).
            "scheduled_maintenances": in_progress + upcoming,
            "status": status,
        },
        "/api/v2/status.json": {"page": head, "status": status},
        "/api/v2/components.json": {"page": head, "components": components},
        "/api/v2/incidents/unresolved.json": {"page": head, "incidents": unresolved},
        "/api/v2/incidents.json": {"page": head, "incidents": incidents},
    }
    for path, listed in zip(MAINTENANCE_PATHS, (upcoming, in_progress, maintenances), strict=True):
        bodies[path] = {"page": head, "scheduled_maintenances": listed}
    return [Document(path, encode(body), JSON_TYPE) for path, body in bodies.items()]
