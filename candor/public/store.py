"""Each web process serves the public site from memory, and never behind a write (docs/public.md).

- The front documents (stored by candor.public.render after each change) are held whole, keyed
  by the page's render generation; incident and history pages are rendered on first request and
  kept, at most CANDOR_PUBLIC_CACHED_PAGES of them, for that generation only.
- Same host: before answering, a request compares the host signal (candor.public.signal) with
  the value this process last acted on; a write bumps it before its response goes out, so a read
  that starts after that response reloads first. No database round trip when nothing moved.
- Other hosts: a background thread LISTENs on PostgreSQL and reloads when told; while that
  channel is down (and always on SQLite) it polls every CANDOR_PUBLIC_POLL_SECONDS instead.
- Time: the thread renders again when the stored documents are due (midnight in the page's time
  zone, the periodic uptime refresh); the process that wins the claim renders, all reload.
- The database down: the process keeps serving what it has, and a process that starts then
  reads the last front documents from the data directory.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import struct
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.utils import timezone

from candor.core.models import Page
from candor.public import signal
from candor.public.documents import CHANNEL, claim_refresh
from candor.public.models import RenderedDocument
from candor.public.served import Served

log = logging.getLogger(__name__)

NOT_FOUND = "/404"
# With the push channel up, the thread still looks once a minute: a safety net, not the path.
LISTEN_CHECK_SECONDS = 60.0


@dataclass
class Site:
    page_id: str
    version: int
    generation: int
    docs: dict[str, Served]
    # Incident and history pages rendered on request, for this generation only (an LRU).
    pages: OrderedDict[str, Served] = field(default_factory=OrderedDict)

    def get(self, path: str) -> Served | None:
        doc = self.docs.get(path)
        if doc is None and path.startswith("/api/v2/") and not path.endswith(".json"):
            doc = self.docs.get(path.rstrip("/") + ".json")  # the bare form costs nothing
        return doc

    def cached(self, path: str) -> Served | None:
        doc = self.pages.get(path)
        if doc is not None:
            with contextlib.suppress(KeyError):  # evicted by another thread meanwhile
                self.pages.move_to_end(path)
        return doc

    def keep(self, doc: Served, limit: int) -> None:
        self.pages[doc.path] = doc
        while len(self.pages) > limit:
            try:
                self.pages.popitem(last=False)
            except KeyError:
                break


def snapshot_path() -> Path:
    return Path(settings.DATA_DIR) / "public" / "site.snapshot"


def write_snapshot(site: Site, path: Path | None = None) -> None:
    """The last front documents in one file, replaced atomically: read when the database is down."""
    path = path or snapshot_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    docs = [*site.docs.values(), *list(site.pages.values())]
    entries = [[d.path, d.status, d.content_type, d.etag, len(d.body)] for d in docs]
    header = json.dumps(
        {"page_id": site.page_id, "version": site.version, "docs": entries, "front": len(site.docs)}
    )
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".site-")
    try:
        with os.fdopen(fd, "wb") as f:
            raw = header.encode()
            f.write(struct.pack(">Q", len(raw)))
            f.write(raw)
            for d in docs:
                f.write(d.body)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_snapshot(path: Path | None = None) -> Site | None:
    path = path or snapshot_path()
    try:
        data = path.read_bytes()
    except OSError:
        return None
    (size,) = struct.unpack(">Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    offset = 8 + size
    front = header.get("front", len(header["docs"]))
    site = Site(header["page_id"], header["version"], -1, {})
    for n, (doc_path, status, content_type, etag, length) in enumerate(header["docs"]):
        body = data[offset : offset + length]
        offset += length
        doc = Served.make(doc_path, status, content_type, etag, body)
        (site.docs if n < front else site.pages)[doc_path] = doc
    return site


def load_site(page_id: str, version: int, generation: int, old: Site | None = None) -> Site:
    """The stored front documents; those whose ETag did not change are taken over from `old`."""
    have = old.docs if old is not None and old.page_id == page_id else {}
    stored = dict(RenderedDocument.objects.filter(page_id=page_id).values_list("path", "etag"))
    docs = {p: have[p] for p, etag in stored.items() if p in have and have[p].etag == etag}
    wanted = [p for p in stored if p not in docs]
    rows = RenderedDocument.objects.filter(page_id=page_id, path__in=wanted).values_list(
        "path", "status", "content_type", "etag", "body"
    )
    for path, status, content_type, etag, body in rows:
        docs[path] = Served.make(path, status, content_type, etag, bytes(body))
    return Site(page_id, version, generation, docs)


State = tuple[str, int, int | None, int | None, datetime | None]


class Store:
    def __init__(self) -> None:
        self.site: Site | None = None
        # The host signal's value as of the last reload: a request reloads when it differs.
        self.seen: int | None = None
        self.checked = 0.0
        self.database_ok = True
        self.listening = False
        self.background_pid: int | None = None
        self.refresh_at: datetime | None = None
        self.last_state: State | None = None
        # The pages of the generation before, served only while the database is unreachable.
        self.previous: dict[str, Served] = {}
        self._lock = threading.RLock()
        self._start_lock = threading.Lock()
        self._render_locks: dict[str, threading.Lock] = {}
        self._stale_since: dict[tuple[str, int], float] = {}
        self._listener: Any = None
        self._wake = threading.Event()

    def reset(self) -> None:
        with self._lock:
            self.site = None
            self.seen = None
            self.checked = 0.0
            self.previous = {}
            self._stale_since.clear()

    @property
    def poll_seconds(self) -> float:
        return float(settings.CANDOR_PUBLIC_POLL_SECONDS)

    @property
    def in_background(self) -> bool:
        return self.background_pid == os.getpid()

    # --- The request path ---------------------------------------------------------------

    def current(self) -> Site | None:
        """The site as of every write whose response went out before this call."""
        mark = _signal_value()
        site = self.site
        if site is None or mark != self.seen or not self.in_background and self._poll_due():
            self.refresh(mark)
        return self.site

    def document(self, path: str) -> Served | None:
        """A public document by path: stored, already rendered for this generation, or rendered
        now; the 404 page for anything else. None before anything was ever rendered."""
        from candor.public.render import is_on_demand

        site = self.current()
        if site is None:
            return None
        doc = site.get(path) or site.cached(path)
        if doc is not None:
            return doc
        if is_on_demand(path):
            doc = self._render_on_demand(site, path)
            if doc is not None:
                return doc
        return site.docs.get(NOT_FOUND)

    def _render_on_demand(self, site: Site, path: str) -> Served | None:
        from candor.public.render import render_path

        lock = self._render_locks.setdefault(path, threading.Lock())
        with lock:  # one render per path at a time; the others wait and take it
            doc = site.cached(path)
            if doc is not None:
                return doc
            try:
                page = Page.objects.filter(pk=site.page_id).first()
                rendered = render_path(page, path) if page is not None else None
            except DatabaseError:
                connection.close()
                return self.previous.get(path)
            finally:
                self._render_locks.pop(path, None)
            if rendered is None:
                return None
            doc = Served.make(
                rendered.path,
                rendered.status,
                rendered.content_type,
                rendered.etag,
                rendered.body,
            )
            site.keep(doc, int(settings.CANDOR_PUBLIC_CACHED_PAGES))
            return doc

    def _poll_due(self) -> bool:
        return time.monotonic() - self.checked >= self.poll_seconds

    # --- Reloading ------------------------------------------------------------------------

    def refresh(self, mark: int | None = None) -> None:
        with self._lock:
            if mark is None:
                mark = _signal_value()
            self.checked = time.monotonic()
            try:
                self._sync()
                if not self.database_ok:
                    log.warning("Database reachable again: public documents are current")
                self.database_ok = True
            except DatabaseError as exc:
                if self.database_ok:
                    log.warning("Database unreachable, serving the last rendered pages: %s", exc)
                self.database_ok = False
                connection.close()
                if self.site is None:
                    self.site = read_snapshot()
            # Set last, and also when the database is down: requests then stop retrying it
            # one by one; the background thread keeps trying.
            self.seen = mark

    def _state(self) -> State | None:
        # One small query: the default page, its version, and what its stored documents are.
        return (
            Page.objects.filter(is_default=True)
            .values_list(
                "pk",
                "version",
                "render_state__version",
                "render_state__generation",
                "render_state__refresh_at",
            )
            .first()
        )

    def _sync(self) -> None:
        from candor.public.render import render_page

        row = self._state()
        if row is None:
            self.site = None
            return
        page_id, page_version, rendered_version, generation, refresh_at = row
        if rendered_version is None or (
            rendered_version < page_version and not self.in_background and self._overdue(row)
        ):
            # Nothing rendered yet, or (outside `candor serve`) the writer's render is overdue.
            render_page(page_id)
            row = self._state()
            if row is None or row[3] is None:
                return
            page_id, page_version, rendered_version, generation, refresh_at = row
        assert rendered_version is not None and generation is not None
        self.refresh_at = refresh_at
        self.last_state = row
        site = self.site
        if site is None or site.page_id != page_id or site.generation != generation:
            self.previous = dict(site.pages) if site is not None else {}
            self.site = load_site(page_id, rendered_version, generation, site)
            self._stale_since.clear()
            try:
                write_snapshot(self.site)
            except OSError as exc:
                log.warning("Could not write the public snapshot: %s", exc)

    def _overdue(self, row: State) -> bool:
        """Whether a render of this page version should have landed by now (a writer died
        between its commit and its render)."""
        seen = self._stale_since.setdefault((row[0], row[1]), time.monotonic())
        return time.monotonic() - seen >= float(settings.CANDOR_PUBLIC_RENDER_GRACE_SECONDS)

    # --- The background thread ------------------------------------------------------------

    def start_background(self) -> None:
        """Listen (or poll) from a thread of this process: called by the WSGI entry point, after
        the fork of each web process."""
        with self._start_lock:
            if self.in_background:
                return
            self.refresh()
            self.background_pid = os.getpid()
            self._listener = None
            self.listening = False
            threading.Thread(target=self._loop, name="candor-public-store", daemon=True).start()

    def _loop(self) -> None:
        while True:
            try:
                self._wait()
                self.refresh()
                self._render_if_due()
            except Exception:  # never let the thread die: the next round may succeed
                log.exception("Refreshing the public documents failed")
                time.sleep(self.poll_seconds)

    def _wait(self) -> None:
        """Until another process may have stored documents (told over LISTEN/NOTIFY; after one
        poll interval while that channel is down, and on SQLite), or something is due here."""
        if connection.vendor != "postgresql" or not self.database_ok or self._stale_since:
            time.sleep(self.poll_seconds)
            return
        if self._listener is None and not self._listen():
            time.sleep(self.poll_seconds)
            return
        started = time.monotonic()
        # Short waits, so that a due refresh is seen within a second even if the clock jumps;
        # the database is asked only when told, when something is due, or once a minute.
        while time.monotonic() - started < LISTEN_CHECK_SECONDS:
            if self._due():
                return
            try:
                if any(True for _ in self._listener.notifies(timeout=1.0, stop_after=1)):
                    return
            except Exception as exc:
                log.warning("Lost the public documents channel, polling until it is back: %s", exc)
                self._drop_listener()
                return

    def _due(self) -> bool:
        return self.refresh_at is not None and self.refresh_at <= timezone.now()

    def _listen(self) -> bool:
        import psycopg

        params = connections["default"].get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params["application_name"] = "candor-public-listener"
        params["connect_timeout"] = 3
        try:
            conn = psycopg.connect(**params, autocommit=True)
            conn.execute(f"LISTEN {CHANNEL}")
        except Exception as exc:
            if self.listening:
                log.warning("Cannot listen for public document changes: %s", exc)
            self.listening = False
            return False
        if not self.listening:
            log.info("Listening for public document changes")
        self._listener, self.listening = conn, True
        return True

    def _drop_listener(self) -> None:
        with contextlib.suppress(Exception):  # it is gone either way
            self._listener.close()
        self._listener, self.listening = None, False

    def _render_if_due(self) -> None:
        from candor.public.render import render_page

        row = self.last_state
        if self.site is None or not self.database_ok or row is None:
            return
        page_id, page_version, rendered_version, _, refresh_at = row
        now = timezone.now()
        if rendered_version is not None and rendered_version < page_version:
            if self._overdue(row):
                render_page(page_id)
        elif refresh_at is not None and refresh_at <= now and claim_refresh(page_id, at=now):
            render_page(page_id, same_version=True)


def _signal_value() -> int:
    try:
        return signal.host_signal().value()
    except OSError:
        return -1


store = Store()
