from __future__ import annotations

from django.conf import settings
from django.db import models

from candor.core.models.pages import Page


class ApiKey(models.Model):
    name = models.CharField(max_length=100)
    # Only the SHA-256 of the key is kept; the key itself is shown once.
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    page = models.ForeignKey(
        Page, models.CASCADE, null=True, blank=True, related_name="api_keys"
    )  # None: every page
    # The owner, whose current role the key acts with (candor.core.roles). None: created on the
    # command line. A key dies with its owner, so None never means "a deleted account".
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Rate limit (GCRA): the theoretical arrival time of the next request, in epoch seconds.
    # Kept in the row and moved by one conditional UPDATE, so every web process shares it.
    rate_tat = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"API key {self.name!r}"


class AuditEntry(models.Model):
    """Who changed what, and when: every service that writes records one."""

    page = models.ForeignKey(Page, models.CASCADE, null=True, blank=True, related_name="+")
    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    api_key = models.ForeignKey(ApiKey, models.SET_NULL, null=True, blank=True, related_name="+")
    actor = models.CharField(max_length=255)  # kept as text so it outlives the user or key
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
