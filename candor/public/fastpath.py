"""A thin WSGI layer in front of Django: public GETs are answered from the in-memory documents.

Before answering, it checks that this process has reloaded since the last store on this host
(candor.public.store): eight bytes compared, no database round trip.

Django's whole stack (middleware, URL resolution, response objects) costs more than the answer
itself; these responses are the same bytes and headers for every visitor, worked out at load
time. Anything this layer does not know (a miss, a 404, a POST, a plain-HTTP request that must be
redirected to HTTPS, a Host that is not in ALLOWED_HOSTS) goes to Django unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.http.request import split_domain_port, validate_host

from candor.public.signal import host_signal
from candor.public.store import store

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _secure(environ: dict[str, Any]) -> bool:
    if environ.get("wsgi.url_scheme") == "https":
        return True
    proxy: tuple[str, str] | None = settings.SECURE_PROXY_SSL_HEADER
    return proxy is not None and environ.get(proxy[0]) == proxy[1]


class AllowedHosts:
    """Whether Django would accept a request's Host (ALLOWED_HOSTS), as cheaply as a set lookup.

    `passed` holds the Host values already seen to pass (bounded, since "*" or ".example.com"
    allow endlessly many); the fast path looks there first. Any other value gets `check()`:
    Django's own split_domain_port/validate_host, with Django's own reading of ALLOWED_HOSTS,
    DEBUG and USE_X_FORWARDED_HOST (while that is on, the Host header decides nothing, so nothing
    is remembered). A Host that fails goes to Django, which answers 400 as for any other URL.
    """

    LIMIT = 1024

    def __init__(self) -> None:
        self.passed: set[str] = set()
        setting_changed.connect(self._forget, weak=False)

    def _forget(self, **kwargs: Any) -> None:
        self.passed.clear()

    def check(self, environ: dict[str, Any]) -> bool:
        forwarded = settings.USE_X_FORWARDED_HOST
        host = environ.get("HTTP_X_FORWARDED_HOST") if forwarded else None
        if host is None:
            host = environ.get("HTTP_HOST")
        if host is None:
            return False  # HTTP/1.0 without a Host: Django works one out from SERVER_NAME
        allowed = settings.ALLOWED_HOSTS
        if settings.DEBUG and not allowed:
            allowed = [".localhost", "127.0.0.1", "[::1]"]
        domain, _ = split_domain_port(host)
        if not (domain and validate_host(domain, allowed)):
            return False
        if not forwarded and len(self.passed) < self.LIMIT:
            self.passed.add(host)
        return True


hosts = AllowedHosts()


def wrap(django_app: WSGIApp) -> WSGIApp:
    redirect = bool(settings.SECURE_SSL_REDIRECT)
    hsts_seconds = settings.SECURE_HSTS_SECONDS
    hsts = [("Strict-Transport-Security", f"max-age={hsts_seconds}")] if hsts_seconds else []
    # The host signal, mapped once: a fork keeps the shared mapping.
    counter = host_signal().counter
    known_hosts, check_host = hosts.passed, hosts.check

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if store.background_pid != os.getpid():
            store.start_background()
        method = environ["REQUEST_METHOD"]
        if method == "GET" or method == "HEAD":
            site = store.site
            if site is None or counter[0] != store.seen:
                site = store.current()
        else:
            site = None
        if site is not None:
            path = environ.get("PATH_INFO", "")
            doc = site.docs.get(path) or site.pages.get(path)
            if (
                doc is not None
                and doc.status == 200
                and (environ.get("HTTP_HOST") in known_hosts or check_host(environ))
            ):
                secure = _secure(environ) if (redirect or hsts) else False
                if not (redirect and not secure):
                    extra = hsts if secure else []
                    variant = doc.pick(environ.get("HTTP_ACCEPT_ENCODING"))
                    if doc.matches(environ.get("HTTP_IF_NONE_MATCH")):
                        start_response("304 Not Modified", variant.not_modified + extra)
                        return []
                    start_response(doc.status_line, variant.headers + extra)
                    return [] if method == "HEAD" else [variant.body]
        return django_app(environ, start_response)

    return application
