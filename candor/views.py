"""Project-level views that belong to no surface: health, metrics and first-run setup."""

import hmac
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from candor import monitoring


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """ "ok" and 200 when every check passes; 503 naming each failing check otherwise.
    `?verbose=1` lists every check (docs/architecture.md, "Health and metrics")."""
    verbose = request.GET.get("verbose", "") not in ("", "0")
    results = monitoring.checks(errors=verbose)
    healthy = all(c.ok for c in results)
    if verbose:
        lines = ["ok" if healthy else "failing"]
        lines += [f"{c.name} {'ok' if c.ok else 'failing'}: {c.detail}" for c in results]
    else:
        lines = (
            ["ok"] if healthy else [f"{c.name} failing: {c.detail}" for c in results if not c.ok]
        )
    return HttpResponse(
        "\n".join(lines) + "\n", status=200 if healthy else 503, content_type="text/plain"
    )


@require_safe
@never_cache
def healthz_json(request: HttpRequest) -> HttpResponse:
    results = monitoring.checks(errors=True)
    healthy = all(c.ok for c in results)
    body = {
        "status": "ok" if healthy else "failing",
        "checks": {
            c.name: {"status": "ok" if c.ok else "failing", "detail": c.detail} for c in results
        },
    }
    return HttpResponse(
        json.dumps(body, indent=2) + "\n",
        status=200 if healthy else 503,
        content_type="application/json",
    )


@require_safe
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, only for a request bearing CANDOR_METRICS_TOKEN; without a token set
    they are off (docs/decisions.md: behind a local proxy every visitor comes from loopback)."""
    token = settings.CANDOR_METRICS_TOKEN
    if not token:
        return HttpResponse(
            "Metrics are off: set CANDOR_METRICS_TOKEN.\n", status=404, content_type="text/plain"
        )
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        response = HttpResponse(
            "A bearer token is required.\n", status=401, content_type="text/plain"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(
        monitoring.metrics_text(), content_type="text/plain; version=0.0.4; charset=utf-8"
    )


def setup(request: HttpRequest, token: str) -> HttpResponse:
    """Create the first administrator through the one-time link `candor serve` printed."""
    from django.contrib.auth import login
    from django.shortcuts import redirect, render

    from candor.core import setup as first_run
    from candor.forms import FirstAdminForm, add_service_errors

    if not first_run.check_token(token):
        from django.contrib.auth import get_user_model

        # A reused link: say why, and where to go instead (never a bare "Not Found").
        exists = get_user_model().objects.filter(is_superuser=True).exists()
        return render(request, "setup_used.html", {"admin_exists": exists}, status=404)
    form = FirstAdminForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        from django.core.exceptions import ValidationError

        try:
            user = first_run.create_first_admin(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("/manage/")
    return render(request, "setup.html", {"form": form})
