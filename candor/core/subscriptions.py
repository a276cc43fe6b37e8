"""Subscribers: subscribe, confirm, manage, unsubscribe, quarantine, reactivate.

The only writer of Subscriber rows. The links in their emails are signed (core/links.py).
"""

from __future__ import annotations

import base64
import logging
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from candor.core import links, throttles
from candor.core.links import CONFIRM_MAX_AGE
from candor.core.models import (
    CHAT_MODES,
    Component,
    Delivery,
    DeliveryKind,
    DeliveryState,
    Page,
    Subscriber,
    SubscriberMode,
    SubscriberState,
    SubscriptionThrottle,
    new_id,
)
from candor.core.services.base import DUPLICATE, Actor, audit, fail, now
from candor.core.targets import check_chat_endpoint
from candor.core.targets import check_email as _check_email
from candor.core.targets import check_endpoint as _check_endpoint
from candor.core.throttles import Throttled as Throttled  # raised by admit(), caught by views

logger = logging.getLogger(__name__)

PER_ADDRESS_PER_HOUR = 10
PER_IP_PER_HOUR = 20


def from_manage_token(token: str) -> Subscriber | None:
    """The subscriber a manage/unsubscribe link is for; None for a tampered or stale link."""
    pk = links.managed_id(token)
    if pk is None:
        return None
    return Subscriber.objects.filter(pk=pk).select_related("page").first()


# --- Checks -------------------------------------------------------------------------------


def _check_components(page: Page, components: Iterable[Component]) -> list[Component]:
    chosen = list(components)
    for component in chosen:
        if component.page_id != page.pk:
            raise fail("components", f"{component.name} belongs to another page.")
    return chosen


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


# --- Throttles (kept in the database: they must hold across every web process) --------------


def admit(ip: str) -> None:
    """Count one anonymous subscribe request from a client; Throttled over the hourly limit.

    Called before the request is even read, and every request counts (refused ones too): a
    throttled client gets the same answer whatever it sends, and cannot go on probing names.
    """
    if ip:
        throttles.admit(f"ip:{ip}", PER_IP_PER_HOUR)


def _address_key(page: Page, email: str) -> str:
    return f"email:{page.pk}:{email.lower()}"


def _mail_allowed(page: Page, email: str) -> bool:
    """Count one mail to an address; False over its hourly limit (then the caller sends none,
    and answers as if it had: the limit reveals nothing about the address)."""
    key = _address_key(page, email)
    over = throttles.count(key) >= PER_ADDRESS_PER_HOUR
    throttles.note(key)
    if over:
        logger.info("subscribe: mails to one address over the hourly limit")
    return not over


# --- Public flows -------------------------------------------------------------------------


def subscribe_email(page: Page, *, email: str, components: Iterable[Component] = ()) -> None:
    """Ask for a subscription. Whatever the address's state, the caller answers the same way.

    New, pending, lapsed: (re)send the confirmation mail. Already subscribed: send the manage
    link instead, so that only the owner of the mailbox learns the address was known.
    """
    email = _check_email("email", email)
    chosen = _check_components(page, components)
    with transaction.atomic():
        if not _mail_allowed(page, email):
            return
        at = now()
        subscriber, created = Subscriber.objects.get_or_create(
            page=page,
            mode=SubscriberMode.EMAIL,
            email=email,
            defaults={"created_at": at, "updated_at": at},
        )
        if subscriber.state == SubscriberState.ACTIVE:
            template = "already-subscribed"
        else:
            template = "confirm"
            if not created:
                subscriber.state = SubscriberState.UNCONFIRMED
            subscriber.components.set(chosen)
        subscriber.confirmation_sent_at = at
        subscriber.updated_at = at
        subscriber.save()
        _mail_subscriber(template, subscriber)


def _mail_subscriber(template: str, subscriber: Subscriber) -> None:
    """Put the mail in the ledger, in the caller's transaction: the worker composes and sends
    it (every mail carries the manage link and RFC 8058's one-click headers)."""
    from candor.core.notifications import enqueue_mail

    enqueue_mail(DeliveryKind(template), subscriber=subscriber)


def confirm(token: str) -> Subscriber | None:
    """Activate the subscription a confirmation link is for; None if the link is bad or old."""
    pk = links.confirmed_id(token)
    if pk is None:
        return None
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(pk=pk).first()
        if subscriber is None:
            return None
        if subscriber.state == SubscriberState.UNCONFIRMED:
            _activate(subscriber)
            audit(
                subscriber.page, None, "subscriber.confirm", subscriber, f"{subscriber} confirmed"
            )
        return subscriber


