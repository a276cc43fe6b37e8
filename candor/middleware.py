"""The Content-Security-Policy of every HTML page Django answers, set here and nowhere else.

Django 5.2 has no CSP support of its own (it arrives in 6.0). The public documents carry their own
policy, stored with their bytes (candor/public/store.py) and served by the fast path without this
middleware; a response that already has a policy keeps it. The templates and scripts are written
for this policy: no inline script or style, no style="" attribute, no third-party origin.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def content_security_policy(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if "Content-Security-Policy" not in response and response.get(
            "Content-Type", ""
        ).startswith("text/html"):
            response["Content-Security-Policy"] = POLICY
        return response

    return middleware
