"""`candor export DIR`: the stored public site as static files, at the URLs Candor serves."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.contrib.staticfiles import finders

from candor.public.render.site import STATIC_FILES
from candor.public.store import Site


def file_for(path: str) -> str:
    """Where a URL's document goes: extensionless pages become <path>/index.html."""
    if path == "/":
        return "index.html"
    if path == "/404":
        return "404.html"
    last = path.rsplit("/", 1)[-1]
    return path.lstrip("/") if "." in last else path.lstrip("/") + "/index.html"


def export_site(site: Site, directory: Path) -> list[Path]:
    written = []
    for path, doc in sorted(site.docs.items()):
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
