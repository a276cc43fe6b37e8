"""Error pages in the site's design: the public ones are stored documents (the 404 and 500
pages rendered with the front page, candor/public/render), so showing them reads no database;
the management and first-run ones are templates. The API answers JSON (candor/api)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

_OPERATOR = ("/manage/", "/setup/")


def _stored(request: HttpRequest, path: str, *, fresh: bool = True) -> HttpResponse | None:
    """The stored public document at `path`, or None when none could be had. Not `fresh`:
    the copy in memory, without asking the database (for the 500 page)."""
    try:
        from candor.public.store import store
        from candor.public.views import respond

        site = store.current() if fresh else store.site
        doc = site.docs.get(path) if site is not None else None
        return respond(doc, request) if doc is not None else None
    except Exception:  # the error page must never fail in turn
        log.exception("The stored %s page could not be served", path)
        return None


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    path = request.path_info
    if path.startswith("/v1/"):
        return JsonResponse({"error": "Not found."}, status=404)
    if path.startswith(_OPERATOR):
        context = {
            "title": "Not found",
            "message": "There is nothing at this address in the management area. "
            "It may have been deleted, or the link is incomplete.",
            "links": [("Incidents", "/manage/"), ("Status page", "/")],
        }
        return render(request, "errors/manage.html", context, status=404)
    stored = _stored(request, "/404")
    if stored is not None:
        return stored
    context = {
        "title": "Not found",
        "message": "There is nothing here.",
        "links": [("Status page", "/")],
    }
    return render(request, "errors/manage.html", context, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path_info.startswith("/v1/"):
        return JsonResponse({"error": "Internal error: it has been logged."}, status=500)
    if not request.path_info.startswith(_OPERATOR):
        stored = _stored(request, "/500", fresh=False)
        if stored is not None:
            return stored
    # No context processors, no database: this page must render whatever failed.
    return HttpResponse(render_to_string("500.html"), status=500)
