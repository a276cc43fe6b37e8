from __future__ import annotations

from django.db import models

from candor.core.models.pages import Page


class RenderState(models.Model):
    """The page version whose public documents are stored: readers poll this one row."""

    page = models.OneToOneField(Page, models.CASCADE, primary_key=True, related_name="render_state")
    version = models.BigIntegerField(default=0)
    rendered_at = models.DateTimeField()


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
        constraints = [
            models.UniqueConstraint(fields=["page", "path"], name="one_document_per_path")
        ]