def _activate(subscriber: Subscriber) -> None:
    at = now()
    subscriber.state = SubscriberState.ACTIVE
    subscriber.confirmed_at = subscriber.confirmed_at or at
    subscriber.quarantined_at = None
    subscriber.unsubscribed_at = None
    subscriber.consecutive_failures = 0
    subscriber.last_error = ""
    subscriber.updated_at = at
    subscriber.save()


def _stop(subscriber: Subscriber, state: str, reason: str = "") -> None:
    """Leave the active set; what was still waiting to go to this subscriber will not go."""
    at = now()
    subscriber.state = state
    if state == SubscriberState.QUARANTINED:
        subscriber.quarantined_at = at
    else:
        subscriber.unsubscribed_at = at
    if reason:
        subscriber.last_error = reason[:2000]
    subscriber.updated_at = at
    subscriber.save()
    # Notifications only: a mail about the subscription itself (its secret, the quarantine
    # notice to a webhook's contact) still goes.
    Delivery.objects.filter(
        subscriber=subscriber, kind=DeliveryKind.NOTIFICATION, state=DeliveryState.PENDING
    ).update(state=DeliveryState.CANCELLED, lease_until=None)


@transaction.atomic
def unsubscribe(subscriber: Subscriber, *, by: Actor = None) -> Subscriber:
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.state == SubscriberState.UNSUBSCRIBED:
        return subscriber
    _stop(subscriber, SubscriberState.UNSUBSCRIBED)
    audit(subscriber.page, by, "subscriber.unsubscribe", subscriber, f"{subscriber} unsubscribed")
    return subscriber


@transaction.atomic
def set_components(
    subscriber: Subscriber, components: Iterable[Component], *, by: Actor = None
) -> Subscriber:
    chosen = _check_components(subscriber.page, components)
    subscriber.components.set(chosen)
    Subscriber.objects.filter(pk=subscriber.pk).update(updated_at=now())
    audit(
        subscriber.page,
        by,
        "subscriber.components",
        subscriber,
        f"{subscriber} chose {len(chosen) or 'all'} components",
    )
    return subscriber


@transaction.atomic
def set_maintenance_notices(
    subscriber: Subscriber, *, by: Actor = None, enabled: bool
) -> Subscriber:
    """Opt in or out of scheduled-maintenance notices (incident notices are not affected)."""
    if subscriber.maintenance_notices == enabled:
        return subscriber
    subscriber.maintenance_notices = enabled
    Subscriber.objects.filter(pk=subscriber.pk).update(
        maintenance_notices=enabled, updated_at=now()
    )
    verb = "receives" if enabled else "opted out of"
    audit(
        subscriber.page,
        by,
        "subscriber.maintenance",
        subscriber,
        f"{subscriber} {verb} maintenance notices",
    )
    return subscriber


def request_webhook(
    page: Page, *, endpoint: str, email: str, components: Iterable[Component] = ()
) -> None:
    """The public form's webhook subscription: the caller answers the same whether the endpoint
    is new or already subscribed. A new one is active at once and its secret goes to the contact
    address; an endpoint already subscribed keeps its secret, and its own contact is told that
    someone asked again (or, without a contact, the audit log records it)."""
    endpoint = _check_endpoint(endpoint, detail=False)
    email = _check_email("email", email)
    chosen = _check_components(page, components)
    with transaction.atomic():
        existing = _subscribed_webhook(page, endpoint)
        recipient = existing.email if existing is not None else email
        if recipient and not _mail_allowed(page, recipient):
            return
        subscriber, secret = _create_webhook(page, endpoint, email, chosen, by=None)
        if secret is None and not subscriber.email:
            audit(
                page,
                None,
                "subscriber.resubscribe",
                subscriber,
                f"Someone asked to subscribe webhook {endpoint} again",
            )
        if secret is not None:
            # A signed test ping through the ledger: the receiver can check its secret at once.
            _mail_subscriber(DeliveryKind.WEBHOOK_PING, subscriber)
        if subscriber.email:
            # The secret is read from the subscriber when the mail is composed.
            template = "webhook-created" if secret else "webhook-already-subscribed"
            _mail_subscriber(template, subscriber)


def _subscribed_webhook(page: Page, endpoint: str) -> Subscriber | None:
    existing = Subscriber.objects.filter(
        page=page, mode=SubscriberMode.WEBHOOK, endpoint=endpoint
    ).first()
    if existing is not None and existing.state in (
        SubscriberState.ACTIVE,
        SubscriberState.QUARANTINED,
    ):
        return existing
    return None


