"""The Subscribers tab: who is told, how, and what happened to each notification."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from candor.core import notifications, subscriptions
from candor.core.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    IncidentUpdate,
    Page,
    Subscriber,
    SubscriberMode,
    SubscriberState,
)
from candor.forms import add_service_errors
from candor.manage.access import responder_required
from candor.manage.common import actor, managed_page, on_managed_page
from candor.manage.subscribers.forms import AddSubscriberForm

PER_PAGE = 50


def _counts(page: Page) -> dict[str, Any]:
    rows = (
        Subscriber.objects.filter(page=page)
        .values_list("mode", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    table = {m: dict.fromkeys(SubscriberState.values, 0) for m in SubscriberMode.values}
    for mode, state, n in rows:
        table[mode][state] = n
    return {
        "states": SubscriberState.choices,
        "rows": [
            (label, [table[mode][s] for s in SubscriberState.values], sum(table[mode].values()))
            for mode, label in SubscriberMode.choices
        ],
    }


@responder_required
def index(request: HttpRequest) -> HttpResponse:
    page = managed_page(request)
    subscribers = (
        Subscriber.objects.filter(page=page)
        .annotate(component_count=Count("components"))
        .order_by("-created_at")
    )
    q = request.GET.get("q", "").strip()
    if q:
        subscribers = subscribers.filter(Q(email__icontains=q) | Q(endpoint__icontains=q))
    state = request.GET.get("state", "")
    if state in SubscriberState.values:
        subscribers = subscribers.filter(state=state)
    mode = request.GET.get("mode", "")
    if mode in SubscriberMode.values:
        subscribers = subscribers.filter(mode=mode)
    listing = Paginator(subscribers, PER_PAGE).get_page(request.GET.get("p"))
    return render(
        request,
        "manage/subscribers/index.html",
        {
            "page": page,
            "listing": listing,
            "q": q,
            "state": state,
            "mode": mode,
            "counts": _counts(page),
            "form": AddSubscriberForm(page),
            "states": SubscriberState.choices,
            "modes": SubscriberMode.choices,
        },
    )


@responder_required
@require_POST
def add(request: HttpRequest) -> HttpResponse:
    page = managed_page(request)
    form = AddSubscriberForm(page, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            subscriber, secret = subscriptions.add_subscriber(
                page,
                by=actor(request),
                mode=data["mode"],
                email=data["email"],
                endpoint=data["endpoint"],
                components=data["components"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if secret:
                messages.success(
                    request,
                    f"Webhook added. Its signing secret, shown only this once: {secret}",
                )
            else:
                messages.success(request, f"{subscriber} is subscribed.")
            return redirect("manage_subscribers")
    return render(
        request,
        "manage/subscribers/add.html",
        {"page": page, "form": form},
        status=400,
    )


def _subscriber(request: HttpRequest, subscriber_id: str) -> Subscriber:
    return on_managed_page(request, Subscriber.objects.select_related("page"), pk=subscriber_id)


@responder_required
def remove(request: HttpRequest, subscriber_id: str) -> HttpResponse:
    """GET asks first (a removal cannot be undone); POST removes."""
    subscriber = _subscriber(request, subscriber_id)
    if request.method != "POST":
        return render(request, "manage/subscribers/remove.html", {"subscriber": subscriber})
    subscriptions.remove_subscriber(subscriber, by=actor(request))
    messages.success(request, f"Removed {subscriber}.")
    return redirect("manage_subscribers")


@responder_required
@require_POST
def resend(request: HttpRequest, subscriber_id: str) -> HttpResponse:
    subscriber = _subscriber(request, subscriber_id)
    if subscriptions.resend_confirmation(subscriber, by=actor(request)):
        messages.success(request, f"Sent a new confirmation link to {subscriber}.")
    else:
        messages.error(request, f"{subscriber} is not waiting for a confirmation.")
    return redirect("manage_subscribers")


@responder_required
@require_POST
def reactivate(request: HttpRequest, subscriber_id: str) -> HttpResponse:
    subscriber = _subscriber(request, subscriber_id)
    subscriptions.reactivate(subscriber, by=actor(request))
    messages.success(request, f"{subscriber} is active again.")
    return redirect("manage_subscribers")


def delivery_summary(update_id: str) -> dict[str, int]:
    """Sent, pending (first try not yet made), failing (retrying), failed, for one update."""
    row = Delivery.objects.filter(update_id=update_id).aggregate(
        sent=Count("pk", filter=Q(state=DeliveryState.SENT)),
        pending=Count("pk", filter=Q(state=DeliveryState.PENDING, attempts=0)),
        failing=Count("pk", filter=Q(state=DeliveryState.PENDING, attempts__gt=0)),
        failed=Count("pk", filter=Q(state=DeliveryState.FAILED)),
        cancelled=Count("pk", filter=Q(state=DeliveryState.CANCELLED)),
    )
    return {k: int(v or 0) for k, v in row.items()}


@responder_required
def deliveries(request: HttpRequest, update_id: str) -> HttpResponse:
    update = on_managed_page(
        request,
        IncidentUpdate.objects.select_related("incident__page"),
        page_field="incident__page",
        pk=update_id,
    )
    rows = (
        Delivery.objects.filter(update=update)
        .select_related("subscriber")
        .prefetch_related(Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("at")))
        .order_by("state", "pk")
    )
    show = request.GET.get("state", "")
    if show in DeliveryState.values:
        rows = rows.filter(state=show)
    listing = Paginator(rows, PER_PAGE).get_page(request.GET.get("p"))
    return render(
        request,
        "manage/subscribers/deliveries.html",
        {
            "page": update.incident.page,
            "update": update,
            "incident": update.incident,
            "summary": delivery_summary(update.pk),
            "listing": listing,
            "show": show,
            "states": DeliveryState.choices,
        },
    )


@responder_required
@require_POST
def retry(request: HttpRequest, update_id: str) -> HttpResponse:
    update = on_managed_page(
        request,
        IncidentUpdate.objects.select_related("incident__page"),
        page_field="incident__page",
        pk=update_id,
    )
    count = notifications.retry_failed(update, by=actor(request))
    messages.success(request, f"Retrying {count} failed deliveries.")
    return redirect("manage_deliveries", update_id=update.pk)
