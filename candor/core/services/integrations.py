"""Integrations (Administrators): create, edit, revoke; a received payload stored for the worker;
proposed incidents approved or dismissed. What the alerts do is services/alerts.py."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable, Mapping
from datetime import datetime

from django.db import transaction

from candor.core import events, notifications
from candor.core.alerting.mapping import ALERT_STATUSES, format_matchers, parse_matchers
from candor.core.models import (
    AlertPayload,
    ApiKey,
    Component,
    Delivery,
    Incident,
    Integration,
    IntegrationKind,
    IntegrationMode,
    Page,
    ProposalState,
    ProposedIncident,
)
from candor.core.roles import require_administrator
from candor.core.services.alerts import find_component, release_all, settle_integration
from candor.core.services.base import (
    CONFLICT,
    Actor,
    audit,
    check_choice,
    check_text,
    fail,
    now,
    user_of,
)

PREFIX = "cah_"
MAX_BODY = 1024 * 1024  # bytes; a larger body is refused with 413
# Grafana's signature with a timestamp is refused when older than this (replayed).
SIGNATURE_WINDOW = 300
TIMESTAMP_HEADERS = ("X-Grafana-Alerting-Signature-Timestamp", "X-Grafana-Alerting-Timestamp")
MAX_HOLD_SECONDS = 86400


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_rules(page: Page, text: str) -> list[dict[str, object]]:
    """One rule a line: `MATCHERS -> COMPONENT [: STATUS]`, e.g.
    `service=~"help.*", env="prod" -> Help Desk: major_outage`. The component is a name or id
    on the page, or empty to keep the alert's `component` label."""
    rules: list[dict[str, object]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        left, arrow, right = line.partition("->")
        if not arrow:
            raise fail(
                "rules", f"Line {number}: write MATCHERS -> COMPONENT (the arrow is missing)."
            )
        try:
            matchers = parse_matchers(left)
        except ValueError as exc:
            raise fail("rules", f"Line {number}: {exc}") from None
        name, _, status = right.partition(":")
        name, status = name.strip(), status.strip()
        if status and status not in ALERT_STATUSES:
            allowed = ", ".join(ALERT_STATUSES)
            raise fail("rules", f"Line {number}: {status!r} is not a status; use {allowed}.")
        component = ""
        if name:
            found = find_component(page, name)
            if found is None:
                raise fail("rules", f"Line {number}: no component is named {name!r}.")
            component = found.pk
        rules.append(
            {"matchers": [list(m) for m in matchers], "component": component, "status": status}
        )
    return rules


def format_rules(integration: Integration) -> str:
    names = dict(Component.objects.filter(page=integration.page).values_list("pk", "name"))
    lines = []
    for rule in integration.rules:
        right = names.get(str(rule.get("component")), "") if rule.get("component") else ""
        if rule.get("status"):
            right += f": {rule['status']}"
        lines.append(f"{format_matchers(rule['matchers'])} -> {right}".rstrip())
    return "\n".join(lines)


def _check_severity_map(value: Mapping[str, str] | None) -> dict[str, str]:
    out = {}
    for severity, status in (value or {}).items():
        key = str(severity).strip().lower()
        if not key:
            raise fail("severity_map", "A severity cannot be empty.")
        check_choice("severity_map", status, ALERT_STATUSES, "status for an alert")
        out[key] = status
    return out


def parse_severity_map(text: str) -> dict[str, str]:
    """`critical=major_outage` lines (or commas)."""
    out = {}
    for item in text.replace(",", "\n").splitlines():
        if item.strip():
            severity, eq, status = item.partition("=")
            if not eq:
                raise fail("severity_map", f"Write severity=status, not {item.strip()!r}.")
            out[severity.strip()] = status.strip()
    return _check_severity_map(out)


def _seconds(field: str, value: int) -> int:
    if not 0 <= int(value) <= MAX_HOLD_SECONDS:
        raise fail(field, f"Give a number of seconds from 0 to {MAX_HOLD_SECONDS}.")
    return int(value)


@transaction.atomic
def create_integration(
    page: Page,
    *,
    by: Actor,
    kind: str,
    name: str,
    mode: str = IntegrationMode.STATUS,
    bearer_token: str = "",
    hmac_secret: str = "",
    rules: Iterable[Mapping[str, object]] | str = (),
    severity_map: Mapping[str, str] | None = None,
    hold_down_seconds: int = 0,
    clear_delay_seconds: int = 0,
    flap_limit: int = 10,
) -> tuple[Integration, str]:
    """Returns the integration and the token of its URL, which is never kept (only its hash)."""
    require_administrator(by)
    name = check_text("name", name, required=True, max_length=100)
    check_choice("kind", kind, IntegrationKind.values, "integration kind")
    check_choice("mode", mode, IntegrationMode.values, "mode")
    bearer_token = check_text("bearer_token", bearer_token, max_length=255)
    hmac_secret = check_text("hmac_secret", hmac_secret, max_length=255)
    stored_rules = parse_rules(page, rules) if isinstance(rules, str) else [dict(r) for r in rules]
    if flap_limit < 1:
        raise fail("flap_limit", "Allow at least one change an hour.")
    token = PREFIX + secrets.token_urlsafe(32)
    integration = Integration.objects.create(
        page=page,
        kind=kind,
        name=name,
        mode=mode,
        token_hash=hash_token(token),
        token_prefix=token[: len(PREFIX) + 4],
        bearer_hash=hash_token(bearer_token) if bearer_token else "",
        hmac_secret=hmac_secret,
        rules=stored_rules,
        severity_map=_check_severity_map(severity_map),
        hold_down_seconds=_seconds("hold_down_seconds", hold_down_seconds),
        clear_delay_seconds=_seconds("clear_delay_seconds", clear_delay_seconds),
        flap_limit=flap_limit,
        created_by=by.created_by if isinstance(by, ApiKey) else user_of(by),
        created_at=now(),
    )
    audit(page, by, "integration.create", integration, f"Created integration {name}", kind=kind)
    return integration, token


@transaction.atomic
def update_integration(
    integration: Integration,
    *,
    by: Actor,
    name: str,
    mode: str,
    rules: str,
    severity_map: Mapping[str, str] | None,
    hold_down_seconds: int,
    clear_delay_seconds: int,
    flap_limit: int,
) -> Integration:
    """Change what its alerts do. Alerts already firing keep their component and status until
    they fire again; new guards apply to what happens from now on."""
    require_administrator(by)
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    changed = {
        "name": check_text("name", name, required=True, max_length=100),
        "mode": check_choice("mode", mode, IntegrationMode.values, "mode"),
        "rules": parse_rules(integration.page, rules),
        "severity_map": _check_severity_map(severity_map),
        "hold_down_seconds": _seconds("hold_down_seconds", hold_down_seconds),
        "clear_delay_seconds": _seconds("clear_delay_seconds", clear_delay_seconds),
        "flap_limit": flap_limit,
    }
    if flap_limit < 1:
        raise fail("flap_limit", "Allow at least one change an hour.")
    changed = {k: v for k, v in changed.items() if getattr(integration, k) != v}
    if not changed:
        return integration
    for field, value in changed.items():
        setattr(integration, field, value)
    integration.save(update_fields=list(changed))
    audit(
        integration.page,
        by,
        "integration.update",
        integration,
        f"Updated integration {integration.name}",
        fields=sorted(changed),
    )
    return integration


@transaction.atomic
def revoke_integration(integration: Integration, *, by: Actor) -> Integration:
    """Its URL stops working; every alert it held lets go of its component."""
    require_administrator(by)
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    if integration.revoked_at is not None:
        return integration
    integration.revoked_at = now()
    integration.save(update_fields=["revoked_at"])
    release_all(integration, at=integration.revoked_at)
    audit(
        integration.page,
        by,
        "integration.revoke",
        integration,
        f"Revoked integration {integration.name}",
    )
    return integration


@transaction.atomic
def unfreeze_integration(integration: Integration, *, by: Actor) -> Integration:
    """A person looked at the flapping: the integration acts again, from what its alerts say."""
    require_administrator(by)
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    if integration.frozen_at is None:
        return integration
    integration.frozen_at = None
    integration.save(update_fields=["frozen_at"])
    audit(
        integration.page,
        by,
        "integration.unfreeze",
        integration,
        f"Unfroze integration {integration.name}",
    )
    settle_integration(integration, at=now())
    return integration


# --- Receiving -----------------------------------------------------------------------------------


def authenticate(token: str) -> Integration | None:
    if not token.startswith(PREFIX):
        return None
    return (
        Integration.objects.select_related("page")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )


def check_credentials(integration: Integration, body: bytes, headers: Mapping[str, str]) -> str:
    """Why the request is refused ("" when it is not): the Bearer token and Grafana's HMAC."""
    if integration.bearer_hash:
        scheme, _, credentials = headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            hash_token(credentials.strip()), integration.bearer_hash
        ):
            return "The Authorization header must carry this integration's Bearer token."
    if integration.hmac_secret:
        signature = headers.get("X-Grafana-Alerting-Signature", "").strip().lower()
        if not signature:
            return "The X-Grafana-Alerting-Signature header is missing."
        stamp = next((headers[h] for h in TIMESTAMP_HEADERS if headers.get(h)), "")
        signed = body
        if stamp:
            try:
                age = abs(time.time() - int(stamp.strip()))
            except ValueError:
                return "The signature timestamp is not a number of seconds."
            if age > SIGNATURE_WINDOW:
                return "The signature timestamp is more than 5 minutes away from now."
            signed = stamp.strip().encode() + b":" + body
        expected = hmac.new(integration.hmac_secret.encode(), signed, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return "The X-Grafana-Alerting-Signature does not match the body."
    return ""


@transaction.atomic
def receive_payload(
    integration: Integration, body: str, *, at: datetime | None = None
) -> AlertPayload:
    """Keep the body for the worker, and wake it when this commits."""
    payload = AlertPayload.objects.create(
        integration=integration, received_at=at or now(), body=body
    )
    notifications.notify_workers()
    transaction.on_commit(lambda: events.deliveries_created.send(sender=Delivery))
    return payload


# --- Proposed incidents --------------------------------------------------------------------------


def _lock_open(proposal: ProposedIncident) -> ProposedIncident:
    proposal = ProposedIncident.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != ProposalState.OPEN:
        raise fail(
            "proposal",
            f"This proposal was already {proposal.get_state_display().lower()}.",
            CONFLICT,
        )
    return proposal


@transaction.atomic
def dismiss_proposal(proposal: ProposedIncident, *, by: Actor) -> ProposedIncident:
    proposal = _lock_open(proposal)
    proposal.state = ProposalState.DISMISSED
    proposal.decided_at = now()
    proposal.save(update_fields=["state", "decided_at"])
    audit(
        proposal.page,
        by,
        "proposal.dismiss",
        proposal,
        f"Dismissed proposed incident {proposal.title}",
    )
    return proposal


@transaction.atomic
def approve_proposal(
    proposal: ProposedIncident, *, by: Actor, incident: Incident
) -> ProposedIncident:
    """The person opened `incident` from it (through declare_incident, as any incident)."""
    proposal = _lock_open(proposal)
    proposal.state = ProposalState.APPROVED
    proposal.incident = incident
    proposal.decided_at = now()
    proposal.save(update_fields=["state", "incident", "decided_at"])
    proposal.alerts.update(incident=incident)
    audit(
        proposal.page,
        by,
        "proposal.approve",
        proposal,
        f"Approved proposed incident as {incident.name}",
    )
    return proposal
