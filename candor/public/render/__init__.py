"""Render every public document of a page once, and store the bytes (DESIGN §3)."""

from __future__ import annotations

import logging

from candor.core.models import Page
from candor.core.services import store_documents
from candor.public.render.site import build_documents

log = logging.getLogger(__name__)


def render_page(page_id: str, *, same_version: bool = False) -> bool:
    """Render and store the page's public site as of now; returns whether anything was stored."""
    page = Page.objects.filter(pk=page_id).first()
    if page is None:
        return False
    return store_documents(
        page.pk,
        version=page.version,
        documents=build_documents(page),
        same_version=same_version,
    )


def on_page_changed(sender: object, page_id: str, version: int, **kwargs: object) -> None:
    # Runs after the writer's commit: a failure here must not turn a saved change into an error.
    try:
        render_page(page_id)
    except Exception:
        log.exception("Rendering the public documents of page %s failed", page_id)


__all__ = ["build_documents", "on_page_changed", "render_page"]
