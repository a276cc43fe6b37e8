import gzip
import io
import os
from datetime import timedelta

import pytest
from django.utils import timezone

from candor.core import services
from candor.public.documents import Document, claim_refresh, store_documents
from candor.public.models import RenderedDocument, RenderState
from candor.public.render import render_page
from candor.public.served import CACHE_CONTROL
from candor.public.store import read_snapshot, store, write_snapshot
from candor.wsgi import application

PUBLIC_PATHS = [
    "/",
    "/history",
    "/history.atom",
    "/history.rss",
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/components.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
    "/api/v2/scheduled-maintenances/upcoming.json",
    "/api/v2/scheduled-maintenances/active.json",
    "/api/v2/scheduled-maintenances.json",
]


def wsgi_get(path, **headers):
    """Call the production WSGI entry point (the fast path in front of Django) directly."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        **{"HTTP_" + k.upper(): v for k, v in headers.items()},
    }
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, headers

    # Pretend the poller thread runs: the tests refresh the store themselves.
    store.background_pid = os.getpid()
    try:
        body = b"".join(application(environ, start_response))
    finally:
        store.background_pid = None
    return seen["status"], dict(seen["headers"]), body


@pytest.fixture
def incident(default_page, component):
    return services.declare_incident(
        default_page,
        by=None,
        name="Help Desk Ticket Submission Disrupted",
        impact="major",
        components=[component],
        message="We are investigating.",
    )


def test_public_documents_carry_etag_and_cache_control(client, incident):
    for path in PUBLIC_PATHS:
        response = client.get(path)
        assert (path, response.status_code) == (path, 200)
        assert response["Cache-Control"] == CACHE_CONTROL
        assert response["ETag"].startswith('"') and len(response["ETag"]) == 34


def test_public_documents_answer_304_to_matching_if_none_match(client, incident):
    etag = client.get("/")["ETag"]
    assert client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/", HTTP_IF_NONE_MATCH=f'"x", W/{etag}').status_code == 304
    assert client.get("/", HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_public_documents_set_no_cookie_even_for_a_signed_in_operator(client, alice, incident):
    client.force_login(alice)
    for path in [*PUBLIC_PATHS, f"/incidents/{incident.pk}", "/incidents/unknown"]:
        response = client.get(path)
        assert (path, response.cookies) == (path, {})
        assert "Cookie" not in response.get("Vary", "")


def test_public_json_allows_any_origin(client, incident):
    assert client.get("/api/v2/summary.json")["Access-Control-Allow-Origin"] == "*"
    assert client.get("/api/v2/summary")["Access-Control-Allow-Origin"] == "*"


def test_public_change_is_served_after_the_next_poll(client, default_page, component):
    before = client.get("/api/v2/summary.json").json()
    services.update_component(component, by=None, status="major_outage")
    after = client.get("/api/v2/summary.json").json()
    assert (before["status"]["indicator"], after["status"]["indicator"]) == ("none", "critical")


def test_unknown_or_deleted_incident_is_a_404_page(client, incident):
    assert client.get(f"/incidents/{incident.pk}").status_code == 200
    services.delete_incident(incident, by=None)
    response = client.get(f"/incidents/{incident.pk}")
    assert (response.status_code, b"Not found" in response.content) == (404, True)
    assert client.get("/incidents/nope/postmortem").status_code == 404


def test_store_documents_writes_only_changed_documents(default_page, incident):
    render_page(default_page.pk)
    state = RenderState.objects.get(page=default_page)
    versions = dict(RenderedDocument.objects.values_list("path", "version"))
    services.edit_incident(incident, by=None, name="Ticket submission disrupted")
    render_page(default_page.pk)
    changed = {
        path
        for path, version in RenderedDocument.objects.values_list("path", "version")
        if version != versions[path]
    }
    after = RenderState.objects.get(page=default_page)
    assert (after.version, after.generation) == (state.version + 1, state.generation + 1)
    assert "/404" not in changed
    assert {"/", "/api/v2/incidents.json", "/history.atom"} <= changed


def test_only_the_front_documents_are_stored(default_page, incident):
    render_page(default_page.pk)
    paths = set(RenderedDocument.objects.values_list("path", flat=True))
    assert not any(p.startswith(("/incidents/", "/history/")) or p == "/history" for p in paths)
    assert {"/", "/404", "/history.atom", "/api/v2/summary.json"} <= paths


def test_store_documents_never_replaces_a_newer_render(default_page):
    render_page(default_page.pk)
    version = RenderState.objects.get(page=default_page).version
    old = Document("/", b"old", "text/html")
    assert store_documents(default_page.pk, version=version - 1, documents=[old]) is None
    assert bytes(RenderedDocument.objects.get(page=default_page, path="/").body) != b"old"


def test_store_documents_refreshes_the_same_version_only_once_claimed(default_page):
    render_page(default_page.pk)
    version = RenderState.objects.get(page=default_page).version
    generation = RenderState.objects.get(page=default_page).generation
    doc = Document("/", b"new", "text/html")
    assert store_documents(default_page.pk, version=version, documents=[doc]) is None
    now = timezone.now()
    assert claim_refresh(default_page.pk, at=now) is False  # not due before midnight
    RenderState.objects.filter(page=default_page).update(refresh_at=now - timedelta(seconds=1))
    claims = [claim_refresh(default_page.pk, at=now) for _ in range(2)]
    stored = store_documents(default_page.pk, version=version, documents=[doc], same_version=True)
    assert (claims, stored) == ([True, False], generation + 1)
    assert list(RenderedDocument.objects.values_list("path", flat=True)) == ["/"]


def test_wsgi_fast_path_serves_the_same_bytes_and_headers_as_django(client, incident):
    store.refresh()
    for path in ["/", "/api/v2/summary.json", "/history.atom"]:
        django = client.get(path)
        status, headers, body = wsgi_get(path)
        assert (status, body) == ("200 OK", django.content)
        for name in ("ETag", "Cache-Control", "Content-Type", "Content-Security-Policy"):
            assert headers[name] == django[name]
        assert "Set-Cookie" not in headers


def test_wsgi_fast_path_answers_304(incident):
    store.refresh()
    _, headers, _ = wsgi_get("/")
    status, _, body = wsgi_get("/", if_none_match=headers["ETag"])
    assert (status, body) == ("304 Not Modified", b"")


def test_snapshot_round_trips_every_document(tmp_path, incident):
    store.refresh()
    write_snapshot(store.site, tmp_path / "site.snapshot")
    copy = read_snapshot(tmp_path / "site.snapshot")
    assert (copy.page_id, copy.version) == (store.site.page_id, store.site.version)
    assert {p: d.body for p, d in copy.docs.items()} == {
        p: d.body for p, d in store.site.docs.items()
    }


def test_gzip_is_served_to_clients_that_accept_it(client, incident):
    plain = client.get("/")
    packed = client.get("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert (packed["Content-Encoding"], gzip.decompress(packed.content)) == ("gzip", plain.content)
    assert packed["ETag"] != plain["ETag"]
    assert (plain["Vary"], packed["Vary"]) == ("Accept-Encoding", "Accept-Encoding")
    assert "Content-Encoding" not in client.get("/", HTTP_ACCEPT_ENCODING="gzip;q=0")
    etag = packed["ETag"]
    assert client.get("/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_wsgi_fast_path_serves_gzip_like_django(client, incident):
    store.refresh()
    django = client.get("/api/v2/summary.json", HTTP_ACCEPT_ENCODING="gzip")
    status, headers, body = wsgi_get("/api/v2/summary.json", accept_encoding="gzip")
    assert (status, body, headers["ETag"]) == ("200 OK", django.content, django["ETag"])
    assert headers["Content-Encoding"] == "gzip"