@transaction.atomic
def subscribe_webhook(
    page: Page,
    *,
    endpoint: str,
    email: str,
    components: Iterable[Component] = (),
    by: Actor = None,
) -> tuple[Subscriber, str | None]:
    """A webhook is active at once. Returns the subscriber and its secret, shown this once;
    the secret is None when the endpoint was already subscribed (it is never shown again)."""
    endpoint = _check_endpoint(endpoint)
    email = _check_email("email", email)
    chosen = _check_components(page, components)
    return _create_webhook(page, endpoint, email, chosen, by=by)


def _create_webhook(
    page: Page, endpoint: str, email: str, chosen: list[Component], *, by: Actor
) -> tuple[Subscriber, str | None]:
    at = now()
    existing = _subscribed_webhook(page, endpoint)
    if existing is not None:
        return existing, None
    existing = Subscriber.objects.filter(
        page=page, mode=SubscriberMode.WEBHOOK, endpoint=endpoint
    ).first()
    subscriber = existing or Subscriber(
        page=page, mode=SubscriberMode.WEBHOOK, endpoint=endpoint, created_at=at
    )
    subscriber.email = email
    subscriber.secret = new_secret()
    subscriber.updated_at = at
    subscriber.save()
    subscriber.components.set(chosen)
    _activate(subscriber)
    audit(page, by, "subscriber.create", subscriber, f"Webhook {endpoint} subscribed")
    return subscriber, subscriber.secret


# --- Chat channels (Slack, Teams, Discord) -------------------------------------------------


def subscribe_chat(
    page: Page,
    *,
    mode: str,
    endpoint: str,
    email: str = "",
    components: Iterable[Component] = (),
    by: Actor = None,
    public: bool = False,
) -> tuple[Subscriber, bool]:
    """A chat channel: a test message is posted first, and nothing is stored unless the
    service took it. Active at once (the test message proves the URL is the subscriber's).
    Returns the subscriber and whether it was new; an operator adding a channel that is
    already subscribed is refused, the public form is told it is subscribed (it is)."""
    from candor.core.channels import channel_for
    from candor.core.channels.base import post_test, refusal_text

    channel = channel_for(mode)
    endpoint = check_chat_endpoint(mode, endpoint, detail=not public)
    email = _check_email("email", email) if (email or "").strip() else ""
    chosen = _check_components(page, components)
    existing = Subscriber.objects.filter(page=page, mode=mode, endpoint=endpoint).first()
    if existing is not None and existing.state == SubscriberState.ACTIVE:
        if not public:
            raise fail(
                "endpoint", f"This {channel.label} webhook is already subscribed.", DUPLICATE
            )
        return existing, False
    # Outside any transaction: no row is locked while the service answers.
    pk = existing.pk if existing else new_id()
    error = post_test(channel, endpoint, page, pk)
    if error is not None:
        # As for the URL's check above: what the service answered is for operators only.
        raise fail("endpoint", refusal_text(channel, error, detail=not public))
    try:
        with transaction.atomic():
            at = now()
            subscriber = existing or Subscriber(
                pk=pk, page=page, mode=mode, endpoint=endpoint, created_at=at
            )
            subscriber.email = email
            subscriber.updated_at = at
            subscriber.save()
            subscriber.components.set(chosen)
            _activate(subscriber)
            note = f"{channel.label} {endpoint} subscribed"
            audit(page, by, "subscriber.create", subscriber, note)
    except IntegrityError:
        # The same URL, subscribed by another request while the test message was on its way.
        if not public:
            message = f"This {channel.label} webhook is already subscribed."
            raise fail("endpoint", message, DUPLICATE) from None
        return Subscriber.objects.get(page=page, mode=mode, endpoint=endpoint), False
    return subscriber, True


# --- Management -----------------------------------------------------------------------------


def add_subscriber(
    page: Page,
    *,
    by: Actor,
    mode: str,
    email: str = "",
    endpoint: str = "",
    components: Iterable[Component] = (),
) -> tuple[Subscriber, str | None]:
    """Added by an operator: confirmed at once. Returns the webhook secret, shown once."""
    if mode in CHAT_MODES:
        # Not in a transaction: the test message is posted before anything is written.
        subscriber, _ = subscribe_chat(
            page, mode=mode, endpoint=endpoint, email=email, components=components, by=by
        )
        return subscriber, None
    with transaction.atomic():
        return _add_email_or_webhook(page, by, mode, email, endpoint, components)


