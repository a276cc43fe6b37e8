"""What alerts do: the worker's job reads stored payloads, keeps one Alert row per alert
(fingerprint + start time), and moves each alert's `acting` flag, the only thing the component
layer reads (models.alerts.AlertQuerySet.holding, combined by components.recompute()).

Exactly once across workers and after a killed worker: a payload is processed in one
transaction that also marks it processed (PostgreSQL locks it with SKIP LOCKED; SQLite's
BEGIN IMMEDIATE serialises writers), so a worker killed half-way leaves it unprocessed for the
next; timers (hold-down, clear delay) are due times in the rows, moved by the same job.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min, Q

from candor.core import notifications, teamchannels
from candor.core.alerting import mapping
from candor.core.alerting.parse import AlertEvent, PayloadError, parse
from candor.core.enums import (
    ACTIVE_STATUSES,
    COMPONENT_STATUS_IMPACT,
    ComponentStatus,
    Impact,
    IncidentStatus,
)
from candor.core.models import (
    Alert,
    AlertPayload,
    AuditEntry,
    AutoIncident,
    Component,
    DeliveryKind,
    Integration,
    IntegrationMode,
    Page,
    ProposalState,
    ProposedIncident,
    TeamEvent,
)
from candor.core.services.base import audit, now, touch_page
from candor.core.services.components import maintenance_layer, recompute
from candor.core.services.incidents import declare_incident, post_update

logger = logging.getLogger("candor.worker")

HOUR = timedelta(hours=1)
# Audit actions that count as a change for the flapping guard.
CHANGES = ("alert.hold", "alert.release")
BATCH = 100


def components_in_maintenance(component_ids: list[str], at: datetime) -> set[str]:
    """The components a maintenance window in progress holds: their alerts are recorded and
    not acted on (a window's planned downtime is not an outage to announce). A window is in
    progress by its status, which the worker moves at the scheduled times; `at` is unused."""
    return {component_id for component_id, _ in maintenance_layer(component_ids)}


def find_component(page: Page | str, name: str) -> Component | None:
    """A component by id, or by name in any case.

    Names are compared with `str.casefold()` in Python over the page's components (a page has
    few), not with `name__iexact`: SQLite folds only ASCII letters, so "RÉSEAU" would miss
    "Réseau" there while PostgreSQL found it; in Python both databases agree, and `%` and `_`
    are never LIKE wildcards."""
    page_id = page.pk if isinstance(page, Page) else page
    components = Component.objects.filter(page_id=page_id)
    name = name.strip()
    if not name:
        return None
    by_id = components.filter(pk=name).first()
    if by_id is not None:
        return by_id
    wanted = name.casefold()
    # In the model's order (position, then creation), as `.first()` chose before.
    return next((c for c in components if c.name.casefold() == wanted), None)


# --- The job -------------------------------------------------------------------------------------


def run() -> float | None:
    """The worker's job: every waiting payload, then every alert whose timer is due. Answers the
    seconds until the next timer (the worker runs it sooner when a payload wakes it)."""
    for _ in range(BATCH):
        if not process_next():
            break
    else:
        return 0.0  # more waiting: run again at once
    return settle_due()


def process_next() -> bool:
    """Process the oldest waiting payload; False when none waits."""
    with transaction.atomic():
        waiting = AlertPayload.objects.filter(processed_at__isnull=True).order_by("id")
        if connection.vendor == "postgresql":
            waiting = waiting.select_for_update(skip_locked=True, of=("self",))
        payload = waiting.select_related("integration").first()
        if payload is None:
            return False
        # One payload of an integration at a time: its alerts' order is its payloads' order.
        integration = (
            Integration.objects.select_for_update()
            .select_related("page")
            .get(pk=payload.integration_id)
        )
        at = now()
        payload.outcome = _process(integration, payload, at)
        payload.processed_at = at
        payload.save(update_fields=["outcome", "processed_at"])
    return True


def _process(integration: Integration, payload: AlertPayload, at: datetime) -> list[str]:
    if integration.revoked_at is not None:
        return ["Nothing: the integration was revoked before this was processed."]
    try:
        events = parse(integration.kind, payload.body.encode())
    except PayloadError as exc:
        return [f"Nothing: {exc}"]
    if not events:
        return ["Nothing: the payload lists no alerts."]
    return [_apply(integration, event, at) for event in events]


# --- One alert -----------------------------------------------------------------------------------


def _apply(integration: Integration, event: AlertEvent, at: datetime) -> str:
    """Record what the event says of its alert, act if due; one line saying what happened."""
    target = mapping.target(event.labels, integration.rules, integration.severity_map, event.status)
    component = find_component(integration.page_id, target.component)
    label = f"{event.summary!r}"
    if event.starts_at is None:
        # The generic form: firing until a `resolved` with the same id arrives.
        alert = (
            Alert.objects.select_for_update()
            .filter(integration=integration, fingerprint=event.fingerprint, ends_at__isnull=True)
            .first()
        )
        starts_at = alert.starts_at if alert else at
    else:
        starts_at = event.starts_at
        alert = (
            Alert.objects.select_for_update()
            .filter(integration=integration, fingerprint=event.fingerprint, starts_at=starts_at)
            .first()
        )
    if not event.firing:
        if alert is None:
            return f"{label}: resolved, and was never seen firing: nothing to do."
        if not alert.firing:
            return f"{label}: duplicate (already resolved): nothing changed."
        alert.ends_at = event.ends_at or at
        alert.act_until = alert.ends_at + timedelta(seconds=integration.clear_delay_seconds)
        alert.updated_at = at
        alert.save(update_fields=["ends_at", "act_until", "updated_at"])
        return f"{label}: resolved. {_sync(integration, alert, at)}"

    fields = {
        "name": event.name[:255],
        "summary": event.summary[:500],
        "labels": event.labels,
        "annotations": event.annotations,
        "component": component,
        "status": target.status,
        "blocked": _blocked(component, target, at),
        "layer": integration.mode != IntegrationMode.INCIDENT,
    }
    if alert is not None and not alert.firing:
        # An older payload processed after the resolution: the alert stays resolved.
        return f"{label}: already resolved: this older firing notice changes nothing."
    if alert is not None:
        changed = {k: v for k, v in fields.items() if getattr(alert, k) != v}
        if not changed:
            return f"{label}: duplicate: nothing changed. {_describe(alert, at)}"
        old_component, was_acting = alert.component_id, alert.acting
        for key, value in changed.items():
            setattr(alert, key, value)
        alert.updated_at = at
        alert.save()
        if was_acting and ({"component", "status", "layer"} & set(changed)):
            ids = {i for i in (old_component, alert.component_id) if i}
            recompute(ids, at=at, cause=_cause(integration, alert))
            audit(
                integration.page,
                integration,
                "alert.hold",
                integration,
                f"{_who(alert)} now holds {_where(alert)}",
                alert=alert.pk,
                component=alert.component_id,
            )
            touch_page(integration.page_id)
        return f"{label}: updated. {_sync(integration, alert, at)}"
    alert = Alert.objects.create(
        integration=integration,
        fingerprint=event.fingerprint,
        starts_at=starts_at,
        act_from=starts_at + timedelta(seconds=integration.hold_down_seconds),
        created_at=at,
        updated_at=at,
        **fields,
    )
    return f"{label}: firing. {_sync(integration, alert, at)}"


def _blocked(component: Component | None, target: mapping.Target, at: datetime) -> str:
    if component is None:
        named = f" ({target.component!r})" if target.component else ""
        return f"no matching component{named}"
    if component.pk in components_in_maintenance([component.pk], at):
        return "in maintenance"
    return ""


def _due(alert: Alert, at: datetime) -> bool:
    """Whether the alert should act now, its guards aside."""
    return (
        not alert.blocked
        and alert.act_from <= at
        and (alert.act_until is None or alert.act_until > at)
    )


def _describe(alert: Alert, at: datetime) -> str:
    if alert.blocked:
        return f"Not acted on: {alert.blocked}."
    if alert.acting:
        return f"Holds {_where(alert)}."
    if alert.act_from > at:
        return f"Held down until {alert.act_from:%Y-%m-%d %H:%M:%S} UTC."
    return "Released."


def _who(alert: Alert) -> str:
    return f"Alert {alert}"


def _where(alert: Alert) -> str:
    name = alert.component.name if alert.component else "nothing"
    return f"{name} at {ComponentStatus(alert.status).label}"


def _cause(integration: Integration, alert: Alert) -> str:
    return f"alert {alert} ({integration.name})"[:255]


def _sync(integration: Integration, alert: Alert, at: datetime) -> str:
    """Move `acting` to what the alert's times and guards say; one sentence on the outcome."""
    due = _due(alert, at)
    if due == alert.acting:
        return _describe(alert, at)
    if integration.frozen_at is not None:
        return "Not acted on: the integration is frozen for flapping."
    if _flapping(integration, alert, at):
        integration.frozen_at = at
        integration.save(update_fields=["frozen_at"])
        audit(
            integration.page,
            integration,
            "integration.freeze",
            integration,
            f"Froze integration {integration.name}: more than {integration.flap_limit} "
            "changes in an hour",
        )
        _tell_administrators(integration)
        return "Not acted on: too many changes in an hour froze the integration."
    alert.acting = due
    alert.updated_at = at
    alert.save(update_fields=["acting", "updated_at"])
    verb = "hold" if due else "release"
    summary = f"{_who(alert)} {'holds' if due else 'released'} {_where(alert)}"
    audit(
        integration.page,
        integration,
        f"alert.{verb}",
        integration,
        summary,
        alert=alert.pk,
        component=alert.component_id,
    )
    if alert.layer and alert.component_id:
        recompute([alert.component_id], at=at, cause=_cause(integration, alert))
        touch_page(integration.page_id)
    if integration.mode == IntegrationMode.PROPOSE and due:
        _propose(integration, alert, at)
    if integration.mode == IntegrationMode.INCIDENT:
        return (_open_incident if due else _close_incident)(integration, alert, at)
    return _describe(alert, at)


