"""Subscribers (reference §3.6), through the subscription service in candor.core.subscriptions.

Subscribers created here are confirmed at once (the operator vouches for them); a webhook
subscriber's creation answer carries its signing secret, once, as `secret`.
"""

from __future__ import annotations

from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from candor.api.bodies.base import SUBSCRIBER_MODES, SUBSCRIBER_STATES, SUBSCRIBER_TYPES
from candor.api.bodies.subscribers import (
    SelectionBody,
    SubscriberBody,
    SubscriberEditBody,
    SubscriberFilter,
    SubscriberSearch,
)
from candor.api.http import ApiError, Data, invalid, ok, validation_error
from candor.api.operations import operation
from candor.api.views.components import components_of
from candor.core import subscriptions
from candor.core.models import ApiKey, Page, Subscriber, SubscriberMode, SubscriberState
from candor.core.serializers import subscriber_json

TYPES, STATES = SUBSCRIBER_TYPES, SUBSCRIBER_STATES
TAG = "Subscribers"
SORT_FIELDS = {"primary": "email", "created_at": "created_at", "quarantined_at": "quarantined_at"}


def _subscriber(page: Page, subscriber_id: str) -> Subscriber:
    found = (
        Subscriber.objects.filter(page=page, pk=subscriber_id)
        .prefetch_related("components")
        .first()
    )
    if found is None:
        raise ApiError(404, "Subscriber not found.")
    return found


def _choice(field: str, allowed: tuple[str, ...]) -> ApiError:
    message = f"{field} must be one of: {', '.join(allowed)}."
    return ApiError(400, message, {field: [message]})


def _filtered(page: Page, kind: str | None, state: str | None) -> QuerySet[Subscriber]:
    found = Subscriber.objects.filter(page=page)
    if kind is not None:
        if kind not in TYPES:
            raise _choice("type", TYPES)
        found = found.filter(mode=kind)
    state = "active" if state is None else state
    if state not in STATES:
        raise _choice("state", STATES)
    if state == "quarantined":
        found = found.filter(state__in=[SubscriberState.QUARANTINED, SubscriberState.DISABLED])
    elif state != "all":
        found = found.filter(state=state)
    return found


@operation("Subscribers", "Subscribers", tag=TAG, answer="Subscriber[]", query=SubscriberSearch)
def list_subscribers(
    request: HttpRequest, key: ApiKey, page: Page, query: SubscriberSearch
) -> HttpResponse:
    found = _filtered(page, query.type, query.state)
    if q := query.q:
        found = found.filter(Q(email__icontains=q) | Q(endpoint__icontains=q))
    field = "created_at" if query.sort_field is None else query.sort_field
    direction = "desc" if query.sort_direction is None else query.sort_direction
    if field not in (*SORT_FIELDS, "relevance") or direction not in ("asc", "desc"):
        raise ApiError(
            400,
            "sort_field: primary, created_at, quarantined_at or relevance; "
            "sort_direction: asc or desc.",
        )
    column = SORT_FIELDS.get(field, "created_at")
    found = found.order_by(("-" if direction == "desc" else "") + column, "id")
    limit, number = query.limit, query.page
    rows = found.prefetch_related("components")[number * limit : (number + 1) * limit]
    return ok([subscriber_json(s, page) for s in rows])


@operation(
    "Subscriber",
    "Add a subscriber, confirmed at once (a webhook's answer carries its secret)",
    tag=TAG,
    answer="Subscriber",
    status=201,
    body=SubscriberBody,
)
def create_subscriber(
    request: HttpRequest, key: ApiKey, page: Page, body: SubscriberBody
) -> HttpResponse:
    # skip_confirmation_notification is read and ignored: always skipped, confirmed at once.
    fields = body.subscriber
    email = fields.email or ""
    endpoint = fields.endpoint or ""
    if fields.phone_number or fields.phone_country:
        raise invalid("phone_number", "Candor has no SMS subscribers; use email or a webhook.")
    components = components_of(page, fields.component_ids or [], "component_ids")
    mode = fields.mode or (SubscriberMode.WEBHOOK if endpoint else SubscriberMode.EMAIL)
    if mode not in SUBSCRIBER_MODES:
        raise invalid("mode", f"mode must be one of: {', '.join(SUBSCRIBER_MODES)}.")
    if mode == SubscriberMode.EMAIL and not email:
        raise invalid("email", "Give an email address, or an endpoint for a webhook.")
    if mode != SubscriberMode.EMAIL and not endpoint:
        raise invalid("endpoint", f"Give the {mode} webhook URL as endpoint.")
    try:
        subscriber, secret = subscriptions.add_subscriber(
            page, by=key, mode=mode, email=email, endpoint=endpoint, components=components
        )
    except ValidationError as exc:
        raise validation_error(exc) from None
    if mode == SubscriberMode.WEBHOOK and secret is None:
        raise ApiError(409, "This endpoint is already subscribed.")
    data = subscriber_json(_subscriber(page, subscriber.pk), page)
    if secret is not None:
        data["secret"] = secret
    return ok(data, 201)


@operation("Subscriber", "A subscriber", tag=TAG, answer="Subscriber")
def get_subscriber(
    request: HttpRequest, key: ApiKey, page: Page, subscriber_id: str
) -> HttpResponse:
    return ok(subscriber_json(_subscriber(page, subscriber_id), page))