def _add_email_or_webhook(
    page: Page,
    by: Actor,
    mode: str,
    email: str,
    endpoint: str,
    components: Iterable[Component],
) -> tuple[Subscriber, str | None]:
    if mode == SubscriberMode.WEBHOOK:
        return subscribe_webhook(page, endpoint=endpoint, email=email, components=components, by=by)
    email = _check_email("email", email)
    chosen = _check_components(page, components)
    at = now()
    subscriber, created = Subscriber.objects.get_or_create(
        page=page,
        mode=SubscriberMode.EMAIL,
        email=email,
        defaults={"created_at": at, "updated_at": at},
    )
    if not created and subscriber.state == SubscriberState.ACTIVE:
        raise fail("email", "This address is already subscribed.", DUPLICATE)
    subscriber.components.set(chosen)
    _activate(subscriber)
    audit(page, by, "subscriber.create", subscriber, f"Added subscriber {email}")
    return subscriber, None


@transaction.atomic
def remove_subscriber(subscriber: Subscriber, *, by: Actor) -> None:
    audit(subscriber.page, by, "subscriber.delete", subscriber, f"Removed subscriber {subscriber}")
    subscriber.delete()


@transaction.atomic
def resend_confirmation(subscriber: Subscriber, *, by: Actor) -> bool:
    if subscriber.state != SubscriberState.UNCONFIRMED or subscriber.by_url:
        return False
    Subscriber.objects.filter(pk=subscriber.pk).update(confirmation_sent_at=now())
    audit(
        subscriber.page, by, "subscriber.resend", subscriber, f"Resent confirmation to {subscriber}"
    )
    _mail_subscriber("confirm", subscriber)
    return True


@transaction.atomic
def reactivate(subscriber: Subscriber, *, by: Actor) -> Subscriber:
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.state not in (SubscriberState.QUARANTINED, SubscriberState.DISABLED):
        return subscriber
    _activate(subscriber)
    audit(subscriber.page, by, "subscriber.reactivate", subscriber, f"Reactivated {subscriber}")
    return subscriber


# --- What the worker learns from a failure ------------------------------------------------------


def quarantine(subscriber_id: str, reason: str) -> bool:
    """Stop sending to a subscriber whose mailbox or endpoint keeps refusing; tell the contact."""
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update()
            .select_related("page")
            .filter(pk=subscriber_id)
            .first()
        )
        if subscriber is None or subscriber.state != SubscriberState.ACTIVE:
            return False
        _stop(subscriber, SubscriberState.QUARANTINED, reason)
        audit(
            subscriber.page, None, "subscriber.quarantine", subscriber, f"Quarantined {subscriber}"
        )
        if subscriber.by_url and subscriber.email:
            _mail_subscriber("webhook-quarantined", subscriber)
        _tell_team(subscriber, "quarantined")
    return True


def _tell_team(subscriber: Subscriber, what: str) -> None:
    from candor.core.models import TeamEvent
    from candor.core.teamchannels import notify_team

    notify_team(
        subscriber.page,
        TeamEvent.SUBSCRIBER_QUARANTINED,
        title=f"{subscriber.get_mode_display()} subscriber {what}",
        text=f"`{subscriber}` was {what}: {subscriber.last_error[:500]}",
        url=f"{settings.BASE_URL}/manage/subscribers/?state={subscriber.state}",
        button="Open Subscribers",
    )


@transaction.atomic
def disable(subscriber_id: str, reason: str) -> bool:
    """A webhook endpoint answered 410 Gone, or a chat service 404/410 (the webhook was
    deleted): it is never called again; a chat subscription's contact is told."""
    subscriber = (
        Subscriber.objects.select_for_update().select_related("page").filter(pk=subscriber_id)
    ).first()
    if subscriber is None or subscriber.state != SubscriberState.ACTIVE:
        return False
    _stop(subscriber, SubscriberState.DISABLED, reason)
    audit(
        subscriber.page, None, "subscriber.disable", subscriber, f"Disabled {subscriber}: {reason}"
    )
    if subscriber.is_chat and subscriber.email:
        _mail_subscriber("chat-disabled", subscriber)
    _tell_team(subscriber, "disabled")
    return True


def expire_unconfirmed() -> int:
    """Unconfirmed subscriptions lapse after 7 days (the confirmation link stops working too)."""
    cutoff = now() - CONFIRM_MAX_AGE
    _, deleted = (
        Subscriber.objects.filter(state=SubscriberState.UNCONFIRMED, created_at__lt=cutoff)
        .exclude(confirmation_sent_at__gte=cutoff)
        .delete()
    )
    SubscriptionThrottle.objects.filter(at__lt=now() - timedelta(hours=2)).delete()
    return deleted.get("core.Subscriber", 0)
