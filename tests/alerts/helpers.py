"""Alertmanager-shaped payloads and posting them to the hook, for the alert tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

ZERO = "0001-01-01T00:00:00Z"


def am_alert(
    labels: dict[str, str],
    *,
    status: str = "firing",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    fingerprint: str | None = None,
    summary: str = "",
) -> dict:
    starts_at = starts_at or datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
    if status == "resolved" and ends_at is None:
        ends_at = starts_at + timedelta(minutes=5)
    return {
        "status": status,
        "labels": labels,
        "annotations": {"summary": summary or labels.get("alertname", "")},
        "startsAt": starts_at.isoformat().replace("+00:00", "Z"),
        "endsAt": ends_at.isoformat().replace("+00:00", "Z") if ends_at else ZERO,
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": fingerprint or json.dumps(labels, sort_keys=True)[:60],
    }


def am_payload(*alerts: dict) -> bytes:
    return json.dumps(
        {
            "version": "4",
            "groupKey": '{}:{alertname="HelpDeskDown"}',
            "truncatedAlerts": 0,
            "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved",
            "receiver": "candor",
            "groupLabels": {},
            "commonLabels": {},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager.example",
            "alerts": list(alerts),
        }
    ).encode()
