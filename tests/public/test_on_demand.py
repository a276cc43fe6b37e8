"""Incident and history pages are rendered on request and kept per render generation; a render
failure of one document leaves the others current and is reported."""

import logging

import pytest

from candor.core import services
from candor.core.models import Incident
from candor.public import health
from candor.public.models import RenderedDocument, RenderState
from candor.public.render import feeds, render_page
from candor.public.store import store


@pytest.fixture
def incidents(default_page, component):
    return [
        services.declare_incident(
            default_page, by=None, name=f"Incident {n}", impact="minor", components=[component]
        )
        for n in range(5)
    ]


def test_an_incident_page_is_rendered_on_request_and_kept(client, incidents):
    first = client.get(f"/incidents/{incidents[0].pk}")
    assert (first.status_code, b"Incident 0" in first.content) == (200, True)
    assert f"/incidents/{incidents[0].pk}" in store.site.pages
    assert not RenderedDocument.objects.filter(path__startswith="/incidents/").exists()


def test_a_change_is_shown_on_a_page_rendered_before_it(client, incidents):
    assert b"Incident 0" in client.get(f"/incidents/{incidents[0].pk}").content
    services.edit_incident(incidents[0], by=None, name="Renamed incident")
    assert b"Renamed incident" in client.get(f"/incidents/{incidents[0].pk}").content


def test_a_page_settings_change_reaches_every_incident_page(client, default_page, incidents):
    for incident in incidents:
        client.get(f"/incidents/{incident.pk}")
    services.update_page(default_page, by=None, name="Globex status")
    for incident in incidents:
        assert b"Globex status" in client.get(f"/incidents/{incident.pk}").content


def test_each_process_keeps_a_bounded_number_of_pages(client, settings, incidents):
    settings.CANDOR_PUBLIC_CACHED_PAGES = 3
    for incident in incidents:
        assert client.get(f"/incidents/{incident.pk}").status_code == 200
    assert len(store.site.pages) == 3
    assert list(store.site.pages) == [f"/incidents/{i.pk}" for i in incidents[2:]]


def test_history_pages_are_rendered_on_request(client, incidents):
    response = client.get("/history")
    assert (response.status_code, b"Incident 4" in response.content) == (200, True)
    assert client.get("/history/999").status_code == 404


def test_a_failing_document_leaves_the_others_current(
    client, default_page, incidents, monkeypatch, caplog
):
    render_page(default_page.pk)
    atom = bytes(RenderedDocument.objects.get(path="/history.atom").body)

    def broken(front):
        raise ValueError("Control characters are not supported in XML 1.0")

    monkeypatch.setattr(feeds, "build", broken)
    services.edit_incident(incidents[0], by=None, name="Renamed while broken")
    with caplog.at_level(logging.ERROR, logger="candor.public.render"):
        render_page(default_page.pk)
        render_page(default_page.pk)  # the same version again: not logged twice

    assert b"Renamed while broken" in client.get("/").content
    assert b"Renamed while broken" in client.get("/api/v2/incidents.json").content
    assert bytes(RenderedDocument.objects.get(path="/history.atom").body) == atom
    assert sorted(f.path for f in health.render_failures()) == ["/history.atom", "/history.rss"]
    assert [r.message for r in caplog.records].count(
        f"Rendering /history.atom, /history.rss of page {default_page.pk} failed"
    ) == 1

    monkeypatch.undo()
    services.edit_incident(incidents[0], by=None, name="Renamed once fixed")
    render_page(default_page.pk)
    assert health.render_failures() == []
    assert RenderState.objects.get(page=default_page).failures == {}
    assert b"Renamed once fixed" in client.get("/history.atom").content


def test_a_control_character_stored_before_the_fix_freezes_nothing(
    client, settings, default_page, incidents
):
    """Text refused by the services today may be in the database from before: the feeds fail
    to render, everything else stays current, and /healthz says which documents fail."""
    settings.CANDOR_HEALTH_WORKER_SECONDS = 0
    render_page(default_page.pk)
    Incident.objects.filter(pk=incidents[0].pk).update(name="ff\x0cname")
    services.declare_incident(default_page, by=None, name="Email delayed", notify=False)
    render_page(default_page.pk)

    assert b"Email delayed" in client.get("/").content
    assert b"Email delayed" in client.get("/api/v2/summary.json").content
    assert b"Email delayed" not in client.get("/history.atom").content  # its last good bytes
    health = client.get("/healthz")
    assert health.status_code == 503
    assert "/history.atom" in health.content.decode()
