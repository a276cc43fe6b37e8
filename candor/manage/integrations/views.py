"""Integrations (Administrators only): create one and see its URL once, list, revoke, unfreeze,
and each one's last payloads with what they did."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from candor.core.models import Alert, Integration, IntegrationKind, IntegrationMode
from candor.core.services import integrations
from candor.forms import add_service_errors
from candor.manage.access import admin_required
from candor.manage.common import actor, managed_page, on_managed_page

RECENT_PAYLOADS = 20


class IntegrationForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=100, help_text="e.g. “Production Alertmanager”."
    )
    kind = forms.ChoiceField(label="Sends", choices=IntegrationKind.choices)
    mode = forms.ChoiceField(
        label="What its alerts do",
        choices=IntegrationMode.choices,
        initial=IntegrationMode.STATUS,
        help_text="Set status: a firing alert holds its component until it resolves. Propose: "
        "also suggests an incident in the Incidents tab, for a person to approve. Open "
        "incidents: publishes an incident at once and notifies subscribers.",
    )
    rules = forms.CharField(
        label="Rules",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "mono", "spellcheck": "false"}),
        help_text='Optional, one a line, first match wins: service=~"help.*", env="prod" -> '
        "Help Desk (add “: major_outage” to fix the status). Without a match, the alert's "
        "component label names the component.",
    )
    severity_map = forms.CharField(
        label="Severities",
        required=False,
        help_text="Optional, e.g. “page=major_outage, ticket=degraded_performance”. Defaults: "
        "critical → major outage; major, error → partial outage; warning, minor → degraded.",
    )
    hold_down_seconds = forms.IntegerField(
        label="Hold-down (seconds)",
        min_value=0,
        initial=0,
        help_text="Act only after an alert has fired this long.",
    )
    clear_delay_seconds = forms.IntegerField(
        label="Clear delay (seconds)",
        min_value=0,
        initial=0,
        help_text="Release a component only after its alert has stayed resolved this long.",
    )
    flap_limit = forms.IntegerField(
        label="Flapping limit",
        min_value=1,
        initial=10,
        help_text="More changes of one component than this in an hour freeze the integration "
        "until someone looks.",
    )
    bearer_token = forms.CharField(
        label="Bearer token",
        required=False,
        max_length=255,
        help_text="Optional: require it in the Authorization header (Alertmanager's "
        "http_config.authorization). Stored only as a hash.",
    )
    hmac_secret = forms.CharField(
        label="Grafana HMAC secret",
        required=False,
        max_length=255,
        help_text="Optional: require Grafana's X-Grafana-Alerting-Signature made with it.",
    )


@admin_required
def integration_list(request: HttpRequest) -> HttpResponse:
    page = managed_page(request)
    rows = Integration.objects.filter(page=page)
    return render(request, "manage/integrations/list.html", {"integrations": rows})


@admin_required
def integration_create(request: HttpRequest) -> HttpResponse:
    page = managed_page(request)
    form = IntegrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            integration, token = integrations.create_integration(
                page,
                by=actor(request),
                kind=data["kind"],
                name=data["name"],
                mode=data["mode"],
                rules=data["rules"],
                severity_map=integrations.parse_severity_map(data["severity_map"]),
                hold_down_seconds=data["hold_down_seconds"],
                clear_delay_seconds=data["clear_delay_seconds"],
                flap_limit=data["flap_limit"],
                bearer_token=data["bearer_token"],
                hmac_secret=data["hmac_secret"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Rendered, not redirected: the URL's token is never kept, so it shows only now.
            url = f"{settings.BASE_URL}/hooks/alerts/{token}"
            response = render(
                request,
                "manage/integrations/created.html",
                {"integration": integration, "url": url},
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "manage/integrations/form.html", {"form": form})


def _get(request: HttpRequest, integration_id: str) -> Integration:
    return on_managed_page(request, Integration.objects.select_related("page"), pk=integration_id)


@admin_required
def integration_detail(request: HttpRequest, integration_id: str) -> HttpResponse:
    integration = _get(request, integration_id)
    payloads = integration.payloads.order_by("-received_at", "-id")[:RECENT_PAYLOADS]
    firing = (
        Alert.objects.filter(integration=integration, ends_at__isnull=True)
        .select_related("component", "incident")
        .order_by("-starts_at")[:50]
    )
    return render(
        request,
        "manage/integrations/detail.html",
        {
            "integration": integration,
            "payloads": payloads,
            "firing": firing,
            "rules": integrations.format_rules(integration),
        },
    )


class IntegrationEditForm(IntegrationForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # What sends it and its credentials are fixed: change them by creating another.
        for field in ("kind", "bearer_token", "hmac_secret"):
            del self.fields[field]


@admin_required
def integration_edit(request: HttpRequest, integration_id: str) -> HttpResponse:
    integration = _get(request, integration_id)
    initial = {
        "name": integration.name,
        "mode": integration.mode,
        "rules": integrations.format_rules(integration),
        "severity_map": ", ".join(f"{k}={v}" for k, v in integration.severity_map.items()),
        "hold_down_seconds": integration.hold_down_seconds,
        "clear_delay_seconds": integration.clear_delay_seconds,
        "flap_limit": integration.flap_limit,
    }
    form = IntegrationEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            integrations.update_integration(
                integration,
                by=actor(request),
                name=data["name"],
                mode=data["mode"],
                rules=data["rules"],
                severity_map=integrations.parse_severity_map(data["severity_map"]),
                hold_down_seconds=data["hold_down_seconds"],
                clear_delay_seconds=data["clear_delay_seconds"],
                flap_limit=data["flap_limit"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Saved “{data['name']}”.")
            return redirect("manage_integration", integration.pk)
    return render(
        request, "manage/integrations/edit.html", {"form": form, "integration": integration}
    )


@admin_required
def integration_revoke(request: HttpRequest, integration_id: str) -> HttpResponse:
    integration = _get(request, integration_id)
    if request.method == "POST":
        integrations.revoke_integration(integration, by=actor(request))
        messages.success(
            request,
            f"Revoked “{integration.name}”: its URL answers 404, and its alerts hold nothing.",
        )
        return redirect("manage_integrations")
    return render(request, "manage/integrations/revoke.html", {"integration": integration})


@admin_required
@require_POST
def integration_unfreeze(request: HttpRequest, integration_id: str) -> HttpResponse:
    integration = _get(request, integration_id)
    integrations.unfreeze_integration(integration, by=actor(request))
    messages.success(request, f"“{integration.name}” acts on its alerts again.")
    return redirect("manage_integration", integration.pk)
