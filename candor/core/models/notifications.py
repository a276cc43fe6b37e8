from __future__ import annotations

from django.conf import settings
from django.db import models

from candor.core.models.base import PublicIdField
from candor.core.models.incidents import Incident, IncidentUpdate
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


class DeliveryKind(models.TextChoices):
    """What a ledger row sends. A notification is about an update or a status change and goes
    over the subscriber's channel; every other kind is one email, composed when it is sent."""

    NOTIFICATION = "notification", "Notification"
    CONFIRM = "confirm", "Confirmation"
    ALREADY_SUBSCRIBED = "already-subscribed", "Already subscribed"
    WEBHOOK_CREATED = "webhook-created", "Webhook secret"
    WEBHOOK_ALREADY_SUBSCRIBED = "webhook-already-subscribed", "Webhook already subscribed"
    WEBHOOK_QUARANTINED = "webhook-quarantined", "Webhook quarantined"
    REMINDER = "reminder", "Reminder"
    PASSWORD_RESET = "password-reset", "Password reset"


class Delivery(models.Model):
    """One outgoing message: a notification to a subscriber about an update or a component
    change, or one email of another kind (to a subscriber, or to a user of Candor)."""

    kind = models.CharField(
        max_length=32, choices=DeliveryKind.choices, default=DeliveryKind.NOTIFICATION
    )
    # No page for a password reset.
    page = models.ForeignKey(Page, models.CASCADE, null=True, blank=True, related_name="+")
    # No subscriber for a mail to a user (reminders, password resets).
    subscriber = models.ForeignKey(
        Subscriber, models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+"
    )
    # What a reminder is about.
    incident = models.ForeignKey(Incident, models.CASCADE, null=True, blank=True, related_name="+")
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
    def target(self) -> Subscriber:
        """The subscriber a notification goes to (every notification has one)."""
        assert self.subscriber is not None
        return self.subscriber

    @property
    def message_key(self) -> str:
        """Stable for this (update or change, subscriber), or this mail: the id receivers
        dedupe on, the same on every attempt."""
        if self.kind != DeliveryKind.NOTIFICATION:
            return f"{self.kind}.{self.pk}"
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
