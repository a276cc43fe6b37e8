"""What the public read path tells /healthz and /metrics about itself."""

from __future__ import annotations

from dataclasses import dataclass

from candor.public.models import RenderState


@dataclass(frozen=True)
class DocumentFailure:
    page_id: str
    path: str
    error: str


def render_failures() -> list[DocumentFailure]:
    """Public documents whose latest render failed (they keep serving their last good version)."""
    return [
        DocumentFailure(page_id, path, error)
        for page_id, failures in RenderState.objects.exclude(failures={}).values_list(
            "page_id", "failures"
        )
        for path, error in sorted((failures or {}).items())
    ]
