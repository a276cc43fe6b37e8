"""The two kinds of target: an S3 bucket (AWS or any S3-compatible store) and a local directory.

Each lists what it holds (name -> MD5 of the bytes, when it can tell), writes one file, and
deletes one. A directory is written atomically (a temporary file renamed over the old one), so
a web server reading it never sends half a file.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

from candor.public.export import SiteFile
from candor.public.publish.targets import Target

# Temporary files of a directory target: a killed worker may leave one, the next run removes it.
TEMP_PREFIX = ".candor-tmp-"
_MD5 = re.compile(r'^"?([0-9a-f]{32})"?$')


class Store(Protocol):
    # Whether the target keeps each file's headers (Content-Type, Cache-Control): then a change
    # of headers alone is published too.
    keeps_headers: bool

    def inventory(self) -> dict[str, str | None]: ...

    def put(self, file: SiteFile) -> None: ...

    def delete(self, name: str) -> None: ...


def md5_of(body: bytes) -> str:
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


def sha256_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


# --- S3 -----------------------------------------------------------------------------------------


# One boto3 session, reused by every publish: it reads the credential chain once (the
# environment, AWS_PROFILE and ~/.aws/credentials, a role) and keeps what it found. After a
# failed publish the worker drops it (`forget_credentials`), so its next attempt reads the chain
# again: corrected keys are picked up without a restart. A lock, because targets publish from
# threads of their own and a botocore session is not safe to build clients from concurrently.
_lock = threading.Lock()
_current: Any = None


def _session() -> Any:
    global _current
    if _current is None:
        import boto3

        _current = boto3.session.Session()
    return _current


def forget_credentials() -> None:
    """Read the AWS credential chain again for the next client (after a failed publish)."""
    global _current
    with _lock:
        _current = None


def s3_client() -> Any:
    """One client per call (they are thread-safe, and cheap next to a publish): path-style
    addressing and checksums only where S3 requires them, which every S3-compatible store
    accepts; a few quick retries (the worker retries the whole publish with backoff)."""
    from botocore.config import Config

    config = Config(
        s3={"addressing_style": "path"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=5,
        read_timeout=30,
        max_pool_connections=16,
    )
    with _lock:
        return _session().client(
            "s3",
            endpoint_url=settings.CANDOR_PUBLISH_S3_ENDPOINT or None,
            region_name=settings.CANDOR_PUBLISH_S3_REGION or None,
            config=config,
        )


class S3Store:
    keeps_headers = True

    def __init__(self, target: Target, client: Any | None = None) -> None:
        self.target = target
        self.client = client or s3_client()
        self.prefix = f"{target.path}/" if target.path else ""

    def inventory(self) -> dict[str, str | None]:
        held: dict[str, str | None] = {}
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.target.bucket, Prefix=self.prefix
        )
        for listing in pages:
            for item in listing.get("Contents", []):
                # A single-part upload's ETag is the MD5 of its bytes (not with SSE-KMS: then
                # the headers' fingerprint in the manifest decides alone).
                match = _MD5.match(item.get("ETag", ""))
                held[item["Key"][len(self.prefix) :]] = match[1] if match else None
        return held

    def put(self, file: SiteFile) -> None:
        extra = {"ContentEncoding": file.content_encoding} if file.content_encoding else {}
        self.client.put_object(
            Bucket=self.target.bucket,
            Key=self.target.key(file.name),
            Body=file.body,
            ContentType=file.content_type,
            CacheControl=file.cache_control,
            ContentMD5=base64.b64encode(
                hashlib.md5(file.body, usedforsecurity=False).digest()
            ).decode(),
            Metadata={"sha256": sha256_of(file.body)},
            **extra,
        )

    def delete(self, name: str) -> None:
        # One request per object: DeleteObjects needs a checksum header that not every
        # S3-compatible store accepts, and deletions are few (a deleted incident's pages).
        self.client.delete_object(Bucket=self.target.bucket, Key=self.target.key(name))


# --- A directory --------------------------------------------------------------------------------


class DirectoryStore:
    keeps_headers = False

    def __init__(self, target: Target) -> None:
        self.root = Path(target.path)

    def inventory(self) -> dict[str, str | None]:
        self.root.mkdir(parents=True, exist_ok=True)
        held: dict[str, str | None] = {}
        for path in self.root.rglob("*"):
            if not path.is_file():
                continue
            if path.name.startswith(TEMP_PREFIX):
                path.unlink(missing_ok=True)  # left by a killed worker
                continue
            held[path.relative_to(self.root).as_posix()] = md5_of(path.read_bytes())
        return held

    def put(self, file: SiteFile) -> None:
        target = self.root / file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=TEMP_PREFIX)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(file.body)
            # mkstemp makes the file private; a web server under another user must read it.
            os.chmod(temp, 0o644)
            os.replace(temp, target)  # readers see the old file or the new one, never half
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def delete(self, name: str) -> None:
        path = self.root / name
        path.unlink(missing_ok=True)
        parent = path.parent
        while parent != self.root and parent.is_relative_to(self.root):
            try:
                parent.rmdir()  # only once empty: a deleted incident leaves no directory
            except OSError:
                break
            parent = parent.parent


def store_for(target: Target) -> Store:
    return S3Store(target) if target.scheme == "s3" else DirectoryStore(target)
