"""Pages: GET /v1/pages, GET|PATCH|PUT /v1/pages/{page_id}."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from candor.api.http import ok, page_for, text, window, wrapped
from candor.core import services
from candor.core.models import ApiKey, Page
from candor.core.serializers import page_json

PAGE_FIELDS = ("name", "url", "time_zone", "support_url")


def list_pages(request: HttpRequest, key: ApiKey) -> HttpResponse:
    pages = Page.objects.all() if key.page_id is None else Page.objects.filter(pk=key.page_id)
    offset, count = window(request)
    return ok([page_json(p, manage=True) for p in pages[offset : offset + count]])


def get_page(request: HttpRequest, key: ApiKey, page_id: str) -> HttpResponse:
    return ok(page_json(page_for(key, page_id), manage=True))


def update_page(request: HttpRequest, key: ApiKey, page_id: str) -> HttpResponse:
    page = page_for(key, page_id)
    fields = wrapped(request, "page")
    changes = {f: v for f in PAGE_FIELDS if (v := text(fields, f)) is not None}
    page = services.update_page(page, by=key, **changes)
    return ok(page_json(page, manage=True))
