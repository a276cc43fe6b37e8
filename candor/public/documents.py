"""The stored public documents: every web process, on every host, serves the bytes written here.

Only the documents that every visitor reaches (the front page, the feeds, the v2 JSON, the 404
page, the logo) are stored; incident and history pages are rendered when asked for
(candor.public.store). A store moves the page's render generation, tells the other hosts
(PostgreSQL NOTIFY, sent with the commit) and, once committed, this host's other processes
(candor.public.signal).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from candor.public import signal
from candor.public.models import RenderedDocument, RenderState

# The PostgreSQL channel on which a store is announced; the payload is the page id.
CHANNEL = "candor_public"


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@dataclass(frozen=True)
class Document:
    path: str
    body: bytes
    content_type: str
    status: int = 200
    etag: str = field(default="")

    def __post_init__(self) -> None:
        if not self.etag:
            object.__setattr__(self, "etag", etag_of(self.body))


def claim_refresh(page_id: str, *, at: datetime, retry_after: float = 60.0) -> bool:
    """Time alone moves the uptime bars and the day-by-day history. Of all the processes that
    notice the refresh is due, only the one that wins this claim renders; should it die, the
    claim lapses after `retry_after` seconds and another one does."""
    from datetime import timedelta

    claimed = RenderState.objects.filter(page_id=page_id, refresh_at__lte=at).update(
        refresh_at=at + timedelta(seconds=retry_after)
    )
    return claimed == 1


def _state(page_id: str) -> RenderState:
    try:
        return RenderState.objects.select_for_update().get(page_id=page_id)
    except RenderState.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            RenderState.objects.create(page_id=page_id, version=0, rendered_at=timezone.now())
    except IntegrityError:
        pass  # another process created it first
    return RenderState.objects.select_for_update().get(page_id=page_id)


def store_documents(
    page_id: str,
    *,
    version: int,
    documents: Iterable[Document],
    failures: dict[str, str] | None = None,
    refresh_at: datetime | None = None,
    same_version: bool = False,
) -> int | None:
    """Replace a page's stored documents with those rendered at `version`; returns the new
    generation, or None when nothing was stored.

    A render of an older version never overwrites a newer one; the same version is stored again
    only for a claimed time-driven refresh (`same_version`). Only documents whose bytes changed
    are written; a document whose render failed (`failures`) keeps its last good bytes.
    """
    failures = failures or {}
    with transaction.atomic():
        state = _state(page_id)
        if state.version > version or (state.version == version and not same_version):
            return None
        wanted = {d.path: d for d in documents}
        stored = dict(RenderedDocument.objects.filter(page_id=page_id).values_list("path", "etag"))
        gone = set(stored) - set(wanted) - set(failures)
        if gone:
            RenderedDocument.objects.filter(page_id=page_id, path__in=gone).delete()
        for path, doc in wanted.items():
            values = {
                "version": version,
                "status": doc.status,
                "content_type": doc.content_type,
                "etag": doc.etag,
                "body": doc.body,
            }
            if path not in stored:
                RenderedDocument.objects.create(page_id=page_id, path=path, **values)
            elif stored[path] != doc.etag:
                RenderedDocument.objects.filter(page_id=page_id, path=path).update(**values)
        state.version = version
        state.generation += 1
        state.rendered_at = timezone.now()
        state.refresh_at = refresh_at
        state.failures = failures
        state.save()
        announce(page_id)
        transaction.on_commit(signal.bump)
    return state.generation


def announce(page_id: str) -> None:
    """Tell every listening process, on any host, once the current transaction commits."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, page_id])
