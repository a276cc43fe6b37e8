"""What every management view shares: the page being managed and the acting user."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from django.contrib.auth.models import User
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from candor.core import services
from candor.core.models import Page

M = TypeVar("M", bound=Model)


# Which page a management request is about is decided here and nowhere else (docs/decisions.md,
# "Pages and roles"): the install's default page, for every operator. Nothing in the request
# picks another page (no ?page_id=), and another page's objects do not exist in the UI, as they
# do not for an API key of one page. Other pages are managed through the API.


def existing_managed_page() -> Page | None:
    return Page.default()


def managed_page(request: HttpRequest) -> Page:
    """The page this request manages. A GET never creates it; a first write does."""
    page = existing_managed_page()
    if page is not None:
        return page
    if request.method in ("GET", "HEAD"):
        raise Http404("There is no status page yet: `candor serve` creates it when it starts.")
    return services.ensure_default_page()


def on_managed_page(
    request: HttpRequest, queryset: QuerySet[M], *, page_field: str = "page", **lookup: Any
) -> M:
    """The object `lookup` names if it belongs to the managed page, else 404 (one query)."""
    return get_object_or_404(queryset, **{f"{page_field}__is_default": True}, **lookup)


def actor(request: HttpRequest) -> User:
    """The signed-in user, as services want it (every management view requires a login)."""
    return cast(User, request.user)
