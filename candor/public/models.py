"""The public read path's storage: what is rendered, and at which generation (docs/public.md)."""

from __future__ import annotations

from django.db import models

from candor.core.models import Page


class RenderState(models.Model):
    """What the stored public documents of a page are: every web process compares with this row.

    `version` is the page version they were rendered at; `generation` moves on every store, a
    time-driven refresh of the same version included, so that every process learns of it.
    """

    page = models.OneToOneField(Page, models.CASCADE, primary_key=True, related_name="render_state")
    version = models.BigIntegerField(default=0)
    generation = models.BigIntegerField(default=0)
    rendered_at = models.DateTimeField()
    # When time alone next changes the documents (midnight in the page's zone, or the periodic
    # refresh of the uptime bars); the process that claims it renders.
    refresh_at = models.DateTimeField(null=True)
    # Documents whose latest render failed, path -> error: they keep their last good bytes.
    failures = models.JSONField(default=dict)

    class Meta:
        db_table = "core_renderstate"  # created by core's migrations, before the move


class RenderedDocument(models.Model):
    """One public document (HTML, JSON, feed) as served: every web process serves these bytes."""

    page = models.ForeignKey(Page, models.CASCADE, related_name="+")
    path = models.CharField(max_length=255)
    # The page version at which these bytes last changed.
    version = models.BigIntegerField()
    status = models.PositiveSmallIntegerField(default=200)
    content_type = models.CharField(max_length=100)
    etag = models.CharField(max_length=80)
    body = models.BinaryField()

    class Meta:
        db_table = "core_rendereddocument"
        constraints = [
            models.UniqueConstraint(fields=["page", "path"], name="one_document_per_path")
        ]
