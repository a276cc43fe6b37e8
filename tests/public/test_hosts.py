"""The public fast path answers only the hosts Django would (ALLOWED_HOSTS), through candor.wsgi."""

import pytest

from candor.public.store import store
from tests.public.test_serving import wsgi_get


@pytest.fixture
def served(default_page, component):
    store.refresh()
    status, headers, body = wsgi_get("/")
    assert status == "200 OK"
    return body


def test_fast_path_serves_a_configured_host(served):
    for host in ("127.0.0.1", "127.0.0.1:8000", "localhost:8000", "[::1]:8000"):
        status, _, body = wsgi_get("/", host=host)
        assert (host, status, body) == (host, "200 OK", served)


@pytest.mark.parametrize("path", ["/", "/api/v2/summary.json", "/history.atom"])
@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example"])
def test_fast_path_sends_an_unknown_host_to_django_which_answers_400(served, path, host):
    status, headers, body = wsgi_get(path, host=host)
    assert status.startswith("400 ")
    assert body != served
    assert "ETag" not in headers


def test_fast_path_refuses_a_malformed_host(served):
    status, _, _ = wsgi_get("/", host="127.0.0.1:8000/evil")
    assert status.startswith("400 ")


def test_fast_path_answers_304_only_to_configured_hosts(served):
    _, headers, _ = wsgi_get("/")
    ok, _, _ = wsgi_get("/", if_none_match=headers["ETag"])
    bad, _, _ = wsgi_get("/", host="evil.example", if_none_match=headers["ETag"])
    assert (ok, bad[:4]) == ("304 Not Modified", "400 ")


def test_fast_path_ignores_forwarded_host_unless_django_is_told_to(served, settings):
    status, _, _ = wsgi_get("/", x_forwarded_host="evil.example")
    assert status == "200 OK"
    settings.USE_X_FORWARDED_HOST = True
    refused, _, _ = wsgi_get("/", x_forwarded_host="evil.example")
    passed, _, _ = wsgi_get("/", host="evil.example", x_forwarded_host="localhost")
    assert (refused[:4], passed) == ("400 ", "200 OK")


def test_fast_path_follows_allowed_hosts_as_it_changes(served, settings):
    assert wsgi_get("/", host="status.example.com")[0].startswith("400 ")
    settings.ALLOWED_HOSTS = [".example.com"]
    assert wsgi_get("/", host="status.example.com")[0] == "200 OK"
    # A host that passed once is forgotten when the setting changes again.
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    assert wsgi_get("/", host="status.example.com")[0].startswith("400 ")
