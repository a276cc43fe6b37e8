from __future__ import annotations

from django.conf import settings
from django.db import models

from candor.core.models.base import PublicIdField
from candor.core.models.incidents import Incident, IncidentUpdate, IncidentUpdateRevision
from candor.core.models.pages import Component, ComponentStatusChange, Page


class SubscriberMode(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"
    # Chat channels: an incoming-webhook URL each (candor/core/channels/<mode>/).
    SLACK = "slack", "Slack"
    TEAMS = "teams", "Microsoft Teams"
    DISCORD = "discord", "Discord"


# The modes whose messages go to a chat service (candor/core/channels).
CHAT_MODES: tuple[str, ...] = (SubscriberMode.SLACK, SubscriberMode.TEAMS, SubscriberMode.DISCORD)


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
    # Opted out on the manage page: no maintenance notices (incidents still come).
    maintenance_notices = models.BooleanField(default=True)
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
            models.UniqueConstraint(
                fields=["page", "mode", "endpoint"],
                condition=models.Q(mode__in=CHAT_MODES),
                name="one_chat_subscription",
            ),
        ]

    def __str__(self) -> str:
        return self.email if self.mode == SubscriberMode.EMAIL else self.endpoint

    @property
    def is_webhook(self) -> bool:
        return self.mode == SubscriberMode.WEBHOOK

    @property
    def is_chat(self) -> bool:
        return self.mode in CHAT_MODES

    @property
    def by_url(self) -> bool:
        """A webhook or a chat channel: an endpoint, whose email (if any) is only a contact."""
        return self.mode != SubscriberMode.EMAIL


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
    INTEGRATION_FROZEN = "integration-frozen", "Integration frozen"
    INVITATION = "invitation", "Invitation"
    # Sent to a new webhook's endpoint (not by email): shows the receiver works and is signed.
    WEBHOOK_PING = "webhook-ping", "Webhook test ping"
    # A chat channel answered 404/410: its contact is told the subscription stopped.
    CHAT_DISABLED = "chat-disabled", "Chat channel removed"
    # One message to a team channel (TeamChannel), over its own mode; `event` says what.
    TEAM_EVENT = "team-event", "Team event"
    # To an Administrator: a team channel's service answered 404/410, so it was disabled.
    TEAM_CHANNEL_DISABLED = "team-channel-disabled", "Team channel disabled"


class TeamEvent(models.TextChoices):
    """What a team channel can be told of (TeamChannel.events); notify the team with
    candor.core.teamchannels.notify_team(page, kind, ...)."""

    REMINDER = "reminder", "An active incident has had no update for a while"
    CHANNEL_FAILING = "channel-failing", "Deliveries are failing for a whole channel"
    SUBSCRIBER_QUARANTINED = "subscriber-quarantined", "A subscriber was quarantined or removed"
    INCIDENT_PROPOSED = "incident-proposed", "An alert proposed an incident"
    MAINTENANCE_REMINDER = "maintenance-reminder", "A maintenance is about to start or end"


class TeamChannel(models.Model):
    """Where the team itself hears about what needs it: a Slack, Teams or Discord incoming
    webhook, or an email address; each chooses the events it gets."""

    id = PublicIdField()
    page = models.ForeignKey(Page, models.CASCADE, related_name="team_channels")
    mode = models.CharField(max_length=16, choices=SubscriberMode.choices)
    name = models.CharField(max_length=100)
    endpoint = models.URLField(max_length=2000, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    # TeamEvent values this channel gets.
    events = models.JSONField(default=list)
    # Set when its chat service answered 404/410 (the webhook was deleted): no event goes to
    # it until an Administrator enables it again; last_error says what the service answered.
    disabled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


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
    # A team event's destination, and what it says ({"kind", "title", "text", "url"}).
    team_channel = models.ForeignKey(
        TeamChannel, models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    event = models.JSONField(default=dict, blank=True)
    update = models.ForeignKey(
        IncidentUpdate, models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    status_change = models.ForeignKey(
        ComponentStatusChange, models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    # A correction of `update` the operator chose to announce: a second message about it.
    revision = models.ForeignKey(
        IncidentUpdateRevision, models.CASCADE, null=True, blank=True, related_name="deliveries"
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
                condition=models.Q(update__isnull=False, revision__isnull=True),
                name="one_delivery_per_update",
            ),
            models.UniqueConstraint(
                fields=["revision", "subscriber"],
                condition=models.Q(revision__isnull=False),
                name="one_delivery_per_revision",
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
        if self.revision_id:
            about = f"r{self.revision_id}"
        else:
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
