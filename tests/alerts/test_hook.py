"""The receiving endpoint: 202 after storing; every refusal stores nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest

from candor.core.models import Alert, AlertPayload, SubscriptionThrottle
from candor.core.services import integrations
from tests.alerts.conftest import process, status_of
from tests.alerts.helpers import am_alert, am_payload

GRAFANA = (Path(__file__).parent / "examples" / "grafana.json").read_bytes()
FIRING = am_payload(am_alert({"alertname": "Down", "component": "Help Desk"}))


def nothing_stored() -> bool:
    return (
        AlertPayload.objects.count() == 0
        and Alert.objects.count() == 0
        and SubscriptionThrottle.objects.count() == 0
    )


@pytest.mark.django_db
def test_unknown_token_is_404_and_stores_nothing(client, page):
    response = client.post("/hooks/alerts/cah_nope", FIRING, content_type="application/json")
    assert response.status_code == 404
    assert "No integration has this URL" in response.json()["error"]
    assert nothing_stored()


@pytest.mark.django_db
def test_revoked_integration_is_404(hook, alice):
    post = hook()
    integrations.revoke_integration(post.integration, by=alice)
    assert post(FIRING).status_code == 404
    assert nothing_stored()


@pytest.mark.django_db
def test_body_over_one_megabyte_is_413_and_stores_nothing(hook):
    post = hook()
    big = am_payload(am_alert({"alertname": "x" * (integrations.MAX_BODY + 10)}))
    response = post(big)
    assert response.status_code == 413
    assert nothing_stored()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "The body is not JSON"),
        (b"[]", "The body must be a JSON object."),
        (b'{"status": "firing"}', "`alerts` is missing or not a list."),
        (
            json.dumps({"alerts": [{"status": "burning", "startsAt": "2026-01-01T00:00:00Z"}]}),
            "alerts[0].status must be 'firing' or 'resolved'.",
        ),
        (
            json.dumps({"alerts": [{"status": "firing", "startsAt": "yesterday"}]}),
            "alerts[0].startsAt must be an RFC 3339 time",
        ),
        (b"\xff\xfe", "The body is not UTF-8"),
    ],
)
@pytest.mark.django_db
def test_malformed_payload_is_400_with_the_reason(hook, body, reason):
    response = hook()(body)
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert nothing_stored()


@pytest.mark.django_db
def test_generic_payload_refusal_names_the_field(hook):
    response = hook("generic")(json.dumps({"component": "Help Desk", "status": "on fire"}))
    assert response.status_code == 400
    assert "`status` must be one of" in response.json()["error"]
    assert nothing_stored()


@pytest.mark.django_db
def test_bearer_token_is_required_when_set(hook, make_component):
    make_component("Help Desk")
    post = hook(bearer_token="s3cret-bearer")
    assert post(FIRING).status_code == 401
    assert post(FIRING, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert nothing_stored()
    assert post(FIRING, HTTP_AUTHORIZATION="Bearer s3cret-bearer").status_code == 202
    assert AlertPayload.objects.count() == 1


def sign(secret: str, body: bytes, stamp: str = "") -> str:
    signed = f"{stamp}:".encode() + body if stamp else body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


@pytest.mark.django_db
def test_grafana_hmac_signature_is_checked(hook, make_component):
    post = hook("grafana", hmac_secret="grafana-secret")
    assert post(GRAFANA).status_code == 401
    bad = post(GRAFANA, HTTP_X_GRAFANA_ALERTING_SIGNATURE=sign("other", GRAFANA))
    assert bad.status_code == 401
    assert "does not match" in bad.json()["error"]
    stale = str(int(time.time()) - 3600)
    old = post(
        GRAFANA,
        HTTP_X_GRAFANA_ALERTING_SIGNATURE=sign("grafana-secret", GRAFANA, stale),
        HTTP_X_GRAFANA_ALERTING_SIGNATURE_TIMESTAMP=stale,
    )
    assert old.status_code == 401
    assert nothing_stored()

    ok = post(GRAFANA, HTTP_X_GRAFANA_ALERTING_SIGNATURE=sign("grafana-secret", GRAFANA))
    assert ok.status_code == 202
    stamp = str(int(time.time()))
    with_time = post(
        GRAFANA,
        HTTP_X_GRAFANA_ALERTING_SIGNATURE=sign("grafana-secret", GRAFANA, stamp),
        HTTP_X_GRAFANA_ALERTING_SIGNATURE_TIMESTAMP=stamp,
    )
    assert with_time.status_code == 202
    assert AlertPayload.objects.count() == 2


@pytest.mark.django_db
def test_grafana_documented_example_holds_the_mapped_components(hook, make_component):
    website = make_component("Website")
    api = make_component("API")
    rules = 'zone="us-1" -> Website\nzone=~"eu-.*" -> API: degraded_performance'
    post = hook("grafana", rules=rules)
    assert post(GRAFANA).status_code == 202
    process()
    assert status_of(website) == "partial_outage"  # no severity label: partial outage
    assert status_of(api) == "degraded_performance"
    assert AlertPayload.objects.get().outcome == [
        "'This alert was triggered for zone us-1': firing. Holds Website at Partial Outage.",
        "'This alert was triggered for zone eu-1': firing. Holds API at Degraded Performance.",
    ]


@pytest.mark.django_db
def test_generic_payload_fires_until_resolved(hook, make_component):
    helpdesk = make_component("Help Desk")
    post = hook("generic")
    body = {
        "component": "Help Desk",
        "status": "major_outage",
        "summary": "Tickets fail",
        "id": "t1",
    }
    assert post(json.dumps(body)).status_code == 202
    process()
    assert status_of(helpdesk) == "major_outage"
    post(json.dumps({**body, "status": "degraded_performance"}))
    process()
    assert status_of(helpdesk) == "degraded_performance"
    assert Alert.objects.count() == 1
    post(json.dumps({"id": "t1", "status": "resolved"}))
    process()
    assert status_of(helpdesk) == "operational"


@pytest.mark.django_db
def test_alert_for_an_unknown_component_says_why_it_did_nothing(hook, make_component):
    make_component("Help Desk")
    hook()(am_payload(am_alert({"alertname": "Down", "component": "Billing"})))
    process()
    assert AlertPayload.objects.get().outcome == [
        "'Down': firing. Not acted on: no matching component ('Billing')."
    ]


@pytest.mark.django_db
def test_hook_accepts_no_get(client, hook):
    post = hook()
    assert client.get(f"/hooks/alerts/{post.token}").status_code == 405
