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


# Seconds the latest render of each page's front documents took in this process, by page id.
_render_seconds: dict[str, float] = {}


def record_render(page_id: str, seconds: float) -> None:
    _render_seconds[page_id] = seconds


def render_seconds() -> dict[str, float]:
    """Seconds the latest render of each page's front documents took in this process (renders
    happen in the process that wrote, or that claimed a refresh): /metrics shows it."""
    return dict(_render_seconds)
