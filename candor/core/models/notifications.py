from __future__ import annotations

from django.db import models

from candor.core.models.base import PublicIdField
from candor.core.models.incidents import IncidentUpdate
from candor.core.models.pages import Component, ComponentStatusChange, Page


class SubscriberMode(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"


class SubscriberState(models.TextChoices):
    UNCONFIRMED = "unconfirmed", "Unconfirmed"
    ACTIVE = "active", "Active"
    QUARANTINED = "quarantined", "Quarantined"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    # The webhook endpoint answered 410 Gone.
    DISABLED = "disabled", "Disabled"


class SubscriberQuerySet(models.QuerySet["Subscriber"]):
    def active(self) -> SubscriberQuerySet:
        return self.filter(state=SubscriberState.ACTIVE)


class Subscriber(models.Model):
    id = PublicIdField()
    page = models.ForeignKey(Page, models.CASCADE, related_name="subscribers")
    mode = models.CharField(max_length=16, choices=SubscriberMode.choices)
    # For a webhook subscriber, the contact told when the endpoint is quarantined.
    email = models.EmailField(max_length=254, blank=True)
    endpoint = models.URLField(max_length=2000, blank=True)
    # Standard Webhooks signing secret ("whsec_..."), shown once at creation.
    secret = models.CharField(max_length=100, blank=True)
    state = models.CharField(
        max_length=16, choices=SubscriberState.choices, default=SubscriberState.UNCONFIRMED
    )
    # Empty means every component (and incidents with no component).
    components = models.ManyToManyField(Component, blank=True, related_name="subscribers")
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    quarantined_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "email"],
                condition=models.Q(mode="email"),
                name="one_email_subscription",
            ),
            models.UniqueConstraint(
                fields=["page", "endpoint"],
                condition=models.Q(mode="webhook"),
                name="one_webhook_subscription",
            ),
        ]

    def __str__(self) -> str:
        return self.endpoint if self.mode == SubscriberMode.WEBHOOK else self.email

    @property
    def is_webhook(self) -> bool:
        return self.mode == SubscriberMode.WEBHOOK


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"  # gave up: the schedule ran out, or the target refused for good
    CANCELLED = "cancelled", "Cancelled"


class Delivery(models.Model):
    """One notification to one subscriber about one update or component change."""

    page = models.ForeignKey(Page, models.CASCADE, related_name="+")
    subscriber = models.ForeignKey(Subscriber, models.CASCADE, related_name="deliveries")
    update = models.ForeignKey(
        IncidentUpdate, models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    status_change = models.ForeignKey(
        ComponentStatusChange, models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # Set by the claim that holds the lease; the claim reads back its own rows by it.
    lease_token = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["update", "subscriber"],
                condition=models.Q(update__isnull=False),
                name="one_delivery_per_update",
            ),
            models.UniqueConstraint(
                fields=["status_change", "subscriber"],
                condition=models.Q(status_change__isnull=False),
                name="one_delivery_per_status_change",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["subscriber", "state"]),
            models.Index(fields=["created_at"]),
        ]

    @property
    def message_key(self) -> str:
        """Stable for this (update or change, subscriber): the id receivers dedupe on."""
        about = f"u{self.update_id}" if self.update_id else f"c{self.status_change_id}"
        return f"{about}.{self.subscriber_id}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    ok = models.BooleanField()
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]


class SubscriptionThrottle(models.Model):
    """One confirmation mail requested, by address or by client IP: the limits count these rows,
    so that they hold across every web process."""

    key = models.CharField(max_length=300)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["key", "at"])]