def _tell_administrators(integration: Integration) -> None:
    """A frozen integration needs a person: every active Administrator gets an email."""
    notifications.mail_administrators(DeliveryKind.INTEGRATION_FROZEN, page=integration.page)


def _flapping(integration: Integration, alert: Alert, at: datetime) -> bool:
    """More than flap_limit changes of this alert's component by the integration in the last
    hour (since a person last unfroze it): one noisy component, not a busy integration."""
    entries = AuditEntry.objects.filter(object_type="Integration", object_id=integration.pk)
    unfrozen = (
        entries.filter(action="integration.unfreeze").order_by("-at").values_list("at", flat=True)
    ).first()
    since = max(at - HOUR, unfrozen) if unfrozen else at - HOUR
    changes = entries.filter(
        action__in=CHANGES, at__gte=since, data__component=alert.component_id
    ).count()
    return changes >= integration.flap_limit


# --- Modes propose and incident ------------------------------------------------------------------


def _impact(status: str) -> str:
    return COMPONENT_STATUS_IMPACT.get(status, Impact.MINOR)


def _message(alert: Alert) -> str:
    description = alert.annotations.get("description", "")
    return description or f"Our monitoring reports: {alert}."


def _propose(integration: Integration, alert: Alert, at: datetime) -> None:
    """One open proposal per component and integration gathers its alerts."""
    component = alert.component
    assert component is not None
    proposal = (
        ProposedIncident.objects.select_for_update()
        .filter(integration=integration, state=ProposalState.OPEN, components=component)
        .first()
    )
    if proposal is None:
        proposal = ProposedIncident.objects.create(
            page_id=integration.page_id,
            integration=integration,
            title=str(alert)[:255],
            impact=_impact(alert.status),
            message=_message(alert),
            created_at=at,
        )
        proposal.components.add(component)
        audit(
            integration.page,
            integration,
            "proposal.create",
            proposal,
            f"Proposed incident {proposal.title}",
        )
        # The team hears of it where it chose to (Manage → Team channels), in this transaction.
        teamchannels.notify_team(
            integration.page,
            TeamEvent.INCIDENT_PROPOSED,
            title=f"{integration.name} proposes an incident: {proposal.title}",
            text=proposal.message,
            url=f"{settings.BASE_URL}/manage/",
            button="Review the proposal",
            impact=proposal.impact,
        )
    elif mapping_worse(alert.status, proposal.impact):
        proposal.impact = _impact(alert.status)
        proposal.save(update_fields=["impact"])
    alert.proposal = proposal
    alert.save(update_fields=["proposal"])


