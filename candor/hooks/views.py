"""/hooks/alerts/<token>: where monitoring sends alerts. It only checks and stores the body and
answers 202; the worker acts on it (services/alerts.py), so a slow database or a busy worker
never makes Alertmanager time out and send the same alerts again."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from candor.core import throttles
from candor.core.alerting.parse import PayloadError, parse
from candor.core.services import integrations

# Accepted payloads per integration and hour: Alertmanager with short intervals and many groups
# stays far below; a runaway sender is told to wait rather than filling the table.
PER_HOUR = 3600


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _read(request: HttpRequest) -> bytes | None:
    """The body, or None when it is larger than MAX_BODY (read no further than that)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > integrations.MAX_BODY:
        return None
    body = request.read(integrations.MAX_BODY + 1)
    return None if len(body) > integrations.MAX_BODY else body


@csrf_exempt
@require_POST
def receive(request: HttpRequest, token: str) -> JsonResponse:
    integration = integrations.authenticate(token)
    if integration is None:
        return _error(404, "No integration has this URL (it may have been revoked).")
    body = _read(request)
    if body is None:
        return _error(413, f"The body is larger than {integrations.MAX_BODY} bytes.")
    refusal = integrations.check_credentials(integration, body, request.headers)
    if refusal:
        return _error(401, refusal)
    try:
        alerts = parse(integration.kind, body)
    except PayloadError as exc:
        return _error(400, str(exc))
    if not throttles.take(f"hook:{integration.pk}", PER_HOUR):
        response = _error(429, "Too many payloads this hour; try again later.")
        response["Retry-After"] = "60"
        return response
    payload = integrations.receive_payload(integration, body.decode("utf-8"))
    return JsonResponse({"accepted": payload.pk, "alerts": len(alerts)}, status=202)
