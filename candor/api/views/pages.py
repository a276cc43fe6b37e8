"""Pages: GET /v1/pages, GET|PATCH|PUT /v1/pages/{page_id}."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from candor.api.bodies.base import Paging
from candor.api.bodies.pages import PageBody
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
    """Settings and branding in one call of the service Page settings use (its checks, one
    transaction: a refused field writes nothing); its errors name the field as sent."""
    fields = body.page
    changes = fields.model_dump(exclude_none=True, exclude={"candor_branding"})
    brand = fields.candor_branding.model_dump(exclude_none=True) if fields.candor_branding else {}
    try:
        page = services.update_page(page, by=key, **changes, **brand)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {f"candor_branding.{f}" if f in brand else f: e for f, e in error.error_dict.items()}
        ) from None
    return ok(page_json(page, manage=True))