def mapping_worse(status: str, impact: str) -> bool:
    order: list[str] = [Impact.NONE, Impact.MINOR, Impact.MAJOR, Impact.CRITICAL]
    return order.index(_impact(status)) > order.index(impact)


def _open_incident(integration: Integration, alert: Alert, at: datetime) -> str:
    component = alert.component
    assert component is not None
    auto = (
        AutoIncident.objects.select_for_update()
        .select_related("incident")
        .filter(integration=integration, component=component, closed=False)
        .first()
    )
    if auto is not None and auto.incident.status in ACTIVE_STATUSES:
        incident = auto.incident
        alert.incident = incident
        alert.save(update_fields=["incident"])
        if mapping_worse(alert.status, incident.impact) and incident.updated_at == auto.written_at:
            # Worse than what it says: the integration's own incident is raised, and told.
            post_update(
                incident,
                by=integration,
                status=incident.status,
                impact=_impact(alert.status),
                components={component: alert.status},
                message=f"Our monitoring reports a further problem: {alert}.",
            )
            incident.refresh_from_db()
            auto.written_at = incident.updated_at
            auto.save(update_fields=["written_at"])
            return f"Joins the open incident {incident.name!r} and raises its impact."
        return f"Joins the open incident {incident.name!r}."
    if auto is not None:
        auto.closed = True  # a person resolved it: the next alert opens a new one
        auto.save(update_fields=["closed"])
    incident = declare_incident(
        integration.page,
        by=integration,
        name=str(alert)[:255],
        status=IncidentStatus.INVESTIGATING,
        impact=_impact(alert.status),
        components={component: alert.status},
        message=_message(alert),
    )
    incident.refresh_from_db()
    AutoIncident.objects.create(
        incident=incident,
        integration=integration,
        component=component,
        written_at=incident.updated_at,
    )
    alert.incident = incident
    alert.save(update_fields=["incident"])
    return f"Opened the incident {incident.name!r}."


