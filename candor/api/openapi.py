"""The OpenAPI 3 description of the management API (filled in below)."""

from __future__ import annotations

from typing import Any


def document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Candor management API", "version": "1"},
        "paths": {},
    }
