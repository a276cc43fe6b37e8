"""Alertmanager (webhook version 4), Grafana alerting and Candor's generic JSON, read into one
shape. Every refusal names where in the body it is, for the 400 the sender sees."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.dateparse import parse_datetime

# Alertmanager sends the zero time as endsAt of an alert that is still firing.
ZERO_YEAR = 1


class PayloadError(ValueError):
    """The body is not a payload of the integration's kind; the message says why."""


@dataclass(frozen=True)
class AlertEvent:
    fingerprint: str
    firing: bool
    starts_at: datetime | None  # None: the generic form, which has no start time
    ends_at: datetime | None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    # Set by the generic form, which names its status outright.
    status: str = ""

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "")

    @property
    def summary(self) -> str:
        a = self.annotations
        text = a.get("summary") or a.get("title") or a.get("description") or self.name
        return text or self.fingerprint


def load(body: bytes) -> object:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError(f"The body is not UTF-8 (byte {exc.start}).") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PayloadError(f"The body is not JSON: {exc.msg} at line {exc.lineno}.") from None


def _strings(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(f"{where} must be an object of strings.")
    out = {}
    for key, item in value.items():
        if not isinstance(item, str | int | float | bool):
            raise PayloadError(f"{where}.{key} must be a string.")
        out[str(key)] = str(item)
    return out


def _time(value: object, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{where} must be an RFC 3339 time.")
    try:
        parsed = parse_datetime(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise PayloadError(f"{where} must be an RFC 3339 time with its zone, not {value[:40]!r}.")
    return None if parsed.year == ZERO_YEAR else parsed


def parse_alertmanager(data: object) -> list[AlertEvent]:
    """Alertmanager's webhook (version 4); Grafana's is the same with more fields."""
    if not isinstance(data, dict):
        raise PayloadError("The body must be a JSON object.")
    alerts = data.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError("`alerts` is missing or not a list.")
    events = []
    for i, alert in enumerate(alerts):
        where = f"alerts[{i}]"
        if not isinstance(alert, dict):
            raise PayloadError(f"{where} must be an object.")
        status = alert.get("status", data.get("status"))
        if status not in ("firing", "resolved"):
            raise PayloadError(f"{where}.status must be 'firing' or 'resolved'.")
        labels = _strings(alert.get("labels"), f"{where}.labels")
        starts_at = _time(alert.get("startsAt"), f"{where}.startsAt")
        if starts_at is None:
            raise PayloadError(f"{where}.startsAt is missing.")
        ends_at = _time(alert.get("endsAt"), f"{where}.endsAt")
        fingerprint = alert.get("fingerprint")
        if fingerprint in (None, ""):
            # Alertmanager before 0.19 sent none: the sorted labels identify the alert.
            fingerprint = json.dumps(labels, sort_keys=True)
        if not isinstance(fingerprint, str) or len(fingerprint) > 255:
            raise PayloadError(f"{where}.fingerprint must be a string of at most 255 characters.")
        events.append(
            AlertEvent(
                fingerprint=fingerprint,
                firing=status == "firing",
                starts_at=starts_at,
                ends_at=ends_at if status == "resolved" else None,
                labels=labels,
                annotations=_strings(alert.get("annotations"), f"{where}.annotations"),
            )
        )
    return events


GENERIC_RESOLVED = ("resolved", "operational", "ok")


def parse_generic(data: object) -> list[AlertEvent]:
    """`{"component", "status", "summary", "id"}`, or a list of them; firing until `resolved`."""
    from candor.core.alerting.mapping import ALERT_STATUSES

    items = data if isinstance(data, list) else [data]
    events = []
    for i, item in enumerate(items):
        where = f"[{i}]" if isinstance(data, list) else "the body"
        if not isinstance(item, dict):
            raise PayloadError(f"{where} must be a JSON object.")
        status = item.get("status")
        allowed = [*ALERT_STATUSES, *GENERIC_RESOLVED]
        if status not in allowed:
            raise PayloadError(f"{where}: `status` must be one of {', '.join(allowed)}.")
        ident = item.get("id") or item.get("component")
        if not isinstance(ident, str | int) or ident == "":
            raise PayloadError(f"{where}: `id` (or `component`) is required.")
        labels = _strings({k: v for k, v in item.items() if k in ("component", "severity")}, where)
        labels["alertname"] = str(item.get("id") or "")
        summary = item.get("summary", "")
        if not isinstance(summary, str):
            raise PayloadError(f"{where}: `summary` must be a string.")
        firing = status not in GENERIC_RESOLVED
        events.append(
            AlertEvent(
                fingerprint=str(ident)[:255],
                firing=firing,
                starts_at=None,
                ends_at=None,
                labels=labels,
                annotations={"summary": summary} if summary else {},
                status=status if firing else "",
            )
        )
    return events


def parse(kind: str, body: bytes) -> list[AlertEvent]:
    """The alerts a body speaks of; PayloadError if it is not one of `kind`."""
    data = load(body)
    if kind == "generic":
        return parse_generic(data)
    return parse_alertmanager(data)
