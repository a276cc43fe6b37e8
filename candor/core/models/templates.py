"""What an operator prepares before an outage: incident templates and update snippets."""

from __future__ import annotations

from django.db import models

from candor.core.enums import Impact, IncidentStatus
from candor.core.models.base import PublicIdField
from candor.core.models.pages import Component, Page


class IncidentTemplate(models.Model):
    """Statuspage's incident template: prefills Create Incident (title, status, impact,
    components, message and whether to notify)."""

    id = PublicIdField()
    page = models.ForeignKey(Page, models.CASCADE, related_name="incident_templates")
    name = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=32, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING
    )
    impact = models.CharField(max_length=16, choices=Impact.choices, default=Impact.NONE)
    body = models.TextField(blank=True)
    components = models.ManyToManyField(Component, blank=True, related_name="+")
    notify = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "created_at"]

    def __str__(self) -> str:
        return self.name


class UpdateSnippet(models.Model):
    """A prepared message for Post Update ("We are still investigating…"), with its status."""

    id = PublicIdField()
    page = models.ForeignKey(Page, models.CASCADE, related_name="update_snippets")
    name = models.CharField(max_length=255)
    # Blank: the snippet leaves the chosen status alone.
    status = models.CharField(max_length=32, choices=IncidentStatus.choices, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "created_at"]

    def __str__(self) -> str:
        return self.name
