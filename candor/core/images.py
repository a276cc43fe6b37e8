"""The page logo: recognised by its first bytes, never by its name, and served at one path.

Only raster images are taken. An SVG is refused: it is a document that can carry script and
links, and served from the status page's origin it would run there. Whatever name a file was
uploaded under, it is stored under a name Candor makes and served at LOGO_PATH with the type its
bytes show, so an upload can never become an HTML or JavaScript document on the public site.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

# One public path whatever the format: browsers decode an <img> by its bytes, and a static copy
# of the site (candor export) needs a file name with an extension a web server maps to an image.
LOGO_PATH = "/logo.png"
# The page's favicon (any of the raster formats; browsers sniff it) or Candor's own.
FAVICON_PATH = "/favicon.ico"
MAX_LOGO_BYTES = 512 * 1024
FORMATS = "PNG, JPEG, GIF or WebP"


@dataclass(frozen=True)
class ImageKind:
    extension: str
    content_type: str


PNG = ImageKind(".png", "image/png")
JPEG = ImageKind(".jpg", "image/jpeg")
GIF = ImageKind(".gif", "image/gif")
WEBP = ImageKind(".webp", "image/webp")


def sniff(body: bytes) -> ImageKind | None:
    """The raster format these bytes are in, from their signature; None for anything else."""
    if body.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if body.startswith(b"\xff\xd8\xff"):
        return JPEG
    if body.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return WEBP
    return None


def stored_name(page_id: str, body: bytes, kind: ImageKind) -> str:
    """A name Candor makes: the page, a digest of the bytes (a new logo never overwrites the
    file the committed row still points at), the sniffed format's extension."""
    digest = hashlib.sha256(body).hexdigest()[:16]
    return f"logo-{page_id}-{digest}{kind.extension}"
