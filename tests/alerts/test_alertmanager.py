"""End to end with Debian's prometheus-alertmanager: alerts posted to its API v2 reach a real
Candor server (`candor serve`) through its webhook receiver, and a `candor worker` acts on them.
On the suite's database vendor (SQLite or PostgreSQL), in a database of its own."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from tests.alerts.alertmanager import Alertmanager, config
from tests.support.mail import SmtpServer
from tests.support.processes import wait_until
from tests.support.servers import BIN, Api, Server, candor_env, fetch, prepare, scratch_database

pytestmark = pytest.mark.slow


def cli(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [str(BIN / "candor"), *args], env=env, check=True, capture_output=True, text=True
    )
    return out.stdout


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "candor.cli", "worker", "--threads", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


class Stack:
    """Candor (web + worker + SMTP) and Alertmanager, shared by this module's scenarios: each
    uses components of its own."""

    def __init__(self, tmp) -> None:
        self._db = scratch_database(tmp)
        url = self._db.__enter__()
        self.smtp = SmtpServer()
        self.smtp.start()
        self.env = candor_env(
            url,
            tmp / "data",
            EMAIL_URL=f"smtp://127.0.0.1:{self.smtp.port}",
            CANDOR_DELIVERY_LEASE="3",
        )
        key = prepare(self.env)
        self.server = Server(self.env, workers=1)
        self.env["CANDOR_BASE_URL"] = self.server.base
        self.api = Api(self.server.base, key)
        self.urls = {
            mode: cli(
                self.env,
                "integration",
                "create",
                "--kind",
                "alertmanager",
                "--name",
                mode,
                "--mode",
                mode,
            )
            .strip()
            .splitlines()[-1]
            for mode in ("status", "propose", "incident")
        }
        self.worker = start_worker(self.env)
        self.alertmanager = Alertmanager(tmp / "alertmanager", config(self.urls))

    def component(self, name: str) -> str:
        created = self.api.call(
            "POST", self.api.page_path("/components.json"), {"component": {"name": name}}
        )
        return created["id"]

    def public_status(self, name: str) -> str:
        components = self.server.json("/api/v2/components.json")["components"]
        return next(c["status"] for c in components if c["name"] == name)

    def wait_status(self, name: str, status: str) -> None:
        wait_until(lambda: self.public_status(name) == status, timeout=30)

    def restart_worker(self) -> None:
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait()
        self.worker = start_worker(self.env)

    def close(self) -> None:
        self.alertmanager.stop()
        if self.worker.poll() is None:
            self.worker.kill()
            self.worker.wait()
        self.server.stop()
        self.smtp.stop()
        self._db.__exit__(None, None, None)


@pytest.fixture(scope="module")
def stack(tmp_path_factory, django_db_blocker):
    with django_db_blocker.unblock():
        built = Stack(tmp_path_factory.mktemp("alertmanager"))
    try:
        yield built
    finally:
        built.close()


def test_critical_alert_makes_help_desk_a_major_outage_and_back(stack):
    stack.component("Help Desk")
    labels = {
        "alertname": "HelpDeskDown",
        "component": "Help Desk",
        "severity": "critical",
        "integration": "status",
    }
    stack.alertmanager.post(labels, summary="Help desk tickets fail")
    stack.wait_status("Help Desk", "major_outage")
    status, page = fetch(stack.server.base + "/")
    assert status == 200 and b"Major Outage" in page
    stack.alertmanager.post(labels, resolve=True)
    stack.wait_status("Help Desk", "operational")


def test_two_alerts_on_one_component_the_worse_wins(stack):
    stack.component("Email")
    warning = {
        "alertname": "EmailSlow",
        "component": "Email",
        "severity": "warning",
        "integration": "status",
    }
    critical = {
        "alertname": "EmailDown",
        "component": "Email",
        "severity": "critical",
        "integration": "status",
    }
    stack.alertmanager.post(warning)
    stack.alertmanager.post(critical)
    stack.wait_status("Email", "major_outage")
    stack.alertmanager.post(critical, resolve=True)
    stack.wait_status("Email", "degraded_performance")
    stack.alertmanager.post(warning, resolve=True)
    stack.wait_status("Email", "operational")


def test_open_critical_incident_is_not_overridden_by_a_warning_alert(stack):
    billing = stack.component("Billing")
    incident = stack.api.call(
        "POST",
        stack.api.page_path("/incidents.json"),
        {
            "incident": {
                "name": "Billing down",
                "status": "investigating",
                "impact_override": "critical",
                "component_ids": [billing],
            }
        },
    )
    labels = {
        "alertname": "BillingSlow",
        "component": "Billing",
        "severity": "warning",
        "integration": "status",
    }
    stack.alertmanager.post(labels)
    # The alert arrives and is recorded, yet the incident's major outage stays.
    wait_until(lambda: _outcomes(stack, "status", "BillingSlow"), timeout=30)
    assert stack.public_status("Billing") == "major_outage"
    stack.api.call(
        "PATCH",
        stack.api.page_path(f"/incidents/{incident['id']}.json"),
        {"incident": {"status": "resolved", "body": "Fixed."}},
    )
    stack.wait_status("Billing", "degraded_performance")
    stack.alertmanager.post(labels, resolve=True)
    stack.wait_status("Billing", "operational")


def _outcomes(stack: Stack, name: str, alertname: str) -> bool:
    out = cli(
        stack.env,
        "shell",
        "-c",
        "from candor.core.models import AlertPayload; import json; "
        f"print(json.dumps([p.outcome for p in AlertPayload.objects.filter("
        f"integration__name={name!r}, processed_at__isnull=False)]))",
    )
    return alertname in out


def _incidents(stack: Stack, name: str) -> list[dict]:
    incidents = stack.api.call("GET", stack.api.page_path("/incidents.json"))
    return [i for i in incidents if i["name"] == name]


def test_propose_mode_proposes_and_publishes_nothing(stack):
    stack.component("Chat")
    labels = {
        "alertname": "ChatDown",
        "component": "Chat",
        "severity": "critical",
        "integration": "propose",
    }
    stack.alertmanager.post(labels, summary="Chat messages are not delivered")
    stack.wait_status("Chat", "major_outage")
    out = cli(
        stack.env,
        "shell",
        "-c",
        "from candor.core.models import ProposedIncident; "
        "print([(p.title, p.state) for p in ProposedIncident.objects.all()])",
    )
    assert "('Chat messages are not delivered', 'open')" in out
    assert _incidents(stack, "Chat messages are not delivered") == []
    stack.alertmanager.post(labels, resolve=True)
    stack.wait_status("Chat", "operational")


def test_incident_mode_opens_notifies_and_resolves_by_itself(stack):
    portal = stack.component("Portal")
    stack.api.call(
        "POST",
        stack.api.page_path("/subscribers.json"),
        {"subscriber": {"email": "client@example.com", "component_ids": [portal]}},
    )
    before = len(stack.smtp.handler.to("client@example.com"))
    labels = {
        "alertname": "PortalDown",
        "component": "Portal",
        "severity": "critical",
        "integration": "incident",
    }
    stack.alertmanager.post(labels, summary="The client portal is down")
    wait_until(lambda: _incidents(stack, "The client portal is down"), timeout=30)
    incident = _incidents(stack, "The client portal is down")[0]
    assert (incident["status"], incident["impact"]) == ("investigating", "critical")
    stack.wait_status("Portal", "major_outage")
    wait_until(lambda: len(stack.smtp.handler.to("client@example.com")) == before + 1)
    stack.alertmanager.post(labels, resolve=True)
    wait_until(lambda: _incidents(stack, "The client portal is down")[0]["status"] == "resolved")
    stack.wait_status("Portal", "operational")
    wait_until(lambda: len(stack.smtp.handler.to("client@example.com")) == before + 2)


def test_incident_mode_leaves_an_incident_a_person_edited_alone(stack):
    stack.component("Reports")
    labels = {
        "alertname": "ReportsDown",
        "component": "Reports",
        "severity": "major",
        "integration": "incident",
    }
    stack.alertmanager.post(labels, summary="Reports do not load")
    wait_until(lambda: _incidents(stack, "Reports do not load"), timeout=30)
    incident = _incidents(stack, "Reports do not load")[0]
    stack.api.call(
        "PATCH",
        stack.api.page_path(f"/incidents/{incident['id']}.json"),
        {"incident": {"status": "identified", "body": "A person is on it."}},
    )
    stack.alertmanager.post(labels, resolve=True)
    wait_until(lambda: _outcomes(stack, "incident", "changed by a person"), timeout=30)
    after = _incidents(stack, "Reports do not load")[0]
    assert after["status"] == "identified"
    assert len(after["incident_updates"]) == 2


def test_worker_killed_after_accepting_processes_the_payload_after_restart(stack):
    stack.component("Search")
    stack.worker.send_signal(signal.SIGKILL)
    stack.worker.wait()
    labels = {
        "alertname": "SearchDown",
        "component": "Search",
        "severity": "critical",
        "integration": "status",
    }
    stack.alertmanager.post(labels)
    wait_until(lambda: _waiting(stack) > 0, timeout=30)  # accepted (202), stored, not acted on
    assert stack.public_status("Search") == "operational"
    stack.worker = start_worker(stack.env)
    stack.wait_status("Search", "major_outage")
    assert _waiting(stack) == 0
    stack.alertmanager.post(labels, resolve=True)
    stack.wait_status("Search", "operational")


def _waiting(stack: Stack) -> int:
    out = cli(
        stack.env,
        "shell",
        "-c",
        "from candor.core.models import AlertPayload; "
        "print(AlertPayload.objects.filter(processed_at__isnull=True).count())",
    )
    return int(out.strip().splitlines()[-1])


def test_refusals_through_the_real_server_store_nothing(stack):
    before = _stored(stack)
    url = stack.urls["status"]
    big = b'{"alerts": [], "pad": "' + b"x" * (1024 * 1024) + b'"}'
    headers = {"Content-Type": "application/json"}
    assert fetch(url, method="POST", data=big, headers=headers)[0] == 413
    status, body = fetch(url, method="POST", data=b'{"alerts": 3}', headers=headers)
    assert (status, body) == (400, b'{"error": "`alerts` is missing or not a list."}')
    unknown = url.rsplit("/", 1)[0] + "/cah_unknown"
    assert fetch(unknown, method="POST", data=b"{}", headers=headers)[0] == 404
    assert _stored(stack) == before


def _stored(stack: Stack) -> int:
    out = cli(
        stack.env,
        "shell",
        "-c",
        "from candor.core.models import AlertPayload; print(AlertPayload.objects.count())",
    )
    return int(out.strip().splitlines()[-1])
