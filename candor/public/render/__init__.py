"""Render the public site (DESIGN §3): the stored front documents after each change, the rest on
demand.

- `render_page` renders what every visitor reaches (front page, 404 page, feeds, v2 JSON, logo)
  from what is recent or open, and stores it; a write calls it once its transaction commits, so
  its cost does not grow with the history.
- `render_path` renders one incident or history page when it is asked for
  (candor.public.store keeps them per process, for one render generation).
- `render_everything` is the whole site, for `candor export`.

A document whose render fails is logged once per page version with its path and keeps its last
good bytes; the others are stored and served all the same, and /healthz reports the failure.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.utils import timezone

from candor.core.models import Page
from candor.public import health
from candor.public.documents import Document, store_documents
from candor.public.render import api, calendar, feeds, html
from candor.public.render.load import (
    Front,
    history_count,
    load_all_incidents,
    load_brand_css,
    load_favicon,
    load_front,
    load_history,
    load_incident,
    load_logo,
)

log = logging.getLogger(__name__)

Builder = tuple[tuple[str, ...], Callable[[], list[Document]]]

_INCIDENT = re.compile(r"^/incidents/(?P<id>[A-Za-z0-9_-]{1,64})(?P<postmortem>/postmortem)?$")
_HISTORY = re.compile(r"^/history(?:/(?P<number>[1-9][0-9]{0,5}))?$")
# (page id, version, path) already logged: a failing document is reported once per version.
_logged: set[tuple[str, int, str]] = set()


def _front_builders(front: Front) -> list[Builder]:
    page, now = front.page, front.now
    builders: list[Builder] = [
        (("/",), lambda: [html.index(front)]),
        ((html.NOT_FOUND_PATH,), lambda: [html.not_found(page, now)]),
        ((html.SERVER_ERROR_PATH,), lambda: [html.server_error(page, now)]),
        (tuple(api.PATHS), lambda: api.build(front)),
        ((api.UPDATED_PATH,), lambda: [api.updated(front)]),
    ]
    builders.append((tuple(feeds.FEEDS), partial(feeds.build, front)))
    calendars = (
        calendar.PATH,
        *(calendar.component_path(c.pk) for _, cs in front.groups for c in cs),
    )
    builders.append((calendars, partial(calendar.build, front)))
    for extra in (load_logo(page), load_favicon(page), load_brand_css(page)):
        if extra is not None:
            builders.append(((extra.path,), partial(list, [extra])))
    return builders


def _build(page: Page, builders: Iterable[Builder]) -> tuple[list[Document], dict[str, str]]:
    docs: list[Document] = []
    failures: dict[str, str] = {}
    for paths, build in builders:
        try:
            docs.extend(build())
        except Exception as exc:  # one document must never stop the others
            for path in paths:
                failures[path] = f"{type(exc).__name__}: {exc}"[:500]
            key = (page.pk, page.version, paths[0])
            if key not in _logged:
                _logged.add(key)
                log.exception("Rendering %s of page %s failed", ", ".join(paths), page.pk)
    return docs, failures


def next_refresh(page: Page, now: datetime) -> datetime:
    """When time alone changes the front documents: the periodic refresh of the uptime bars,
    or midnight in the page's time zone (the day-by-day list moves), whichever comes first."""
    tz = page.tz
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    midnight = datetime.combine(tomorrow, datetime.min.time(), tz)
    periodic = now + timedelta(seconds=float(settings.CANDOR_PUBLIC_RERENDER_SECONDS))
    return min(midnight, periodic)


def render_page(page_id: str, *, same_version: bool = False) -> int | None:
    """Render and store the page's front documents as of now; returns the new generation, or
    None when nothing was stored (a newer render got there first)."""
    page = Page.objects.filter(pk=page_id).first()
    if page is None:
        return None
    now = timezone.now()
    started = time.perf_counter()
    docs, failures = build_front(page, now)
    health.record_render(page.pk, time.perf_counter() - started)
    return store_documents(
        page.pk,
        version=page.version,
        documents=docs,
        failures=failures,
        refresh_at=next_refresh(page, now),
        same_version=same_version,
    )


def build_front(page: Page, now: datetime | None = None) -> tuple[list[Document], dict[str, str]]:
    """The front documents and, path by path, the renders that failed."""
    return _build(page, _front_builders(load_front(page, now)))


def render_path(page: Page, path: str, now: datetime | None = None) -> Document | None:
    """One incident, postmortem or history page, rendered now; None when there is no such
    document (the caller answers with the 404 page)."""
    now = now or timezone.now()
    match = _INCIDENT.match(path)
    if match:
        incident = load_incident(page, match["id"])
        if incident is None:
            return None
        docs = html.incident_documents(page, now, incident)
        return next((d for d in docs if d.path == path), None)
    match = _HISTORY.match(path)
    if match:
        history_page = load_history(page, int(match["number"] or 1), now)
        return html.history(page, now, history_page) if history_page else None
    return None


def is_on_demand(path: str) -> bool:
    return bool(_INCIDENT.match(path) or _HISTORY.match(path))


def render_on_demand_pages(page: Page, now: datetime | None = None) -> Iterator[Document]:
    """Every history, incident and postmortem page, as `render_path` renders them."""
    now = now or timezone.now()
    _, count = history_count(page, now)
    for number in range(1, count + 1):
        history_page = load_history(page, number, now)
        if history_page is not None:
            yield html.history(page, now, history_page)
    for incident in load_all_incidents(page):
        yield from html.incident_documents(page, now, incident)


def render_everything(page: Page) -> list[Document]:
    """Every public document of the page, rendered now."""
    now = timezone.now()
    docs, _ = build_front(page, now)
    return [*docs, *render_on_demand_pages(page, now)]


def on_page_changed(sender: object, page_id: str, version: int, **kwargs: object) -> None:
    # Runs after the writer's commit: a failure here must not turn a saved change into an error.
    try:
        render_page(page_id)
    except Exception:
        log.exception("Rendering the public documents of page %s failed", page_id)


__all__ = [
    "build_front",
    "is_on_demand",
    "on_page_changed",
    "render_everything",
    "render_on_demand_pages",
    "render_page",
    "render_path",
]
