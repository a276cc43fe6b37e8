from __future__ import annotations

from django.conf import settings
from django.db import models

from candor.core.enums import (
    ACTIVE_STATUSES,
    MAINTENANCE_ACTIVE,
    MAINTENANCE_OPEN,
    ComponentStatus,
    Impact,
    IncidentKind,
    IncidentStatus,
)
from candor.core.models.base import PublicIdField
from candor.core.models.pages import Component, Page


class IncidentQuerySet(models.QuerySet["Incident"]):
    def active(self) -> IncidentQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def history(self) -> IncidentQuerySet:
        """Closed incidents and maintenances (a window still to come or under way is not)."""
        return self.exclude(status__in=ACTIVE_STATUSES | MAINTENANCE_OPEN)

    def incidents(self) -> IncidentQuerySet:
        return self.filter(kind=IncidentKind.INCIDENT)

    def maintenances(self) -> IncidentQuerySet:
        return self.filter(kind=IncidentKind.MAINTENANCE)

    def announced(self) -> IncidentQuerySet:
        """What the public may see: incidents, and maintenances once their public time came."""
        return self.exclude(kind=IncidentKind.MAINTENANCE, announced_at__isnull=True)

    def upcoming(self) -> IncidentQuerySet:
        return self.maintenances().filter(status=IncidentStatus.SCHEDULED)

    def in_progress(self) -> IncidentQuerySet:
        return self.maintenances().filter(status__in=MAINTENANCE_ACTIVE)


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

    # --- A maintenance (kind maintenance): Statuspage's fields, then Candor's ----------------
    kind = models.CharField(max_length=16, choices=IncidentKind.choices, default="incident")
    scheduled_for = models.DateTimeField(null=True, blank=True)
    scheduled_until = models.DateTimeField(null=True, blank=True)
    scheduled_remind_prior = models.BooleanField(default=False)
    scheduled_reminded_at = models.DateTimeField(null=True, blank=True)
    scheduled_auto_in_progress = models.BooleanField(default=False)
    scheduled_auto_completed = models.BooleanField(default=False)
    auto_transition_to_maintenance_state = models.BooleanField(default=True)
    auto_transition_to_operational_state = models.BooleanField(default=True)
    auto_transition_deliver_notifications_at_start = models.BooleanField(default=True)
    auto_transition_deliver_notifications_at_end = models.BooleanField(default=True)
    # Whether the window's own notices (created, rescheduled, cancelled, reminder) go out.
    deliver_notifications = models.BooleanField(default=True)
    # How long before the start the reminder goes out (with scheduled_remind_prior).
    remind_minutes_before = models.PositiveIntegerField(default=60)
    # When the window becomes public (None: at once); announced_at is when it did, and the
    # creation notice went out with it.
    public_from = models.DateTimeField(null=True, blank=True)
    announced_at = models.DateTimeField(null=True, blank=True)
    # iCalendar SEQUENCE: raised by every change a calendar shows.
    sequence = models.PositiveIntegerField(default=0)
    # An occurrence of a recurring series: `occurrence` is its start as the rule made it (its
    # identity, also after a reschedule); `detached` once edited alone (series edits skip it).
    series = models.ForeignKey(
        "core.MaintenanceSeries",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="occurrences",
    )
    occurrence = models.DateTimeField(null=True, blank=True)
    detached = models.BooleanField(default=False)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-created_at"]
        indexes = [
            models.Index(fields=["page", "status"]),
            models.Index(fields=["page", "-started_at"]),
            models.Index(fields=["kind", "status", "scheduled_for"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "occurrence"],
                condition=models.Q(series__isnull=False),
                name="one_incident_per_occurrence",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_maintenance(self) -> bool:
        return self.kind == IncidentKind.MAINTENANCE


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
    # When its body, status or display time was last corrected: the public timeline says "edited".
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-display_at", "-created_at"]
        indexes = [models.Index(fields=["incident", "-display_at"])]


class IncidentUpdateRevision(models.Model):
    """One correction of a posted entry: who, when, and what it said before and after."""

    update = models.ForeignKey(IncidentUpdate, models.CASCADE, related_name="revisions")
    at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(max_length=255)
    old_status = models.CharField(max_length=32, choices=IncidentStatus.choices)
    new_status = models.CharField(max_length=32, choices=IncidentStatus.choices)
    old_body = models.TextField(blank=True)
    new_body = models.TextField(blank=True)
    old_display_at = models.DateTimeField()
    new_display_at = models.DateTimeField()
    # The operator chose to tell the subscribers about this correction.
    notified = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-id"]


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


class MaintenanceSeries(models.Model):
    """A recurring window: an RFC 5545 RRULE read in an IANA time zone from a local start,
    expanded into maintenances (Incident rows) some weeks ahead. The occurrences carry the
    rest of the window's settings, copied from `template` (a dict of maintenance fields)."""

    id = PublicIdField()
    page = models.ForeignKey(Page, models.CASCADE, related_name="maintenance_series")
    name = models.CharField(max_length=255)
    message = models.TextField(blank=True)
    rrule = models.CharField(max_length=500)
    time_zone = models.CharField(max_length=64)
    # The first start; the rule repeats its wall-clock time in `time_zone` (DTSTART).
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField()
    # Local dates ("YYYY-MM-DD") on which the rule makes no window.
    excluded_dates = models.JSONField(default=list, blank=True)
    components = models.ManyToManyField(Component, blank=True, related_name="+")
    # The maintenance flags every occurrence gets (scheduled_auto_in_progress, …).
    template = models.JSONField(default=dict, blank=True)
    # Occurrences exist up to here (UTC); the worker moves it forward.
    expanded_until = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
