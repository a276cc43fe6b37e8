"""The stored public documents: every web process serves the bytes written here."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction

from candor.core.models import RenderedDocument, RenderState
from candor.core.services.base import now


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


def claim_refresh(page_id: str, *, older_than: timedelta) -> bool:
    """Time alone moves the uptime bars and the day-by-day history, so the stored documents are
    rendered again now and then; of all the web processes noticing, only the one that wins this
    claim does it."""
    at = now()
    claimed = RenderState.objects.filter(page_id=page_id, rendered_at__lt=at - older_than).update(
        rendered_at=at
    )
    return claimed == 1


def _state(page_id: str) -> RenderState:
    try:
        return RenderState.objects.select_for_update().get(page_id=page_id)
    except RenderState.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            RenderState.objects.create(page_id=page_id, version=0, rendered_at=now())
    except IntegrityError:
        pass  # another process created it first
    return RenderState.objects.select_for_update().get(page_id=page_id)


@transaction.atomic
def store_documents(
    page_id: str,
    *,
    version: int,
    documents: Iterable[Document],
    same_version: bool = False,
) -> bool:
    """Replace a page's public documents with those rendered at `version`.

    A render of an older version never overwrites a newer one; the same version is stored again
    only for a refresh claimed with `claim_refresh` (`same_version`). Only documents whose bytes
    changed are written. Returns whether anything was stored.
    """
    state = _state(page_id)
    at = now()
    if state.version > version or (state.version == version and not same_version):
        return False
    wanted = {d.path: d for d in documents}
    stored = dict(RenderedDocument.objects.filter(page_id=page_id).values_list("path", "etag"))
    gone = set(stored) - set(wanted)
    if gone:
        RenderedDocument.objects.filter(page_id=page_id, path__in=gone).delete()
    for path, doc in wanted.items():
        if path not in stored:
            RenderedDocument.objects.create(
                page_id=page_id,
                path=path,
                version=version,
                status=doc.status,
                content_type=doc.content_type,
                etag=doc.etag,
                body=doc.body,
            )
        elif stored[path] != doc.etag:
            RenderedDocument.objects.filter(page_id=page_id, path=path).update(
                version=version,
                status=doc.status,
                content_type=doc.content_type,
                etag=doc.etag,
                body=doc.body,
            )
    state.version = version
    state.rendered_at = at
    state.save(update_fields=["version", "rendered_at"])
    return True
