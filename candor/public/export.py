"""`candor export DIR` and the publisher's copies: the whole public site as static files, at the
URLs Candor serves, each with the headers a static host should send with it."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

from django.contrib.staticfiles import finders

from candor.core.models import Page
from candor.public.models import RenderState
from candor.public.render import render_on_demand_pages, render_page
from candor.public.render.html import STATIC_FILES
from candor.public.served import CACHE_CONTROL, Served
from candor.public.store import load_site

# The stylesheet and script are linked with a digest of their content (`?v=…`): a changed file
# has a new URL, so a copy may be kept for a year.
IMMUTABLE = "public, max-age=31536000, immutable"

# Publishing order (docs/publishing.md): what pages link to exists before the pages that link
# to it, and the front documents, which link to everything, go last.
ASSET, PAGE, FRONT = 0, 1, 2


@dataclass(frozen=True)
class SiteFile:
    name: str  # relative to the site's root: "index.html", "history/2/index.html"
    body: bytes
    content_type: str
    cache_control: str
    content_encoding: str = ""
    stage: int = FRONT


def file_for(path: str) -> str:
    """Where a URL's document goes: extensionless pages become <path>/index.html."""
    if path == "/":
        return "index.html"
    if path in ("/404", "/500"):
        return f"{path[1:]}.html"
    last = path.rsplit("/", 1)[-1]
    return path.lstrip("/") if "." in last else path.lstrip("/") + "/index.html"


def _static_type(name: str) -> str:
    """As Candor serves them (RFC 9239 names JavaScript text/javascript)."""
    if name.endswith(".js"):
        return "text/javascript; charset=utf-8"
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") else kind


def site_files(page: Page, *, render: bool = True) -> tuple[RenderState, list[SiteFile]]:
    """Every document as Candor serves it (the stored front documents, the other pages rendered
    as on request), a `.gz` beside each compressible one (the bytes Candor sends gzipped), and
    the stylesheet and script. The render state is read first: the documents are at least that
    fresh, so a publisher that records its generation never skips a later change.

    `render` renders the front documents first (a no-op when they are current); the worker
    publishes what is stored instead."""
    if render or not RenderState.objects.filter(page=page).exists():
        render_page(page.pk)
    state = RenderState.objects.get(page=page)
    docs = dict(load_site(page.pk, state.version, state.generation).docs)
    front = set(docs)
    for d in render_on_demand_pages(page):
        docs[d.path] = Served.make(d.path, d.status, d.content_type, d.etag, d.body)
    files = []
    for path, doc in sorted(docs.items()):
        name, stage = file_for(path), FRONT if path in front else PAGE
        files.append(SiteFile(name, doc.body, doc.content_type, CACHE_CONTROL, "", stage))
        if doc.gzip is not None:  # for nginx's gzip_static: the same compressed bytes
            packed = doc.gzip.body
            files.append(
                SiteFile(name + ".gz", packed, doc.content_type, CACHE_CONTROL, "gzip", stage)
            )
    for static in STATIC_FILES:
        found = finders.find(static)
        if found:
            body = Path(str(found)).read_bytes()
            kind = _static_type(static)
            files.append(SiteFile(f"static/{static}", body, kind, IMMUTABLE, "", ASSET))
    return state, files


def export_site(page: Page, directory: Path) -> list[Path]:
    _, files = site_files(page)
    written = []
    for file in files:
        target = directory / file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(file.body)
        written.append(target)
    return written


__all__ = ["ASSET", "FRONT", "PAGE", "SiteFile", "export_site", "file_for", "site_files"]
