"""Monitoring integrations: where alerts come from, what arrived, and what each alert holds.

Written only by candor.core.services.alerts (and its web entry point, which stores a payload).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models

from candor.core.enums import ComponentStatus, Impact
from candor.core.models.base import PublicIdField
from candor.core.models.incidents import Incident
from candor.core.models.pages import Component, Page


class IntegrationKind(models.TextChoices):
    ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
    GRAFANA = "grafana", "Grafana alerting"
    GENERIC = "generic", "Generic JSON"


class IntegrationMode(models.TextChoices):
    STATUS = "status", "Set component status"
    PROPOSE = "propose", "Set status and propose an incident"
    INCIDENT = "incident", "Open incidents automatically"


class Integration(models.Model):
    id = PublicIdField()
    page = models.ForeignKey(Page, models.CASCADE, related_name="integrations")
    kind = models.CharField(max_length=16, choices=IntegrationKind.choices)
    name = models.CharField(max_length=100)
    mode = models.CharField(
        max_length=16, choices=IntegrationMode.choices, default=IntegrationMode.STATUS
    )
    # The secret in the URL: only its SHA-256 is kept, like API keys; shown once.
    token_hash = models.CharField(max_length=64, unique=True)
    token_prefix = models.CharField(max_length=12)
    # Optional Bearer token (Alertmanager's http_config.authorization), kept as a SHA-256 too.
    bearer_hash = models.CharField(max_length=64, blank=True)
    # Grafana signs with it, so it is kept as given (HMAC needs the secret itself).
    hmac_secret = models.CharField(max_length=255, blank=True)
    # Ordered: [{"matchers": [[label, op, value], ...], "component": id or "", "status": ""}].
    rules = models.JSONField(default=list, blank=True)
    # severity label value -> component status; overrides enums' defaults.
    severity_map = models.JSONField(default=dict, blank=True)
    hold_down_seconds = models.PositiveIntegerField(default=0)
    clear_delay_seconds = models.PositiveIntegerField(default=0)
    # More than this many changes of held components in an hour freezes the integration.
    flap_limit = models.PositiveIntegerField(default=10)
    frozen_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["revoked_at", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return f"Integration {self.name}"


class AlertPayload(models.Model):
    """One body as received, kept whatever it did; the worker processes it once."""

    integration = models.ForeignKey(Integration, models.CASCADE, related_name="payloads")
    received_at = models.DateTimeField()
    body = models.TextField()
    processed_at = models.DateTimeField(null=True, blank=True)
    # What it did, one line per alert ("Help Desk held at Major Outage", "no matching component").
    outcome = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["processed_at", "id"])]


class AlertQuerySet(models.QuerySet["Alert"]):
    def holding(self, component_ids: Iterable[str]) -> AlertQuerySet:
        """The alerts that hold these components now: one layer of the effective status."""
        return self.filter(component_id__in=list(component_ids), acting=True, layer=True)


class Alert(models.Model):
    """One alert, deduplicated by (integration, fingerprint, start time)."""

    integration = models.ForeignKey(Integration, models.CASCADE, related_name="alerts")
    fingerprint = models.CharField(max_length=255)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)  # set once resolved
    name = models.CharField(max_length=255, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    annotations = models.JSONField(default=dict, blank=True)
    component = models.ForeignKey(
        Component, models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    status = models.CharField(
        max_length=32, choices=ComponentStatus.choices, default=ComponentStatus.PARTIAL_OUTAGE
    )
    # Acting from (start + hold-down) until (end + clear delay).
    act_from = models.DateTimeField()
    act_until = models.DateTimeField(null=True, blank=True)
    # Why it does not act although due: "no component", "in maintenance", "frozen".
    blocked = models.CharField(max_length=64, blank=True)
    acting = models.BooleanField(default=False)
    # True when it holds its component as a status layer (modes status and propose).
    layer = models.BooleanField(default=True)
    incident = models.ForeignKey(
        Incident, models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    proposal = models.ForeignKey(
        "core.ProposedIncident", models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "fingerprint", "starts_at"], name="one_alert"
            )
        ]
        indexes = [
            models.Index(fields=["component", "acting"]),
            models.Index(fields=["acting", "act_until"]),
        ]

    def __str__(self) -> str:
        return self.summary or self.name or self.fingerprint

    @property
    def firing(self) -> bool:
        return self.ends_at is None


class ProposalState(models.TextChoices):
    OPEN = "open", "Proposed"
    APPROVED = "approved", "Approved"
    DISMISSED = "dismissed", "Dismissed"


class ProposedIncident(models.Model):
    """An incident an integration suggests: not public and notifying nobody until approved."""

    id = PublicIdField()
    page = models.ForeignKey(Page, models.CASCADE, related_name="proposals")
    integration = models.ForeignKey(Integration, models.CASCADE, related_name="proposals")
    title = models.CharField(max_length=255)
    impact = models.CharField(max_length=16, choices=Impact.choices)
    message = models.TextField(blank=True)
    components = models.ManyToManyField(Component, blank=True, related_name="+")
    state = models.CharField(max_length=16, choices=ProposalState.choices, default="open")
    incident = models.ForeignKey(Incident, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class AutoIncident(models.Model):
    """An incident an integration opened; it stays the integration's while nobody touches it."""

    incident = models.OneToOneField(Incident, models.CASCADE, related_name="automation")
    integration = models.ForeignKey(Integration, models.CASCADE, related_name="incidents")
    component = models.ForeignKey(Component, models.CASCADE, related_name="+")
    # incident.updated_at after the integration's last write: anything newer is a person's.
    written_at = models.DateTimeField()
    closed = models.BooleanField(default=False)
