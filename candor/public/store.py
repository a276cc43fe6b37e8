"""Each web process keeps the page's rendered documents in memory, keyed by render version.

A background thread (or, outside `candor serve`, the request itself) asks the database at most
every CANDOR_PUBLIC_POLL_SECONDS for the rendered version: one tiny query. When it moved, only the
documents whose ETag changed are fetched. When the database cannot be reached, the process keeps
serving what it has; a process that starts then reads the last copy from the data directory.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import struct
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from candor.core.models import Page, RenderedDocument
from candor.core.services import claim_refresh

log = logging.getLogger(__name__)

CACHE_CONTROL = "public, max-age=10, stale-while-revalidate=60, stale-if-error=86400"
HTML_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"
REASONS = {200: "200 OK", 304: "304 Not Modified", 404: "404 Not Found"}
NOT_FOUND = "/404"


def gzipped(body: bytes) -> bytes:
    """Deterministic gzip (no timestamp): `candor export` writes the same bytes as served."""
    return gzip.compress(body, compresslevel=9, mtime=0)


def _compressible(content_type: str, body: bytes) -> bool:
    kind = content_type.split(";")[0]
    textual = kind.startswith("text/") or kind.endswith(("json", "xml")) or kind == "image/svg+xml"
    return textual and len(body) >= 1024


def accepts_gzip(accept_encoding: str | None) -> bool:
    if not accept_encoding or "gzip" not in accept_encoding:
        return False
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            q = params.strip().removeprefix("q=")
            return not (params and q.replace("0", "").replace(".", "") == "")
    return False


@dataclass(frozen=True)
class Variant:
    """One representation of a document: its bytes and its response headers, worked out once."""

    etag: str
    body: bytes
    headers: list[tuple[str, str]]
    not_modified: list[tuple[str, str]]


@dataclass(frozen=True)
class Served:
    """One stored document, as sent plain and, for text worth it, gzipped."""

    path: str
    status: int
    content_type: str
    etag: str
    body: bytes
    plain: Variant = field(compare=False)
    gzip: Variant | None = field(default=None, compare=False)

    @classmethod
    def make(cls, path: str, status: int, content_type: str, etag: str, body: bytes) -> Served:
        compressed = gzipped(body) if _compressible(content_type, body) else None
        common = [
            ("Cache-Control", CACHE_CONTROL),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
            ("X-Frame-Options", "DENY"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
            (
                "Content-Security-Policy",
                HTML_POLICY if content_type.startswith("text/html") else OTHER_POLICY,
            ),
        ]
        if content_type.startswith("application/json"):
            common.append(("Access-Control-Allow-Origin", "*"))
        if compressed is not None:
            common.append(("Vary", "Accept-Encoding"))

        def variant(tag: str, data: bytes, encoding: str | None) -> Variant:
            cached = [("ETag", tag), *common]
            headers = [("Content-Type", content_type), ("Content-Length", str(len(data)))]
            if encoding:
                headers.append(("Content-Encoding", encoding))
            return Variant(tag, data, headers + cached, cached)

        plain = variant(etag, body, None)
        # A strong ETag names one representation: the gzipped one gets its own.
        packed = variant(etag[:-1] + '-gz"', compressed, "gzip") if compressed else None
        return cls(path, status, content_type, etag, body, plain, packed)

    @property
    def status_line(self) -> str:
        return REASONS.get(self.status, f"{self.status} Status")

    def pick(self, accept_encoding: str | None) -> Variant:
        if self.gzip is not None and accepts_gzip(accept_encoding):
            return self.gzip
        return self.plain

    def matches(self, if_none_match: str | None) -> bool:
        """RFC 9110 If-None-Match: weak comparison, a list of tags, or `*`."""
        if not if_none_match or self.status != 200:
            return False
        if if_none_match.strip() == "*":
            return True
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return self.plain.etag in tags or (self.gzip is not None and self.gzip.etag in tags)


@dataclass(frozen=True)
class Site:
    page_id: str
    version: int
    docs: dict[str, Served]

    def get(self, path: str) -> Served | None:
        doc = self.docs.get(path)
        if doc is None and path.startswith("/api/v2/") and not path.endswith(".json"):
            doc = self.docs.get(path.rstrip("/") + ".json")  # the bare form costs nothing
        return doc

    def get_or_404(self, path: str) -> Served | None:
        return self.get(path) or self.docs.get(NOT_FOUND)


def snapshot_path() -> Path:
    return Path(settings.DATA_DIR) / "public" / "site.snapshot"


def write_snapshot(site: Site, path: Path | None = None) -> None:
    """The last rendered site in one file, replaced atomically: read when the database is down."""
    path = path or snapshot_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = [[d.path, d.status, d.content_type, d.etag, len(d.body)] for d in site.docs.values()]
    header = json.dumps({"page_id": site.page_id, "version": site.version, "docs": entries})
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".site-")
    try:
        with os.fdopen(fd, "wb") as f:
            raw = header.encode()
            f.write(struct.pack(">Q", len(raw)))
            f.write(raw)
            for d in site.docs.values():
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
    docs = {}
    for doc_path, status, content_type, etag, length in header["docs"]:
        body = data[offset : offset + length]
        offset += length
        docs[doc_path] = Served.make(doc_path, status, content_type, etag, body)
    return Site(header["page_id"], header["version"], docs)


class Store:
    def __init__(self) -> None:
        self.site: Site | None = None
        self.checked = 0.0
        self.database_ok = True
        self.background_pid: int | None = None
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._stale_since: dict[tuple[str, int], float] = {}

    def reset(self) -> None:
        with self._lock:
            self.site = None
            self.checked = 0.0
            self._stale_since.clear()

    @property
    def poll_seconds(self) -> float:
        return float(settings.CANDOR_PUBLIC_POLL_SECONDS)

    def current(self) -> Site | None:
        """The site to serve now; without the background thread, the caller polls when due."""
        if self.background_pid != os.getpid() and (
            time.monotonic() - self.checked >= self.poll_seconds or self.site is None
        ):
            self.refresh()
        return self.site

    def start_background(self) -> None:
        """Poll from a thread of this process (called by the WSGI entry point, after fork)."""
        with self._start_lock:
            if self.background_pid == os.getpid():
                return
            self.refresh()
            self.background_pid = os.getpid()
            threading.Thread(target=self._loop, name="candor-public-store", daemon=True).start()

    def _loop(self) -> None:
        while True:
            time.sleep(self.poll_seconds)
            try:
                self.refresh()
            except Exception:  # never let the poller die: the next round may succeed
                log.exception("Refreshing the public documents failed")

    def refresh(self) -> None:
        with self._lock:
            self.checked = time.monotonic()
            try:
                self._poll()
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

    def _state(self) -> tuple[str, int, int | None, datetime | None] | None:
        # One small query: the default page's version and the version its documents are at.
        return (
            Page.objects.filter(is_default=True)
            .values_list("pk", "version", "render_state__version", "render_state__rendered_at")
            .first()
        )

    def _poll(self) -> None:
        from candor.public.render import render_page

        row = self._state()
        if row is None:
            self.site = None
            return
        page_id, page_version, rendered_version, rendered_at = row
        if rendered_version is None or rendered_version < page_version:
            # The writer renders after its commit; step in only if that has not landed in time.
            seen = self._stale_since.setdefault((page_id, page_version), time.monotonic())
            grace = float(getattr(settings, "CANDOR_PUBLIC_RENDER_GRACE_SECONDS", 2.0))
            if rendered_version is None or time.monotonic() - seen >= grace:
                render_page(page_id)
                row = self._state()
        elif (
            # Time alone moves the uptime bars and the day-by-day history.
            rendered_at is not None
            and timezone.now() - rendered_at > self.rerender_after
            and claim_refresh(page_id, older_than=self.rerender_after)
        ):
            render_page(page_id, same_version=True)
            row = self._state()
        if row is None or row[2] is None:
            return
        page_id, rendered_version = row[0], row[2]
        site = self.site
        if site is None or site.page_id != page_id or site.version != rendered_version:
            self.site = self._load(page_id, rendered_version, site)
            self._stale_since.clear()
            try:
                write_snapshot(self.site)
            except OSError as exc:
                log.warning("Could not write the public snapshot: %s", exc)

    @property
    def rerender_after(self) -> timedelta:
        return timedelta(seconds=float(getattr(settings, "CANDOR_PUBLIC_RERENDER_SECONDS", 300)))

    def _load(self, page_id: str, version: int, old: Site | None) -> Site:
        return load_site(page_id, version, old)


def load_site(page_id: str, version: int, old: Site | None = None) -> Site:
    """The stored documents; those whose ETag did not change are taken over from `old`."""
    have = old.docs if old is not None and old.page_id == page_id else {}
    stored = dict(RenderedDocument.objects.filter(page_id=page_id).values_list("path", "etag"))
    docs = {p: have[p] for p, etag in stored.items() if p in have and have[p].etag == etag}
    wanted = [p for p in stored if p not in docs]
    rows = RenderedDocument.objects.filter(page_id=page_id, path__in=wanted).values_list(
        "path", "status", "content_type", "etag", "body"
    )
    for path, status, content_type, etag, body in rows:
        docs[path] = Served.make(path, status, content_type, etag, bytes(body))
    return Site(page_id, version, docs)


store = Store()
