"""Debian's prometheus-alertmanager, started by the tests with a webhook receiver pointing at a
real Candor server; alerts are posted to its API v2 as Prometheus would."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support.servers import fetch, free_port

BINARY = "/usr/bin/prometheus-alertmanager"


def config(receivers: dict[str, str], *, route_label: str = "integration") -> str:
    """Short group_wait/group_interval, send_resolved: a receiver per integration URL, chosen
    by the alert's `integration` label; the first receiver is the default."""
    names = list(receivers)
    routes = "".join(
        f"""
    - receiver: {name}
      matchers: ['{route_label}="{name}"']"""
        for name in names
    )
    hooks = "".join(
        f"""
  - name: {name}
    webhook_configs:
      - url: {url}
        send_resolved: true"""
        for name, url in receivers.items()
    )
    return f"""route:
  receiver: {names[0]}
  group_by: [alertname, component]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:{routes}
receivers:{hooks}
"""


class Alertmanager:
    def __init__(self, directory: Path, config_text: str) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "alertmanager.yml").write_text(config_text)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = directory / "alertmanager.log"
        self.process = subprocess.Popen(
            [
                BINARY,
                f"--config.file={directory / 'alertmanager.yml'}",
                f"--storage.path={directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--cluster.listen-address=",
            ],
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        for _ in range(200):
            if self.process.poll() is not None:
                raise AssertionError(f"alertmanager exited: {self.log.read_text()[-2000:]}")
            try:
                if fetch(f"{self.base}/-/ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("alertmanager did not start")

    def post(
        self,
        labels: dict[str, str],
        *,
        summary: str = "",
        resolve: bool = False,
        starts_at: datetime | None = None,
    ) -> datetime:
        """Fire (or resolve) an alert through the API v2, as Prometheus does; its start time."""
        starts_at = starts_at or datetime.now(UTC) - timedelta(seconds=5)
        alert = {
            "labels": labels,
            "annotations": {"summary": summary or labels.get("alertname", "")},
            "startsAt": starts_at.isoformat(),
            "generatorURL": "http://prometheus.example/graph",
        }
        if resolve:
            alert["endsAt"] = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
        status, body = fetch(
            f"{self.base}/api/v2/alerts",
            method="POST",
            data=json.dumps([alert]).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert status == 200, (status, body)
        return starts_at

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