def _close_incident(integration: Integration, alert: Alert, at: datetime) -> str:
    auto = (
        AutoIncident.objects.select_for_update()
        .select_related("incident")
        .filter(incident_id=alert.incident_id, closed=False)
        .first()
    )
    if auto is None:
        return "Released."
    if Alert.objects.filter(incident_id=auto.incident_id, acting=True).exists():
        return "Released; the incident stays open for its other alerts."
    incident = auto.incident
    auto.closed = True
    if incident.updated_at != auto.written_at or incident.status not in ACTIVE_STATUSES:
        auto.save(update_fields=["closed"])
        return (
            f"Released; the incident {incident.name!r} was changed by a person, "
            "so it is left to them."
        )
    post_update(
        incident,
        by=integration,
        status=IncidentStatus.RESOLVED,
        message="Our monitoring reports that this has recovered.",
    )
    incident.refresh_from_db()
    auto.written_at = incident.updated_at
    auto.save(update_fields=["closed", "written_at"])
    return f"Resolved the incident {incident.name!r}."


# --- Timers, revocation, unfreezing --------------------------------------------------------------


def _due_q(at: datetime) -> Q:
    live = Q(act_until__isnull=True) | Q(act_until__gt=at)
    return (Q(acting=False, blocked="", act_from__lte=at) & live) | Q(
        acting=True, act_until__lte=at
    )


def settle_due() -> float | None:
    """Act on the alerts whose hold-down or clear delay ended; seconds until the next one."""
    at = now()
    ready = Alert.objects.filter(
        _due_q(at), integration__revoked_at__isnull=True, integration__frozen_at__isnull=True
    )
    for integration_id in set(ready.values_list("integration_id", flat=True)[:BATCH]):
        with transaction.atomic():
            integration = (
                Integration.objects.select_for_update()
                .select_related("page")
                .get(pk=integration_id)
            )
            settle_integration(integration, at=at)
    return _next_timer(now())


def settle_integration(integration: Integration, *, at: datetime) -> None:
    """Inside a transaction holding the integration's lock."""
    due = Alert.objects.filter(_due_q(at), integration=integration)
    for alert in due.select_for_update(of=("self",)).select_related("component"):
        _sync(integration, alert, at)


def _next_timer(at: datetime) -> float | None:
    live = Alert.objects.filter(
        integration__revoked_at__isnull=True, integration__frozen_at__isnull=True
    )
    soonest = [
        live.filter(acting=False, blocked="", act_from__gt=at)
        .filter(Q(act_until__isnull=True) | Q(act_until__gt=at))
        .aggregate(t=Min("act_from"))["t"],
        live.filter(acting=True, act_until__gt=at).aggregate(t=Min("act_until"))["t"],
    ]
    times = [t for t in soonest if t is not None]
    return (min(times) - at).total_seconds() if times else None


def prune_alerts(cutoff: datetime) -> dict[str, int]:
    """`candor prune`: payloads processed before `cutoff`, alerts resolved and let go before it."""
    _, payloads = AlertPayload.objects.filter(
        received_at__lt=cutoff, processed_at__isnull=False
    ).delete()
    _, old = Alert.objects.filter(ends_at__lt=cutoff, acting=False).delete()
    return {
        "alert payloads": payloads.get("core.AlertPayload", 0),
        "resolved alerts": old.get("core.Alert", 0),
    }


def release_all(integration: Integration, *, at: datetime) -> None:
    """A revoked integration holds nothing (its incidents stay: people read them)."""
    held = list(Alert.objects.select_for_update().filter(integration=integration, acting=True))
    ids = {a.component_id for a in held if a.layer and a.component_id}
    Alert.objects.filter(pk__in=[a.pk for a in held]).update(acting=False, updated_at=at)
    if ids:
        recompute(ids, at=at, cause=f"integration {integration.name} revoked"[:255])
        touch_page(integration.page_id)
