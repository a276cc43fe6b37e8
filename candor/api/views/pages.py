"""Pages: GET /v1/pages, GET|PATCH|PUT /v1/pages/{page_id}."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from candor.api.bodies import PageBody, Paging
from candor.api.http import ok
from candor.api.operations import operation
from candor.core import services
from candor.core.models import ApiKey, Page
from candor.core.serializers import page_json

TAG = "Pages"


@operation("Pages", "Pages this key can see", tag=TAG, answer="Page[]", query=Paging)
def list_pages(request: HttpRequest, key: ApiKey, query: Paging) -> HttpResponse:
    pages = Page.objects.all() if key.page_id is None else Page.objects.filter(pk=key.page_id)
    offset, count = query.window()
    return ok([page_json(p, manage=True) for p in pages[offset : offset + count]])


@operation("Page", "A page", tag=TAG, answer="Page")
def get_page(request: HttpRequest, key: ApiKey, page: Page) -> HttpResponse:
    return ok(page_json(page, manage=True))


@operation("Page", "Change page settings", tag=TAG, answer="Page", body=PageBody)
def update_page(request: HttpRequest, key: ApiKey, page: Page, body: PageBody) -> HttpResponse:
    changes = body.page.model_dump(exclude_none=True)
    page = services.update_page(page, by=key, **changes)
    return ok(page_json(page, manage=True))
