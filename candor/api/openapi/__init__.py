"""The OpenAPI 3 document of the management API, generated, not written.

Paths and methods come from the URLconf (candor/api/urls.py: each route's `endpoint()` and its
handlers), each operation from its handler's @operation (candor/api/operations.py), request
bodies and query parameters from their pydantic declarations (candor/api/bodies/), and the
answers from candor/api/openapi/objects.py. A route without a declaration cannot be served
(endpoint() refuses it), so every route is documented.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from pydantic import BaseModel

from candor.api.bodies.base import Body
from candor.api.openapi.objects import OBJECTS, Schema, ref
from candor.api.operations import Operation, declared

API_URLCONF = "candor.api.urls"
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
FORM_NOTE = (
    "JSON, or the same fields Rails-style form-encoded (application/x-www-form-urlencoded: "
    "`incident[name]=…`, `incident[component_ids][]=…`)."
)
DESCRIPTION = """\
Statuspage's management API v1, served by Candor. Send a key as `Authorization: OAuth <key>` \
(or `Bearer <key>`). Every path also answers with a `.json` suffix, and HEAD wherever GET. \
Bodies are wrapped (`{"incident": {...}}`) and may be JSON or Rails-style form fields; unknown \
fields are ignored. Lists are bare arrays; errors are `{"error": ...}`. Each key may make \
CANDOR_API_RATE_LIMIT requests per second (default 10, bursts of 60), else 429 with Retry-After."""

# --- pydantic's JSON Schema, as OpenAPI 3.0 wants it ---


def _openapi_30(schema: Any, defs: dict[str, Any]) -> Any:
    """Inline $defs, write `X | None` as `nullable`, drop pydantic's titles and null defaults."""
    if isinstance(schema, list):
        return [_openapi_30(item, defs) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        target = defs[schema["$ref"].rsplit("/", 1)[-1]]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    out: Schema = {}
    for key, value in schema.items():
        if key == "$defs" or (key == "title" and isinstance(value, str)):
            continue
        if key == "default" and value is None:
            continue
        out[key] = value if key == "enum" else _openapi_30(value, defs)
    options = out.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        del out["anyOf"]
        inner = rest[0] if len(rest) == 1 else {"anyOf": rest}
        out = {**inner, **out, "nullable": True}
    return out


def model_schema(model: type[BaseModel]) -> Schema:
    schema = model.model_json_schema()
    converted: Schema = _openapi_30(schema, schema.get("$defs", {}))
    return converted


def query_parameters(model: type[BaseModel]) -> list[Schema]:
    params = []
    for name, prop in model_schema(model)["properties"].items():
        description = prop.pop("description", "")
        prop.pop("default", None)
        prop.pop("nullable", None)
        params.append(
            {"name": name, "in": "query", "required": False, "schema": prop}
            | ({"description": description} if description else {})
        )
    return params


def request_body(model: type[Body]) -> Schema:
    required = bool(model.wrapper and model.wrapper_required) or bool(model.documented_required)
    return {
        "required": required,
        "description": FORM_NOTE,
        "content": {"application/json": {"schema": model_schema(model)}},
    }


# --- the URLconf ---


def _api_routes() -> Iterator[tuple[str, URLPattern]]:
    """(prefix, pattern) of every route in the API's URLconf, wherever it is included."""
    for entry in get_resolver().url_patterns:
        module = getattr(entry, "urlconf_name", None)
        if isinstance(entry, URLResolver) and getattr(module, "__name__", module) == API_URLCONF:
            for pattern in entry.url_patterns:
                if isinstance(pattern, URLPattern):
                    yield str(entry.pattern), pattern


def openapi_path(prefix: str, regex: str) -> str:
    """`^pages/(?P<page_id>[^/]+?)(?:\\.json)?$` under `v1/` → `/v1/pages/{page_id}`."""
    path = regex.removeprefix("^").removesuffix("$").removesuffix(r"(?:\.json)?")
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)
    return "/" + prefix + path


def endpoints() -> Iterator[tuple[str, dict[str, Any]]]:
    """(OpenAPI path, handlers by method) of every route served by endpoint()."""
    for prefix, pattern in _api_routes():
        handlers = getattr(pattern.callback, "handlers", None)
        if handlers is not None:
            yield openapi_path(prefix, pattern.pattern.regex.pattern), handlers


def operation(path: str, method: str, op: Operation) -> Schema:
    success: Schema = {"description": "Success."}
    if op.answer is not None:
        name = op.answer.removesuffix("[]")
        schema = ref(name) if name == op.answer else {"type": "array", "items": ref(name)}
        success["content"] = {"application/json": {"schema": schema}}
    responses: Schema = {str(op.status): success}
    for code, text in ERROR_STATUSES.items():
        responses[code] = {
            "description": text,
            "content": {"application/json": {"schema": ref("Error")}},
        }
    responses["429"]["headers"] = {
        "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
    }
    ids = re.findall(r"\{(\w+)\}", path)
    params = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in ids
    ]
    if op.query is not None:
        params += query_parameters(op.query)
    out: Schema = {
        "operationId": op.operation_id(method),
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": params,
        "responses": responses,
    }
    if op.body is not None:
        out["requestBody"] = request_body(op.body)
    return out


def paths() -> dict[str, Schema]:
    documented: dict[str, Schema] = {}
    for path, handlers in endpoints():
        # HEAD is GET without the body: described once, in the document's description.
        documented[path] = {
            method.lower(): operation(path, method, declared(handler))
            for method, handler in handlers.items()
            if method != "HEAD"
        }
    return documented


def document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Candor management API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "security": [{"OAuth": []}],
        "paths": paths(),
        "components": {
            "securitySchemes": {
                "OAuth": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`OAuth <key>` or `Bearer <key>`.",
                }
            },
            "schemas": OBJECTS,
        },
    }
