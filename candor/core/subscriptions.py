"""Subscribers: subscribe, confirm, manage, unsubscribe, quarantine, reactivate.

The only writer of Subscriber rows. The links in their emails are signed (core/links.py).
"""

from __future__ import annotations

import base64
import logging
import secrets
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction

from candor.core import links, throttles
from candor.core.links import CONFIRM_MAX_AGE
from candor.core.models import (
    Component,
    Delivery,
    DeliveryKind,
    DeliveryState,
    Page,
    Subscriber,
    SubscriberMode,
    SubscriberState,
    SubscriptionThrottle,
)
from candor.core.services.base import DUPLICATE, Actor, audit, check_safe, fail, now
from candor.core.throttles import Throttled as Throttled  # raised by admit(), caught by views
from candor.core.transports.guard import TargetRefused, Unresolvable, check_host

logger = logging.getLogger(__name__)

PER_ADDRESS_PER_HOUR = 10
PER_IP_PER_HOUR = 20
# All an anonymous visitor learns about a refused target: never what a name resolves to.
PUBLIC_TARGET_REFUSAL = "This address cannot receive webhooks: give a public http(s) URL."


def from_manage_token(token: str) -> Subscriber | None:
    """The subscriber a manage/unsubscribe link is for; None for a tampered or stale link."""
    pk = links.managed_id(token)
    if pk is None:
        return None
    return Subscriber.objects.filter(pk=pk).select_related("page").first()


# --- Checks -------------------------------------------------------------------------------


def _check_email(field: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise fail(field, "Enter an email address.")
    check_safe(field, value)
    try:
        EmailValidator()(value)
    except ValidationError:
        raise fail(field, "Enter a valid email address.") from None
    local, _, domain = value.rpartition("@")
    # The domain part is case-insensitive; keeping one spelling makes "already subscribed" exact.
    return f"{local}@{domain.lower()}"


def _check_endpoint(value: str, *, detail: bool = True) -> str:
    """`detail` says why a target is refused (what it resolves to): operators only."""
    value = check_safe("endpoint", (value or "").strip())
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise fail("endpoint", "Enter an http:// or https:// URL.") from None
    if len(value) > 2000:
        raise fail("endpoint", "Keep the URL under 2,000 characters.")
    parts = urlsplit(value)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # URLValidator lets any five digits through
        raise fail("endpoint", "Enter a port from 1 to 65535.") from None
    try:
        check_host(parts.hostname or "", port)
    except Unresolvable:
        pass  # DNS may come later; every send checks again
    except TargetRefused as exc:
        raise fail("endpoint", str(exc) if detail else PUBLIC_TARGET_REFUSAL) from None
    return value


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


# --- Management -----------------------------------------------------------------------------


@transaction.atomic
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
    if subscriber.state != SubscriberState.UNCONFIRMED or subscriber.is_webhook:
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
        if subscriber.is_webhook and subscriber.email:
            _mail_subscriber("webhook-quarantined", subscriber)
    return True


@transaction.atomic
def disable(subscriber_id: str, reason: str) -> bool:
    """A webhook endpoint answered 410 Gone: it asked never to be called again."""
    subscriber = Subscriber.objects.select_for_update().filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.state != SubscriberState.ACTIVE:
        return False
    _stop(subscriber, SubscriberState.DISABLED, reason)
    audit(subscriber.page, None, "subscriber.disable", subscriber, f"Disabled {subscriber}: 410")
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
