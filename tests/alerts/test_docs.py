"""docs/integrations.md as written: Alertmanager started with its YAML block (the URL replaced)
delivers to Candor; the Grafana provisioning block names a URL Candor accepts, signed as the
doc says."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from pathlib import Path

import pytest
import yaml

from candor.core.models import AlertPayload
from tests.alerts.alertmanager import Alertmanager
from tests.alerts.conftest import process, status_of
from tests.support.processes import wait_until

DOC = Path(__file__).parents[2] / "docs" / "integrations.md"
PLACEHOLDER = "https://status.example.com/hooks/alerts/cah_REPLACE_ME"


def block(name: str) -> str:
    text = DOC.read_text()
    found = re.search(rf"<!-- {name}:start -->\n```yaml\n(.*?)```\n<!-- {name}:end -->", text, re.S)
    assert found, f"docs/integrations.md has no {name} block"
    return found.group(1)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_alertmanager_configuration_from_the_doc_delivers_to_candor(
    live_server, hook, make_component, tmp_path
):
    helpdesk = make_component("Help Desk")
    post = hook()
    url = f"{live_server.url}/hooks/alerts/{post.token}"
    text = block("alertmanager")
    assert PLACEHOLDER in text
    manager = Alertmanager(tmp_path, text.replace(PLACEHOLDER, url))
    try:
        labels = {"alertname": "HelpDeskDown", "component": "Help Desk", "severity": "critical"}
        manager.post(labels, summary="Help desk ticket submission is failing")
        wait_until(lambda: AlertPayload.objects.exists(), timeout=60)
        process()
        assert status_of(helpdesk) == "major_outage"
        manager.post(labels, resolve=True)

        def released() -> bool:
            process()
            return status_of(helpdesk) == "operational"

        wait_until(released, timeout=60)
    finally:
        manager.stop()


@pytest.mark.django_db
def test_grafana_provisioning_from_the_doc_names_a_url_candor_accepts(hook, make_component):
    config = yaml.safe_load(block("grafana"))
    settings = config["contactPoints"][0]["receivers"][0]
    assert settings["type"] == "webhook"
    assert settings["settings"]["httpMethod"] == "POST"
    assert settings["settings"]["url"] == PLACEHOLDER
    post = hook("grafana", hmac_secret="the shared secret")
    body = (Path(__file__).parent / "examples" / "grafana.json").read_bytes()
    stamp = str(int(time.time()))
    signature = hmac.new(b"the shared secret", f"{stamp}:".encode() + body, hashlib.sha256)
    response = post(
        body,
        HTTP_X_GRAFANA_ALERTING_SIGNATURE=signature.hexdigest(),
        HTTP_X_GRAFANA_ALERTING_SIGNATURE_TIMESTAMP=stamp,
    )
    assert response.status_code == 202
