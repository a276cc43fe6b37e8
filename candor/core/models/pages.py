from __future__ import annotations

import zoneinfo

from django.db import models

from candor.core.enums import ComponentStatus
from candor.core.models.base import PublicIdField


class Page(models.Model):
    id = PublicIdField()
    name = models.CharField(max_length=255)
    url = models.URLField("Public URL", max_length=255, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    support_url = models.URLField("Support link", max_length=255, blank=True)
    logo = models.FileField(upload_to="logos/", blank=True)
    # Branding (candor/core/branding.py checks it): accent colours per scheme (AA-checked),
    # a favicon (a raster image, served at /favicon.ico), links, an about text (Markdown) and
    # custom CSS (served as /brand.css with the colours).
    accent_light = models.CharField(max_length=7, blank=True)
    accent_dark = models.CharField(max_length=7, blank=True)
    favicon = models.FileField(upload_to="favicons/", blank=True)
    header_links = models.JSONField(default=list, blank=True)
    footer_links = models.JSONField(default=list, blank=True)
    about = models.TextField(blank=True)
    custom_css = models.TextField(blank=True)
    # Set by an administrator: every operator must sign in with a TOTP code (services/team.py).
    require_two_factor = models.BooleanField(default=False)
    is_default = models.BooleanField(default=False)
    # Minutes of silence after which an active incident is flagged and the team reminded.
    stale_after_minutes = models.PositiveIntegerField(default=30)
    # Bumped by every public change; the public read path keys its rendered documents on it.
    version = models.BigIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_page",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def default(cls) -> Page | None:
        """The page the public site shows and the management UI manages (docs/decisions.md,
        "Pages and roles"); other pages exist through the API only."""
        return cls.objects.filter(is_default=True).first()

    @property
    def title(self) -> str:
        """ "Acme Status" for a page named Acme; a name that says Status already is kept."""
        from candor.core.branding import display_title

        return display_title(self.name)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class ComponentGroup(models.Model):
    id = PublicIdField()
    page = models.ForeignKey(Page, models.CASCADE, related_name="groups")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "created_at"]

    def __str__(self) -> str:
        return self.name


class Component(models.Model):
    id = PublicIdField()
    page = models.ForeignKey(Page, models.CASCADE, related_name="components")
    group = models.ForeignKey(
        ComponentGroup, models.SET_NULL, null=True, blank=True, related_name="components"
    )
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    # Set only by an operator; incidents never write it (DESIGN §2).
    baseline_status = models.CharField(
        max_length=32, choices=ComponentStatus.choices, default=ComponentStatus.OPERATIONAL
    )
    # The effective status: worst of the baseline and every open incident's imposed status.
    # Stored so that every reader gets it without a join; written only by services.recompute.
    status = models.CharField(
        max_length=32, choices=ComponentStatus.choices, default=ComponentStatus.OPERATIONAL
    )
    showcase = models.BooleanField(default=True)
    only_show_if_degraded = models.BooleanField(default=False)
    start_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """Statuspage names a grouped component "<Group> - <Component>" in update snapshots."""
        return f"{self.group.name} - {self.name}" if self.group_id and self.group else self.name


class ComponentStatusChange(models.Model):
    """The log of effective status changes: history, uptime and component webhooks read it."""

    page = models.ForeignKey(Page, models.CASCADE, related_name="+")
    component = models.ForeignKey(Component, models.CASCADE, related_name="status_changes")
    old_status = models.CharField(max_length=32, choices=ComponentStatus.choices)
    new_status = models.CharField(max_length=32, choices=ComponentStatus.choices)
    at = models.DateTimeField(db_index=True)
    incident = models.ForeignKey(
        "core.Incident", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A retroactive incident records its window after the fact: a pair of rows (start, end)
    # that overlay the live log rather than continue it.
    retroactive = models.BooleanField(default=False)
    cause = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["component", "at"])]
