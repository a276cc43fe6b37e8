"""Public subscription pages. They set no cookie and need no session: confirm, manage and
unsubscribe links carry signed tokens, and mail clients' one-click POST (RFC 8058) works as is.
A subscribe request gets the same answer whether the address or endpoint is new, pending or
subscribed; the per-IP throttle is counted before anything in the request is looked at."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from candor.clientip import client_ip
from candor.core import links, subscriptions
from candor.core.models import Page, Subscriber, SubscriberState
from candor.forms import add_service_errors
from candor.public.subscriptions.forms import ChatForm, ComponentsForm, EmailForm, WebhookForm


def _chat_forms(page: Page, request: HttpRequest, mode: str) -> list[ChatForm]:
    """One form per chat channel (its package's how-to beside it), bound for the posted one."""
    from candor.core.channels import channels

    return [
        ChatForm(
            page,
            channel.mode,
            channel.label,
            request.POST if request.method == "POST" and mode == channel.mode else None,
            prefix=channel.mode,
        )
        for channel in channels().values()
    ]


def _page() -> Page:
    page = Page.default()
    if page is None:
        raise Http404("No status page yet.")
    return page


def _chrome(page: Page) -> dict[str, Any]:
    """What public/base.html needs around our content."""
    from django.utils import timezone

    from candor.public.render.html import brand_css_url, static_url
    from candor.public.render.load import logo_path
    from candor.public.templatetags.public import offset

    return {
        "tz_offset": offset(timezone.now().astimezone(page.tz)),
        "logo_url": logo_path(page),
        "css_url": static_url("public/status.css"),
        "js_url": static_url("public/status.js"),
        "subscriptions_css_url": static_url("public/subscriptions.css"),
        "brand_css_url": brand_css_url(page),
    }


def _render(
    request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200
) -> HttpResponse:
    ctx = {**_chrome(ctx["page"]), **ctx}
    response = render(request, f"public/subscriptions/{template}", ctx, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    page = _page()
    # Only a submitted form is bound: a fresh visit shows no "This field is required.".
    posted = request.POST if request.method == "POST" else None
    mode = posted.get("mode", "email") if posted is not None else "email"
    email_form = EmailForm(page, posted if mode == "email" else None, prefix="e")
    webhook_form = WebhookForm(page, posted if mode == "webhook" else None, prefix="w")
    chat_forms = _chat_forms(page, request, mode)
    ctx: dict[str, Any] = {
        "page": page,
        "email_form": email_form,
        "webhook_form": webhook_form,
        "chat_forms": chat_forms,
    }
    if request.method == "POST":
        try:
            subscriptions.admit(client_ip(request))
        except subscriptions.Throttled:
            return _render(request, "throttled.html", {"page": page}, status=429)
        chat = next((f for f in chat_forms if f.mode == mode), None)
        if chat is not None:
            return _subscribe_chat(request, chat, ctx)
        form = email_form if mode == "email" else webhook_form
        if form.is_valid():
            data = form.cleaned_data
            try:
                if mode == "email":
                    subscriptions.subscribe_email(
                        page, email=data["email"], components=data["components"]
                    )
                    return _render(request, "check_inbox.html", {"page": page})
                subscriptions.request_webhook(
                    page,
                    endpoint=data["endpoint"],
                    email=data["email"],
                    components=data["components"],
                )
                return _render(request, "webhook_check_inbox.html", {"page": page})
            except ValidationError as exc:
                add_service_errors(form, exc)
        ctx["mode"] = mode
        return _render(request, "subscribe.html", ctx, status=400)
    ctx["mode"] = "email"
    return _render(request, "subscribe.html", ctx)


def _subscribe_chat(request: HttpRequest, form: ChatForm, ctx: dict[str, Any]) -> HttpResponse:
    page = ctx["page"]
    if form.is_valid():
        data = form.cleaned_data
        try:
            subscriber, _ = subscriptions.subscribe_chat(
                page,
                mode=form.mode,
                endpoint=data["endpoint"],
                email=data["email"],
                components=data["components"],
                public=True,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _render(
                request,
                "chat_subscribed.html",
                {
                    "page": page,
                    "label": form.label,
                    "manage_url": links.manage_url(subscriber.pk, ""),
                },
            )
    ctx["mode"] = form.mode
    return _render(request, "subscribe.html", ctx, status=400)


def _bad_link(request: HttpRequest) -> HttpResponse:
    return _render(request, "bad_link.html", {"page": _page()}, status=400)


@require_http_methods(["GET"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = subscriptions.confirm(token)
    if subscriber is None or subscriber.state != SubscriberState.ACTIVE:
        return _bad_link(request)
    return _render(
        request,
        "confirmed.html",
        {
            "page": subscriber.page,
            "subscriber": subscriber,
            "manage_url": links.manage_url(subscriber.pk, ""),
        },
    )


def _subscriber(token: str) -> Subscriber | None:
    return subscriptions.from_manage_token(token)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = _subscriber(token)
    if subscriber is None:
        return _bad_link(request)
    page = subscriber.page
    initial = {
        "components": list(subscriber.components.all()),
        "maintenance_notices": subscriber.maintenance_notices,
    }
    form = ComponentsForm(page, request.POST if request.method == "POST" else None, initial=initial)
    saved = False
    if request.method == "POST" and form.is_valid():
        subscriptions.set_components(subscriber, form.cleaned_data["components"])
        subscriptions.set_maintenance_notices(
            subscriber, enabled=form.cleaned_data["maintenance_notices"]
        )
        saved = True
    return _render(
        request,
        "manage.html",
        {
            "page": page,
            "subscriber": subscriber,
            "form": form,
            "saved": saved,
            "active": subscriber.state == SubscriberState.ACTIVE,
            "unsubscribe_url": links.unsubscribe_url(subscriber.pk, ""),
        },
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks first (link scanners follow links); POST, the mail client's one-click, acts."""
    subscriber = _subscriber(token)
    if subscriber is None:
        return _bad_link(request)
    if request.method == "POST":
        subscriptions.unsubscribe(subscriber)
        return _render(request, "unsubscribed.html", {"page": subscriber.page})
    return _render(
        request,
        "unsubscribe.html",
        {
            "page": subscriber.page,
            "subscriber": subscriber,
            "done": subscriber.state == "unsubscribed",
        },
    )