@operation(
    "Subscriber", "Choose its components", tag=TAG, answer="Subscriber", body=SubscriberEditBody
)
def update_subscriber(
    request: HttpRequest, key: ApiKey, page: Page, subscriber_id: str, body: SubscriberEditBody
) -> HttpResponse:
    subscriber = _subscriber(page, subscriber_id)
    ids = body.subscriber.component_ids
    if ids is not None:
        components = components_of(page, ids, "component_ids")
        subscriptions.set_components(subscriber, components, by=key)
    return ok(subscriber_json(_subscriber(page, subscriber_id), page))


@operation("Subscriber", "Unsubscribe it; returns it", tag=TAG, answer="Subscriber")
def delete_subscriber(
    request: HttpRequest, key: ApiKey, page: Page, subscriber_id: str
) -> HttpResponse:
    """Statuspage's DELETE unsubscribes: the row stays, as unsubscribed, and is returned."""
    subscriber = _subscriber(page, subscriber_id)
    subscriptions.unsubscribe(subscriber, by=key)
    return ok(subscriber_json(_subscriber(page, subscriber_id), page))


@operation(
    "SubscriberCount",
    "How many, per type",
    tag=TAG,
    answer="SubscriberCount",
    query=SubscriberFilter,
)
def count_subscribers(
    request: HttpRequest, key: ApiKey, page: Page, query: SubscriberFilter
) -> HttpResponse:
    found = _filtered(page, query.type, query.state)
    counts = Counter(found.values_list("mode", flat=True))
    return ok({kind: counts.get(kind, 0) for kind in TYPES})


@operation(
    "SubscriberHistogram", "How many, per type and state", tag=TAG, answer="SubscriberHistogram"
)
def histogram_by_state(request: HttpRequest, key: ApiKey, page: Page) -> HttpResponse:
    counts = Counter(Subscriber.objects.filter(page=page).values_list("mode", "state"))
    out: Data = {}
    for kind in TYPES:
        active = counts.get((kind, SubscriberState.ACTIVE), 0)
        unconfirmed = counts.get((kind, SubscriberState.UNCONFIRMED), 0)
        quarantined = counts.get((kind, SubscriberState.QUARANTINED), 0) + counts.get(
            (kind, SubscriberState.DISABLED), 0
        )
        out[kind] = {
            "active": active,
            "unconfirmed": unconfirmed,
            "quarantined": quarantined,
            "total": active + unconfirmed + quarantined,
        }
    return ok(out)


def _selection(body: SelectionBody, page: Page) -> QuerySet[Subscriber]:
    """`subscribers`: a list of ids or "all"; `type` and `state` narrow the choice."""
    chosen, kind, state = body.subscribers, body.type, body.state
    try:
        narrowed = _filtered(page, kind, "all" if state is None else state)
    except ApiError as exc:
        exc.status = 422  # in a body, not a query string: invalid input, as every body field
        raise
    if chosen == "all":
        return narrowed
    if not isinstance(chosen, list) or not all(isinstance(i, str) for i in chosen):
        raise invalid("subscribers", 'Give a list of subscriber ids, or "all".')
    if Subscriber.objects.filter(page=page, pk__in=chosen).count() != len(set(chosen)):
        raise invalid("subscribers", "Some of these subscribers do not exist on this page.")
    return narrowed.filter(pk__in=chosen)


@operation(
    "Subscribers",
    "Unsubscribe several",
    tag=TAG,
    answer="AffectedSubscribers",
    status=202,
    body=SelectionBody,
    op_id="unsubscribeSubscribers",
)
def bulk_unsubscribe(
    request: HttpRequest, key: ApiKey, page: Page, body: SelectionBody
) -> HttpResponse:
    selection = list(_selection(body, page))
    with transaction.atomic():
        for subscriber in selection:
            subscriptions.unsubscribe(subscriber, by=key)
    return ok({"subscribers": [s.pk for s in selection]}, 202)


@operation(
    "Subscribers",
    "Reactivate quarantined ones",
    tag=TAG,
    answer="AffectedSubscribers",
    status=202,
    body=SelectionBody,
    op_id="reactivateSubscribers",
)
def bulk_reactivate(
    request: HttpRequest, key: ApiKey, page: Page, body: SelectionBody
) -> HttpResponse:
    selection = list(_selection(body, page))
    with transaction.atomic():
        done = [subscriptions.reactivate(s, by=key) for s in selection]
    return ok({"subscribers": [s.pk for s in done if s.state == SubscriberState.ACTIVE]}, 202)


@operation(
    "Subscribers",
    "Resend confirmation to unconfirmed email subscribers",
    tag=TAG,
    answer="AffectedSubscribers",
    status=202,
    body=SelectionBody,
    op_id="resendConfirmations",
)
def bulk_resend_confirmation(
    request: HttpRequest, key: ApiKey, page: Page, body: SelectionBody
) -> HttpResponse:
    selection = list(_selection(body, page))
    sent = [s.pk for s in selection if subscriptions.resend_confirmation(s, by=key)]
    return ok({"subscribers": sent}, 202)


@operation(
    "Subscriber",
    "Resend the confirmation mail (unconfirmed email subscribers)",
    tag=TAG,
    answer=None,
    status=201,
    op_id="resendConfirmation",
)
def resend_confirmation(
    request: HttpRequest, key: ApiKey, page: Page, subscriber_id: str
) -> HttpResponse:
    subscriber = _subscriber(page, subscriber_id)
    if not subscriptions.resend_confirmation(subscriber, by=key):
        raise ApiError(409, "Only an unconfirmed email subscriber is sent a confirmation.")
    return HttpResponse(status=201)
