"""Management pages show every time in the managed page's time zone, written as everywhere
else (candor/core/timefmt.py): this middleware makes that zone the active one for /manage/."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from candor.manage.common import existing_managed_page


def page_time_zone(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/manage/"):
            return get_response(request)
        page = existing_managed_page()
        # Kept for this request's other checks (two-factor policy, candor/manage/access.py).
        request.candor_page = page  # type: ignore[attr-defined]
        if page is None:
            return get_response(request)
        with timezone.override(page.tz):
            return get_response(request)

    return middleware
