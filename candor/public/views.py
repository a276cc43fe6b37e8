"""Public views: every document comes from the store, the same bytes for every visitor."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from candor.public.served import Served
from candor.public.store import store


def respond(doc: Served, request: HttpRequest) -> HttpResponse:
    variant = doc.pick(request.headers.get("Accept-Encoding"))
    if doc.matches(request.headers.get("If-None-Match")):
        response = HttpResponse(status=304)
        headers = variant.not_modified
    else:
        head = request.method == "HEAD"
        response = HttpResponse(b"" if head else variant.body, status=doc.status)
        headers = variant.headers
    for name, value in headers:
        response[name] = value
    return response


@require_safe
def document(request: HttpRequest, **kwargs: object) -> HttpResponse:
    doc = store.document(request.path_info)
    if doc is None:
        raise Http404("No public page has been rendered yet.")
    return respond(doc, request)


@never_cache
def whoami(request: HttpRequest) -> JsonResponse:
    """Whether this browser belongs to a signed-in operator: the public pages' script asks."""
    user = request.user
    return JsonResponse({"operator": bool(user.is_authenticated and user.is_active)})
