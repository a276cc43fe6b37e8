"""The Integrations tab, proposals in the Incidents tab, and what holds a component. Alice, an
Administrator, manages integrations; bob, a Responder, handles proposals
(tests/support/personas.py), and the audit log names who did what."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from candor.core.models import (
    AuditEntry,
    Delivery,
    Incident,
    Integration,
    IntegrationMode,
    ProposedIncident,
)
from candor.core.services import integrations
from tests.alerts.conftest import process
from tests.alerts.helpers import am_alert, am_payload
from tests.conftest import assert_accessible, screenshot


def actors(action: str) -> list[tuple[str, str]]:
    """Who the audit log says did `action`: (actor text, username)."""
    entries = AuditEntry.objects.filter(action=action).select_related("user")
    return [(entry.actor, entry.user.username) for entry in entries]


def create(client: Client, **fields) -> str:
    data = {
        "name": "Production Alertmanager",
        "kind": "alertmanager",
        "mode": "status",
        "hold_down_seconds": 0,
        "clear_delay_seconds": 0,
        "flap_limit": 10,
        **fields,
    }
    response = client.post("/manage/integrations/new/", data)
    assert response.status_code == 200, response.content[:500]
    assert response["Cache-Control"] == "no-store"
    found = re.search(r'value="(http://[^"]+/hooks/alerts/(cah_[^"]+))"', response.content.decode())
    assert found, response.content.decode()[:2000]
    return found.group(2)


@pytest.mark.django_db
def test_administrator_creates_an_integration_and_sees_its_url_once(client_as_alice, page):
    token = create(client_as_alice)
    integration = Integration.objects.get()
    assert integration.token_hash == integrations.hash_token(token)
    assert token not in str(Integration.objects.values().get())
    listing = client_as_alice.get("/manage/integrations/").content.decode()
    assert "Production Alertmanager" in listing
    assert token not in listing
    assert integration.token_prefix in listing
    assert actors("integration.create") == [("Alice Adams", "alice")]


@pytest.mark.django_db
def test_bad_rule_names_the_field_and_writes_nothing(client_as_alice, page):
    response = client_as_alice.post(
        "/manage/integrations/new/",
        {
            "name": "Broken",
            "kind": "alertmanager",
            "mode": "status",
            "rules": 'service=~"(" -> Help Desk',
            "hold_down_seconds": 0,
            "clear_delay_seconds": 0,
            "flap_limit": 10,
        },
    )
    assert response.status_code == 200
    assert "Line 1: The regular expression" in response.content.decode()
    assert Integration.objects.count() == 0


@pytest.mark.django_db
def test_responders_cannot_see_integrations(client_as_bob, page):
    assert client_as_bob.get("/manage/integrations/").status_code == 403


@pytest.mark.django_db
def test_detail_shows_the_last_payloads_and_what_they_did(client_as_alice, client, make_component):
    helpdesk = make_component("Help Desk")
    token = create(client_as_alice)
    body = am_payload(
        am_alert({"alertname": "Down", "component": "Help Desk", "severity": "critical"})
    )
    client.post(f"/hooks/alerts/{token}", body, content_type="application/json")
    integration = Integration.objects.get()
    waiting = client_as_alice.get(f"/manage/integrations/{integration.pk}/").content.decode()
    assert "Waiting for the worker" in waiting
    process()
    detail = client_as_alice.get(f"/manage/integrations/{integration.pk}/").content.decode()
    assert "&#x27;Down&#x27;: firing. Holds Help Desk at Major Outage." in detail
    components = client_as_alice.get("/manage/components/").content.decode()
    assert "Alert “Down”" in components
    assert helpdesk.name in components

    response = client_as_alice.post(f"/manage/integrations/{integration.pk}/revoke/")
    assert response.status_code == 302
    helpdesk.refresh_from_db()
    assert helpdesk.status == "operational"
    assert (
        client.post(f"/hooks/alerts/{token}", body, content_type="application/json").status_code
        == 404
    )
    assert actors("integration.revoke") == [("Alice Adams", "alice")]


@pytest.mark.django_db
def test_approving_a_proposal_opens_a_prefilled_incident_the_person_edits(
    alice, page, client_as_bob, client, make_component, subscribe
):
    helpdesk = make_component("Help Desk")
    subscribe("client@example.com")
    integration, token = integrations.create_integration(
        page, by=alice, kind="alertmanager", name="Prom", mode=IntegrationMode.PROPOSE
    )
    alert = am_alert(
        {"alertname": "Down", "component": "Help Desk", "severity": "critical"},
        summary="Ticket submission fails",
    )
    client.post(f"/hooks/alerts/{token}", am_payload(alert), content_type="application/json")
    process()
    proposal = ProposedIncident.objects.get()
    listing = client_as_bob.get("/manage/").content.decode()
    assert "Proposed by monitoring" in listing
    assert "Ticket submission fails" in listing
    assert Delivery.objects.count() == 0

    form = client_as_bob.get(f"/manage/incidents/new/?proposal={proposal.pk}").content.decode()
    assert 'value="Ticket submission fails"' in form
    assert f'name="proposal" value="{proposal.pk}"' in form
    key = re.search(r'name="key" value="([^"]+)"', form).group(1)
    response = client_as_bob.post(
        "/manage/incidents/new/",
        {
            "name": "Help Desk ticket submission disrupted",  # edited before it goes out
            "status": "investigating",
            "impact": "critical",
            "components": [helpdesk.pk],
            "message": "We are investigating.",
            "notify": "on",
            "key": key,
            "proposal": proposal.pk,
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.name == "Help Desk ticket submission disrupted"
    proposal.refresh_from_db()
    assert (proposal.state, proposal.incident) == ("approved", incident)
    assert Delivery.objects.filter(update__incident=incident).count() == 1
    assert "Proposed by monitoring" not in client_as_bob.get("/manage/").content.decode()
    assert actors("proposal.approve") == [("Bob Baker", "bob")]
    assert actors("incident.create") == [("Bob Baker", "bob")]


@pytest.mark.django_db
def test_dismissing_a_proposal_drops_it(alice, page, client_as_bob, client, make_component):
    make_component("Help Desk")
    _, token = integrations.create_integration(
        page, by=alice, kind="alertmanager", name="Prom", mode=IntegrationMode.PROPOSE
    )
    body = am_payload(am_alert({"alertname": "Down", "component": "Help Desk"}))
    client.post(f"/hooks/alerts/{token}", body, content_type="application/json")
    process()
    proposal = ProposedIncident.objects.get()
    response = client_as_bob.post(f"/manage/proposals/{proposal.pk}/dismiss/")
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == "dismissed"
    assert AuditEntry.objects.filter(action="proposal.dismiss").count() == 1
    assert actors("proposal.dismiss") == [("Bob Baker", "bob")]
    assert Incident.objects.count() == 0


@pytest.mark.parametrize("count", [1, 3])
def test_integration_list_query_count(client_as_alice, alice, page, count):
    for i in range(count):
        integrations.create_integration(page, by=alice, kind="generic", name=f"Source {i}")
    with CaptureQueriesContext(connection) as queries:
        response = client_as_alice.get("/manage/integrations/")
    assert response.status_code == 200
    assert len(queries) == QUERIES_INTEGRATION_LIST


# Session, user, page (navigation), the managed page, the integrations; and the managed page's
# time zone (candor/manage/zone.py).
QUERIES_INTEGRATION_LIST = 6


@pytest.mark.parametrize("count", [1, 3])
def test_integration_detail_query_count(client_as_alice, alice, page, client, count):
    integration, token = integrations.create_integration(
        page, by=alice, kind="generic", name="Source"
    )
    for i in range(count):
        body = json.dumps({"id": f"a{i}", "component": "Nowhere", "status": "major_outage"})
        client.post(f"/hooks/alerts/{token}", body, content_type="application/json")
    process()
    with CaptureQueriesContext(connection) as queries:
        response = client_as_alice.get(f"/manage/integrations/{integration.pk}/")
    assert response.status_code == 200
    assert len(queries) == QUERIES_INTEGRATION_DETAIL


# Session, user, page (navigation), the integration, its rules' component names, its payloads,
# its firing alerts.
QUERIES_INTEGRATION_DETAIL = 8  # with the time zone's query (candor/manage/zone.py)


@pytest.mark.django_db
def test_hook_over_the_hourly_limit_is_429_and_stores_nothing(hook, monkeypatch):
    from candor.core.models import AlertPayload
    from candor.hooks import views

    monkeypatch.setattr(views, "PER_HOUR", 1)
    post = hook("generic")
    body = json.dumps({"id": "a", "component": "X", "status": "major_outage"})
    assert post(body).status_code == 202
    refused = post(body)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert AlertPayload.objects.count() == 1


@pytest.mark.browser
def test_integrations_tab_in_a_browser(live_server, browser_page, alice, page, make_component):
    make_component("Help Desk")
    tab = browser_page
    tab.goto(f"{live_server.url}/manage/login/")
    tab.fill("#id_username", "alice")
    tab.fill("#id_password", "correct horse battery")
    tab.click("button[type=submit]")
    tab.goto(f"{live_server.url}/manage/integrations/")
    assert_accessible(tab, "Integrations (empty)")
    tab.click("text=Create integration")
    tab.fill("#id_name", "Production Alertmanager")
    tab.fill("#id_rules", 'service=~"help.*" -> Help Desk')
    assert_accessible(tab, "Create integration")
    tab.click("button:has-text('Create integration')")
    url = tab.input_value("#hook-url")
    assert "/hooks/alerts/cah_" in url
    assert_accessible(tab, "Integration created")
    screenshot(tab, "manage-integration-created")
    tab.click("text=Done")
    assert_accessible(tab, "Integration detail")
    assert tab.locator("h1").inner_text() == "Production Alertmanager"
    tab.click("text=Edit")
    assert_accessible(tab, "Edit integration")
    tab.fill("#id_hold_down_seconds", "30")
    tab.click("button:has-text('Save')")
    assert "hold-down 30 s" in tab.locator("dl.facts").inner_text()
    tab.goto(f"{live_server.url}/manage/integrations/")
    assert tab.locator("td[data-label=Name]").all_inner_texts() == ["Production Alertmanager"]


@pytest.mark.django_db
def test_administrator_edits_rules_and_mode_and_a_bad_rule_changes_nothing(
    client_as_alice, alice, page, make_component
):
    make_component("Help Desk")
    integration, _ = integrations.create_integration(page, by=alice, kind="alertmanager", name="P")
    form = client_as_alice.get(f"/manage/integrations/{integration.pk}/edit/").content.decode()
    assert 'name="kind"' not in form
    fields = {
        "name": "Prometheus",
        "mode": "propose",
        "rules": 'service=~"help.*" -> Help Desk: degraded_performance',
        "severity_map": "page=major_outage",
        "hold_down_seconds": 30,
        "clear_delay_seconds": 60,
        "flap_limit": 5,
    }
    bad = client_as_alice.post(
        f"/manage/integrations/{integration.pk}/edit/", {**fields, "rules": "service -> X"}
    )
    assert "Line 1:" in bad.content.decode()
    integration.refresh_from_db()
    assert (integration.name, integration.rules) == ("P", [])
    response = client_as_alice.post(f"/manage/integrations/{integration.pk}/edit/", fields)
    assert response.status_code == 302
    integration.refresh_from_db()
    assert (integration.name, integration.mode, integration.hold_down_seconds) == (
        "Prometheus",
        "propose",
        30,
    )
    assert integration.severity_map == {"page": "major_outage"}
    assert integrations.format_rules(integration) == fields["rules"]
    assert AuditEntry.objects.filter(action="integration.update").count() == 1
    assert actors("integration.update") == [("Alice Adams", "alice")]
