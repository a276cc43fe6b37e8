"""A public document as it goes on the wire: its bytes, a gzip variant, headers worked out once."""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field

CACHE_CONTROL = "public, max-age=10, stale-while-revalidate=60, stale-if-error=86400"
HTML_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"
REASONS = {200: "200 OK", 304: "304 Not Modified", 404: "404 Not Found"}


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
    """One public document, as sent plain and, for text worth it, gzipped."""

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
