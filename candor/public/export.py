"""`candor export DIR`: the whole public site as static files, at the URLs Candor serves."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.contrib.staticfiles import finders

from candor.core.models import Page
from candor.public.models import RenderState
from candor.public.render import render_on_demand_pages, render_page
from candor.public.render.html import STATIC_FILES
from candor.public.served import Served
from candor.public.store import load_site


def file_for(path: str) -> str:
    """Where a URL's document goes: extensionless pages become <path>/index.html."""
    if path == "/":
        return "index.html"
    if path == "/404":
        return "404.html"
    last = path.rsplit("/", 1)[-1]
    return path.lstrip("/") if "." in last else path.lstrip("/") + "/index.html"


def export_site(page: Page, directory: Path) -> list[Path]:
    """Every document as Candor serves it (the stored front documents, the other pages
    rendered as on request), and the stylesheet and script."""
    render_page(page.pk)  # a no-op when the stored documents are current
    state = RenderState.objects.get(page=page)
    docs = dict(load_site(page.pk, state.version, state.generation).docs)
    for d in render_on_demand_pages(page):
        docs[d.path] = Served.make(d.path, d.status, d.content_type, d.etag, d.body)
    written = []
    for path, doc in sorted(docs.items()):
        target = directory / file_for(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(doc.body)
        written.append(target)
        if doc.gzip is not None:  # for nginx's gzip_static: the same compressed bytes
            packed = target.with_name(target.name + ".gz")
            packed.write_bytes(doc.gzip.body)
            written.append(packed)
    for name in STATIC_FILES:
        found = finders.find(name)
        if found:
            target = directory / "static" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(str(found), target)
            written.append(target)
    return written
