from __future__ import annotations

from django.conf import settings
from django.db import models

from candor.core.enums import ACTIVE_STATUSES, ComponentStatus, Impact, IncidentStatus
from candor.core.models.base import PublicIdField
from candor.core.models.pages import Component, Page


class IncidentQuerySet(models.QuerySet["Incident"]):
    def active(self) -> IncidentQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def history(self) -> IncidentQuerySet:
        return self.exclude(status__in=ACTIVE_STATUSES)


class Incident(models.Model):
    id = PublicIdField()
    page = models.ForeignKey(Page, models.CASCADE, related_name="incidents")
    name = models.CharField("Title", max_length=255)
    status = models.CharField(max_length=32, choices=IncidentStatus.choices)
    impact = models.CharField(max_length=16, choices=Impact.choices)
    started_at = models.DateTimeField()
    monitoring_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Retroactive: declared after the fact, never touches current statuses.
    backfilled = models.BooleanField(default=False)
    last_update_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-created_at"]
        indexes = [
            models.Index(fields=["page", "status"]),
            models.Index(fields=["page", "-started_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class AffectedComponent(models.Model):
    """The status one incident imposes on one component while it is open."""

    incident = models.ForeignKey(Incident, models.CASCADE, related_name="affected")
    component = models.ForeignKey(Component, models.CASCADE, related_name="impositions")
    status = models.CharField(max_length=32, choices=ComponentStatus.choices)
    # Set by hand by the operator: a later impact change leaves it alone.
    manual = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "component"], name="one_imposition")
        ]


class IncidentUpdate(models.Model):
    id = PublicIdField()
    incident = models.ForeignKey(Incident, models.CASCADE, related_name="updates")
    status = models.CharField(max_length=32, choices=IncidentStatus.choices)
    body = models.TextField(blank=True)
    impact = models.CharField(max_length=16, choices=Impact.choices)
    display_at = models.DateTimeField()
    # Snapshot at posting time: [{"code", "name", "old_status", "new_status"}], or None.
    affected_components = models.JSONField(null=True, blank=True)
    deliver_notifications = models.BooleanField(default=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(max_length=255, blank=True)
    # The key of the form (or request) that posted it: the same key again is the same post, sent
    # twice (a double click), and posts nothing more. Null for entries posted without one.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-display_at", "-created_at"]
        indexes = [models.Index(fields=["incident", "-display_at"])]


class Postmortem(models.Model):
    # The structured sections, in the order a postmortem reads (the title aside).
    SECTIONS = ("summary", "impact_description", "root_cause", "corrective_actions")
    HEADINGS = {
        "summary": "Summary",
        "impact_description": "Impact",
        "root_cause": "Root cause",
        "corrective_actions": "Corrective actions",
    }

    incident = models.OneToOneField(Incident, models.CASCADE, related_name="postmortem")
    title = models.CharField(max_length=255, blank=True)
    summary = models.TextField(blank=True)
    impact_description = models.TextField(blank=True)
    root_cause = models.TextField(blank=True)
    corrective_actions = models.TextField(blank=True)
    # Free Markdown kept as written when a client sends only Statuspage's `body_draft`.
    body_draft = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    notified_subscribers = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def markdown(self) -> str:
        """All sections as one Markdown document (Statuspage's postmortem `body`)."""
        if self.body_draft and not any(getattr(self, f) for f in self.SECTIONS):
            return self.body_draft
        parts = [f"# {self.title}"] if self.title else []
        for field, heading in self.HEADINGS.items():
            if text := getattr(self, field):
                parts.append(f"## {heading}\n\n{text}")
        entries = list(self.timeline.all())
        if entries:
            lines = "\n".join(f"- **{e.at:%Y-%m-%d %H:%M} UTC**: {e.description}" for e in entries)
            parts.append(f"## Timeline\n\n{lines}")
        if self.body_draft:
            parts.append(self.body_draft)
        return "\n\n".join(parts)


class PostmortemTimelineEntry(models.Model):
    postmortem = models.ForeignKey(Postmortem, models.CASCADE, related_name="timeline")
    position = models.PositiveIntegerField()
    at = models.DateTimeField()
    description = models.TextField()

    class Meta:
        ordering = ["position"]
