"""What the public read path tells /healthz and /metrics about itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from candor.public.models import PublishTarget, RenderState


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


@dataclass(frozen=True)
class PublishState:
    """A configured publish target of the published page as /metrics shows it: by place and
    scheme only (the URL names buckets and paths, and /metrics may be reachable by many)."""

    position: int
    scheme: str
    published_at: datetime | None  # its last successful publish
    failing_since: datetime | None  # its first failure since then; None while healthy
    published_version: int | None  # the page version it holds
    attempts: int  # failed attempts since its last success


def publish_states() -> list[PublishState]:
    """Every configured target in the order configured, published yet or not."""
    urls = list(settings.CANDOR_PUBLISH_TARGETS)
    rows = {
        row.url: row
        for row in PublishTarget.objects.filter(page__is_default=True, url__in=urls).only(
            "url", "published_at", "published_version", "attempts", "failing_since", "last_error_at"
        )
    }
    states = []
    for position, url in enumerate(urls, start=1):
        row = rows.get(url)
        failing = None
        if row is not None and row.attempts > 0:
            # Failing since before failing_since was kept: its last failure is all that is known.
            failing = row.failing_since or row.last_error_at
        states.append(
            PublishState(
                position,
                url.split(":", 1)[0],
                row.published_at if row else None,
                failing,
                row.published_version if row else None,
                row.attempts if row else 0,
            )
        )
    return states


def publish_failures() -> list[PublishState]:
    """The configured targets of the published (default) page that are failing now. /healthz
    names them by place and scheme only: the URL and the error name buckets, hosts and paths
    (Page settings show those)."""
    return [state for state in publish_states() if state.failing_since is not None]


# Seconds the latest render of each page's front documents took in this process, by page id.
_render_seconds: dict[str, float] = {}


def record_render(page_id: str, seconds: float) -> None:
    _render_seconds[page_id] = seconds


def render_seconds() -> dict[str, float]:
    """Seconds the latest render of each page's front documents took in this process (renders
    happen in the process that wrote, or that claimed a refresh): /metrics shows it."""
    return dict(_render_seconds)
