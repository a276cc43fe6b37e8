"""Monitoring integrations (Administrators' keys): list, read, create, revoke. The creation
answer carries the integration's URL, once, as `url`; Candor keeps only a hash of its token."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from candor.api.bodies.pages import IntegrationBody
from candor.api.http import ApiError, Data, ok, validation_error
from candor.api.operations import operation
from candor.core.models import ApiKey, Integration, Page
from candor.core.roles import require_administrator
from candor.core.services import integrations
from candor.core.services.integrations import format_rules

TAG = "Integrations"


def integration_json(integration: Integration) -> Data:
    return {
        "id": integration.pk,
        "page_id": integration.page_id,
        "name": integration.name,
        "kind": integration.kind,
        "mode": integration.mode,
        "url_prefix": f"/hooks/alerts/{integration.token_prefix}",
        "rules": format_rules(integration),
        "severity_map": integration.severity_map,
        "hold_down_seconds": integration.hold_down_seconds,
        "clear_delay_seconds": integration.clear_delay_seconds,
        "flap_limit": integration.flap_limit,
        "bearer_token_required": bool(integration.bearer_hash),
        "signature_required": bool(integration.hmac_secret),
        "frozen_at": integration.frozen_at.isoformat() if integration.frozen_at else None,
        "revoked_at": integration.revoked_at.isoformat() if integration.revoked_at else None,
        "created_at": integration.created_at.isoformat(),
    }


@operation("Integrations", "Monitoring integrations", tag=TAG, answer="Integration[]")
def list_integrations(request: HttpRequest, key: ApiKey, page: Page) -> HttpResponse:
    require_administrator(key)
    return ok([integration_json(i) for i in Integration.objects.filter(page=page)])


def _integration(page: Page, integration_id: str) -> Integration:
    found = Integration.objects.filter(page=page, pk=integration_id).first()
    if found is None:
        raise ApiError(404, "Integration not found.")
    return found


@operation("Integration", "A monitoring integration", tag=TAG, answer="Integration")
def get_integration(
    request: HttpRequest, key: ApiKey, page: Page, integration_id: str
) -> HttpResponse:
    require_administrator(key)
    return ok(integration_json(_integration(page, integration_id)))


@operation(
    "Integration",
    "Revoke an integration: its URL stops working and its alerts let go of their components",
    tag=TAG,
    answer="Integration",
)
def revoke_integration(
    request: HttpRequest, key: ApiKey, page: Page, integration_id: str
) -> HttpResponse:
    """Answers the revoked integration (revoked_at set), as Statuspage's DELETEs answer the
    object; the row stays, as in the UI, so its history and audit entries keep their subject.
    Revoking it again changes nothing and answers the same."""
    require_administrator(key)
    found = _integration(page, integration_id)
    return ok(integration_json(integrations.revoke_integration(found, by=key)))


@operation(
    "Integration",
    "Create an integration (the answer carries its URL, once)",
    tag=TAG,
    answer="Integration",
    status=201,
    body=IntegrationBody,
)
def create_integration(
    request: HttpRequest, key: ApiKey, page: Page, body: IntegrationBody
) -> HttpResponse:
    fields = body.integration
    try:
        integration, token = integrations.create_integration(
            page,
            by=key,
            kind=fields.kind or "",
            name=fields.name or "",
            mode=fields.mode or "status",
            rules=fields.rules or "",
            severity_map=fields.severity_map,
            hold_down_seconds=fields.hold_down_seconds or 0,
            clear_delay_seconds=fields.clear_delay_seconds or 0,
            flap_limit=fields.flap_limit or 10,
            bearer_token=fields.bearer_token or "",
            hmac_secret=fields.hmac_secret or "",
        )
    except ValidationError as exc:
        raise validation_error(exc) from None
    data = integration_json(integration)
    data["url"] = f"{settings.BASE_URL}/hooks/alerts/{token}"
    return ok(data, 201)
