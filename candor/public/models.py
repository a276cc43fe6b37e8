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


class PublishTarget(models.Model):
    """One configured publish target (CANDOR_PUBLISH_TARGETS) of a page, and how far it got.

    Like a delivery in the ledger: the worker claims it with a lease when the page's render
    generation moved past `published_generation` and `next_attempt_at` has come, publishes the
    current state, and records the outcome; a failure schedules the next attempt
    (candor/public/publish/ledger.py).
    """

    page = models.ForeignKey(Page, models.CASCADE, related_name="+")
    url = models.CharField(max_length=1000)
    # What the target holds: the render generation and page version last published in full.
    published_generation = models.BigIntegerField(null=True, blank=True)
    published_version = models.BigIntegerField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # When the published documents were rendered (what the copy's "Updated" line says).
    rendered_at = models.DateTimeField(null=True, blank=True)
    uploaded = models.PositiveIntegerField(default=0)  # by the last successful publish
    deleted = models.PositiveIntegerField(default=0)
    # Consecutive failed attempts, and the last error (kept after a success, with its time).
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    # The first failure since the last success (None while it succeeds): /healthz reports a
    # target failing for longer than CANDOR_HEALTH_PUBLISH_SECONDS.
    failing_since = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    # File name -> fingerprint of what Candor wrote there ("" while an upload may be under way).
    manifest = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "url"], name="one_publish_target_per_url")
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def failing(self) -> bool:
        if self.last_error_at is None:
            return False
        return self.published_at is None or self.last_error_at > self.published_at
