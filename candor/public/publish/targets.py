"""Where the public site is published: `s3://BUCKET/PREFIX` and `file:///path` (docs/publishing.md).

Pure parsing, no Django: candor/settings.py reads CANDOR_PUBLISH_TARGETS through it at start, so
a bad value stops Candor there, and the publisher reads the same canonical strings back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

SCHEMES = ("s3", "file")
# S3's own rules (3-63 characters; lowercase letters, digits, dots, hyphens); the other stores'
# are the same or narrower. Underscores and capitals are let through for older buckets.
_BUCKET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]$")


@dataclass(frozen=True)
class Target:
    scheme: str
    # The bucket for s3://, empty for file://.
    bucket: str
    # For s3://, the key prefix without slashes at either end ("" for the bucket's root); for
    # file://, the absolute directory.
    path: str

    @property
    def url(self) -> str:
        """The canonical form: what rows, logs and `candor publish --target` name it by."""
        if self.scheme == "file":
            return f"file://{self.path}"
        return f"s3://{self.bucket}/{self.path}" if self.path else f"s3://{self.bucket}"

    def key(self, name: str) -> str:
        """The object key of a site file (`history/index.html`) under this target's prefix."""
        return f"{self.path}/{name}" if self.path else name


def parse_target(raw: str) -> Target:
    """One target URL; ValueError says what is wrong with it, in a sentence."""
    value = raw.strip()
    parts = urlsplit(value)
    if parts.scheme not in SCHEMES or "://" not in value:
        raise ValueError(f"{value!r} must start with s3:// or file://")
    if parts.query or parts.fragment:
        raise ValueError(f"{value!r} must not have a query or a fragment")
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"{value!r} must be file:///absolute/path (three slashes)")
        path = unquote(parts.path).rstrip("/")
        if not path.startswith("/") or any(seg in (".", "..") for seg in path.split("/")):
            raise ValueError(f"{value!r} must name an absolute directory without . or ..")
        return Target("file", "", path)
    bucket = parts.netloc
    if "@" in bucket or ":" in bucket:
        raise ValueError(
            f"{value!r}: put no credentials or port in the URL (the AWS variables and "
            "CANDOR_PUBLISH_S3_ENDPOINT are read for them)"
        )
    if not _BUCKET.match(bucket):
        raise ValueError(
            f"{value!r}: {bucket!r} is not a bucket name (3 to 63 letters, digits, . and -)"
        )
    prefix = unquote(parts.path).strip("/")
    segments = prefix.split("/") if prefix else []
    if any(seg in ("", ".", "..") for seg in segments):
        raise ValueError(f"{value!r}: the prefix must not hold empty, . or .. parts")
    return Target("s3", bucket, prefix)


def parse_targets(raw: str) -> list[Target]:
    """A comma-separated list; the same target twice is a mistake worth stopping for."""
    targets: list[Target] = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        target = parse_target(item)
        if any(t.url == target.url for t in targets):
            raise ValueError(f"{target.url!r} is listed twice")
        targets.append(target)
    return targets
