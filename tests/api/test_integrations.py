"""Integrations through the management API: Administrators' keys read, create and revoke them.
The keys are alice's (an Administrator) and bob's (a Responder), tests/support/personas.py; the
audit log names the key that acted."""

from __future__ import annotations

import json

import pytest

from candor.core import services
from candor.core.models import AuditEntry, Component, Integration
from candor.core.services import integrations
from tests.alerts.conftest import process
from tests.alerts.helpers import am_alert, am_payload
from tests.api.conftest import Api
from tests.support.personas import make_key

FIRING = am_payload(
    am_alert({"alertname": "Down", "component": "Help Desk", "severity": "critical"})
)


@pytest.fixture
def bobs_key(page, alice, bob):
    """Bob's key, as a Responder's key always is: made while he was an Administrator."""
    promoted = services.update_user(bob, by=alice, role="administrator")
    key = make_key(by=promoted, page=page, name="bob's automation")
    services.update_user(bob, by=alice, role="responder")
    return key


@pytest.mark.django_db
def test_administrator_key_creates_an_integration_and_gets_its_url_once(
    json_api, page, make_component, key_of_page
):
    make_component("Help Desk")
    response = json_api.post(
        f"pages/{page.pk}/integrations",
        {
            "integration": {
                "name": "Prod Alertmanager",
                "kind": "alertmanager",
                "mode": "propose",
                "rules": 'team="helpdesk" -> Help Desk',
                "severity_map": {"page": "major_outage"},
                "hold_down_seconds": 30,
            }
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    token = data["url"].rsplit("/", 1)[1]
    integration = Integration.objects.get()
    assert integration.token_hash == integrations.hash_token(token)
    assert (data["mode"], data["hold_down_seconds"], data["severity_map"]) == (
        "propose",
        30,
        {"page": "major_outage"},
    )
    assert data["rules"] == 'team="helpdesk" -> Help Desk'
    listed = json_api.get(f"pages/{page.pk}/integrations").json()
    assert [i["id"] for i in listed] == [integration.pk]
    assert "url" not in listed[0]
    assert token not in json.dumps(listed)
    one = json_api.get(f"pages/{page.pk}/integrations/{integration.pk}").json()
    assert one["name"] == "Prod Alertmanager"
    [entry] = AuditEntry.objects.filter(action="integration.create")
    assert (entry.actor, entry.api_key, entry.object_id) == (
        "API key automation",
        key_of_page.key,
        integration.pk,
    )


@pytest.mark.django_db
def test_bad_integration_fields_are_422_and_write_nothing(json_api, page):
    response = json_api.post(
        f"pages/{page.pk}/integrations",
        {"integration": {"name": "X", "kind": "nagios"}},
    )
    assert response.status_code == 422
    assert "kind" in response.json()["errors"]
    bad_rule = json_api.post(
        f"pages/{page.pk}/integrations",
        {"integration": {"name": "X", "kind": "grafana", "rules": "team=blue -> Nowhere"}},
    )
    assert bad_rule.status_code == 422
    assert "no component is named 'Nowhere'" in bad_rule.json()["errors"]["rules"][0]
    assert Integration.objects.count() == 0


@pytest.mark.django_db
def test_responder_keys_cannot_read_or_create_integrations(page, bobs_key):
    api = Api(bobs_key)
    assert api.get(f"pages/{page.pk}/integrations").status_code == 403
    created = api.post(
        f"pages/{page.pk}/integrations", {"integration": {"name": "X", "kind": "generic"}}
    )
    assert created.status_code == 403
    assert Integration.objects.count() == 0
    assert not AuditEntry.objects.filter(action="integration.create").exists()


@pytest.mark.django_db
def test_component_json_carries_a_null_automation_email(json_api, page, make_component):
    component = make_component("Help Desk")
    assert (
        json_api.get(f"pages/{page.pk}/components/{component.pk}").json()["automation_email"]
        is None
    )
    assert all(
        c["automation_email"] is None for c in json_api.get(f"pages/{page.pk}/components").json()
    )


@pytest.fixture
def held(page, alice, client, make_component):
    """Alice's integration, whose firing alert holds Help Desk at a major outage."""
    helpdesk = make_component("Help Desk")
    integration, token = integrations.create_integration(
        page, by=alice, kind="alertmanager", name="Prometheus"
    )
    accepted = client.post(f"/hooks/alerts/{token}", FIRING, content_type="application/json")
    assert accepted.status_code == 202
    process()
    helpdesk.refresh_from_db()
    assert helpdesk.status == "major_outage"
    return integration, token, helpdesk


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["", ".json"])
def test_an_administrators_key_revokes_an_integration(
    page, key_of_page, client, held, suffix, client_as_alice
):
    integration, token, helpdesk = held
    api = Api(key_of_page, suffix=suffix)

    response = api.delete(f"pages/{page.pk}/integrations/{integration.pk}")
    again = api.delete(f"pages/{page.pk}/integrations/{integration.pk}")

    assert response.status_code == 200, response.content
    data = response.json()
    integration.refresh_from_db()
    assert (data["id"], data["revoked_at"]) == (integration.pk, integration.revoked_at.isoformat())
    assert again.status_code == 200 and again.json()["revoked_at"] == data["revoked_at"]
    # Its URL stops working, and the alert it held lets go of Help Desk.
    hook = client.post(f"/hooks/alerts/{token}", FIRING, content_type="application/json")
    assert hook.status_code == 404
    assert Component.objects.get(pk=helpdesk.pk).status == "operational"
    [entry] = AuditEntry.objects.filter(action="integration.revoke")
    assert (entry.actor, entry.object_id) == ("API key automation", integration.pk)
    assert (entry.api_key, entry.api_key.created_by.username) == (key_of_page.key, "alice")
    # The management UI shows it revoked too.
    listed = client_as_alice.get("/manage/integrations/").content.decode()
    assert "Revoked" in listed


@pytest.mark.django_db
def test_a_responders_key_cannot_revoke_an_integration(page, bobs_key, client, held, client_as_bob):
    integration, token, helpdesk = held
    # Only Administrators make keys: Bob made this one, and it acts with his role now.
    api = Api(bobs_key)

    response = api.delete(f"pages/{page.pk}/integrations/{integration.pk}")

    assert response.status_code == 403
    integration.refresh_from_db()
    assert integration.revoked_at is None
    assert not AuditEntry.objects.filter(action="integration.revoke").exists()
    assert Component.objects.get(pk=helpdesk.pk).status == "major_outage"
    hook = client.post(f"/hooks/alerts/{token}", FIRING, content_type="application/json")
    assert hook.status_code == 202
    # Nor can Bob in the UI.
    assert client_as_bob.post(f"/manage/integrations/{integration.pk}/revoke/").status_code == 403


@pytest.mark.django_db
def test_revoking_an_unknown_or_another_pages_integration_is_404(page, other_page, alice, json_api):
    theirs, _ = integrations.create_integration(other_page, by=alice, kind="generic", name="Theirs")

    unknown = json_api.delete(f"pages/{page.pk}/integrations/nope")
    other = json_api.delete(f"pages/{page.pk}/integrations/{theirs.pk}")

    assert (unknown.status_code, other.status_code) == (404, 404)
    assert other.json()["error"] == "Integration not found."
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
