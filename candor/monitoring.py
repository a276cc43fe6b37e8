"""/healthz's checks and /metrics' text: what the delivery side (core.health) and the public read
path (public.health) report, put together. Read-only: a few indexed queries per request."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, connection

from candor.core import health
from candor.core.health import Check
from candor.core.models import DeliveryState, Page, SubscriberMode
from candor.core.services.base import now
from candor.public import health as public_health
from candor.public.models import RenderState

logger = logging.getLogger("candor.health")


# --- /healthz ------------------------------------------------------------------------------


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("health: database unreachable (%s)", exc)
        return Check("database", False, "unreachable")
    return Check("database", True, "answered")


def check_public(*, errors: bool = False) -> Check:
    """Public documents whose latest render failed: each is named by its path (public anyway);
    the errors themselves only in the detailed listing."""
    try:
        failures = public_health.render_failures()
    except Exception:
        logger.exception("health: render_failures() raised")
        return Check("public", False, "the render's report could not be read")
    if not failures:
        return Check("public", True, "every document rendered")
    shown = [f"{f.path} ({f.error})" if errors else f.path for f in failures]
    noun = "document fails" if len(failures) == 1 else "documents fail"
    return Check("public", False, f"{len(failures)} {noun} to render: {', '.join(shown)}")


def check_publish(*, errors: bool = False) -> Check:
    """Publish targets failing for longer than CANDOR_HEALTH_PUBLISH_SECONDS: the copy that
    keeps the page up when Candor's host is down has gone stale. A shorter failure is retried
    on the ledger's schedule and passes. Targets are named by their place in
    CANDOR_PUBLISH_TARGETS and their scheme, never by URL or error (docs/decisions.md)."""
    total = len(settings.CANDOR_PUBLISH_TARGETS)
    if not total:
        return Check("publish", True, "no publish targets configured")
    limit = settings.CANDOR_HEALTH_PUBLISH_SECONDS
    if not limit:
        return Check("publish", True, "not checked (CANDOR_HEALTH_PUBLISH_SECONDS=0)")
    at = now()
    failing = [
        (f, max(0.0, (at - f.failing_since).total_seconds()))
        for f in public_health.publish_failures()
        if f.failing_since is not None
    ]
    noun = "target" if total == 1 else "targets"
    over = [(f, age) for f, age in failing if age > limit]
    if not over:
        if not failing:
            return Check("publish", True, f"{total} {noun}, none failing")
        oldest = max(age for _, age in failing)
        return Check(
            "publish",
            True,
            f"{len(failing)} of {total} {noun} failing for {_seconds(oldest)}, retrying "
            f"(limit {_seconds(limit)})",
        )
    shown = [
        f"#{f.position} {f.scheme} for {_seconds(age)}"
        + (f" ({f.attempts} failed attempt{'s' if f.attempts != 1 else ''})" if errors else "")
        for f, age in over
    ]
    return Check(
        "publish",
        False,
        f"{len(over)} of {total} {noun} failing for longer than {_seconds(limit)}: "
        + ", ".join(shown),
    )


def _seconds(value: float) -> str:
    return f"{value:.0f} s"  # as core.health says it


def _guarded(name: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except DatabaseError as exc:
        logger.warning("health: %s check failed on the database (%s)", name, exc)
        return Check(name, False, "not checked: the database failed")


def checks(*, errors: bool = False) -> list[Check]:
    """Every check, in a fixed order. Without a database the ledger and heartbeats cannot be
    read, so those checks fail too: nobody can tell whether notifications still go out."""
    database = check_database()
    if database.ok:
        worker = _guarded("worker", health.check_worker)
        deliveries = _guarded("deliveries", health.check_delivery_lag)
        publish = _guarded("publish", lambda: check_publish(errors=errors))
    else:
        worker = Check("worker", False, "not checked: the database is unreachable")
        deliveries = Check("deliveries", False, "not checked: the database is unreachable")
        publish = (
            Check("publish", False, "not checked: the database is unreachable")
            if settings.CANDOR_PUBLISH_TARGETS
            else check_publish()
        )
    return [database, worker, deliveries, check_public(errors=errors), publish]


# --- /metrics (Prometheus text format 0.0.4) -----------------------------------------------


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Exposition:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]

    def sample(self, name: str, value: float, **labels: str) -> None:
        inner = ",".join(f'{key}="{_label(str(v))}"' for key, v in labels.items())
        self.lines.append(
            f"{name}{{{inner}}} {_number(value)}" if inner else f"{name} {_number(value)}"
        )

    def gauge(
        self, name: str, help_text: str, samples: Iterable[tuple[dict[str, str], float]]
    ) -> None:
        self.family(name, "gauge", help_text)
        for labels, value in samples:
            self.sample(name, value, **labels)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _age(at: datetime | None, reference: datetime) -> float:
    return max(0.0, (reference - at).total_seconds()) if at else 0.0


def _deliveries(out: Exposition, at: datetime) -> None:
    counts = health.delivery_counts()
    out.gauge(
        "candor_deliveries",
        "Deliveries in the ledger (90 days) by state and channel.",
        (
            ({"state": state.value, "channel": channel.value}, counts.get((state, channel), 0))
            for state in DeliveryState
            for channel in SubscriberMode
        ),
    )
    out.gauge(
        "candor_delivery_oldest_due_age_seconds",
        "Seconds the longest-waiting due delivery has waited (0 when nothing is due).",
        [({}, _age(health.oldest_due_delivery(), at))],
    )
    latency = health.send_latency()
    name = "candor_delivery_send_latency_seconds"
    out.family(
        name,
        "histogram",
        "Seconds from fan-out to sent, over the deliveries created in the last hour and sent.",
    )
    for bound, count in latency.buckets:
        out.sample(f"{name}_bucket", count, le=repr(float(bound)))
    out.sample(f"{name}_bucket", latency.count, le="+Inf")
    out.sample(f"{name}_sum", latency.total_seconds)
    out.sample(f"{name}_count", latency.count)


def _workers(out: Exposition, at: datetime) -> None:
    last = health.last_heartbeat()
    out.gauge(
        "candor_worker_heartbeat_age_seconds",
        "Seconds since the most recent delivery worker heartbeat (absent before any worker ran).",
        [({}, _age(last, at))] if last else [],
    )
    within = settings.CANDOR_HEALTH_WORKER_SECONDS or 60.0
    out.gauge(
        "candor_workers_alive",
        "Delivery workers whose last heartbeat is within CANDOR_HEALTH_WORKER_SECONDS.",
        [({}, health.workers_alive(within))],
    )


def _documents(out: Exposition, at: datetime) -> None:
    pages = list(Page.objects.values_list("id", "version"))
    states = {s.page_id: s for s in RenderState.objects.all()}
    out.gauge(
        "candor_page_version",
        "Each page's current version (bumped by every public change).",
        (({"page": page_id}, version) for page_id, version in pages),
    )
    out.gauge(
        "candor_public_version",
        "The page version whose public documents are stored and served.",
        (({"page": page_id}, s.version) for page_id, s in states.items()),
    )
    out.gauge(
        "candor_public_rendered_age_seconds",
        "Seconds since each page's public documents were last rendered.",
        (({"page": page_id}, _age(s.rendered_at, at)) for page_id, s in states.items()),
    )


def _timestamp(at: datetime | None) -> float:
    return at.timestamp() if at else 0.0


def _publish(out: Exposition, at: datetime) -> None:
    states = public_health.publish_states()
    labelled = [({"target": str(s.position), "scheme": s.scheme}, s) for s in states]
    out.gauge(
        "candor_publish_last_success_timestamp_seconds",
        "Unix time of each publish target's last successful publish (0 before its first).",
        ((labels, _timestamp(s.published_at)) for labels, s in labelled),
    )
    out.gauge(
        "candor_publish_failing_since_timestamp_seconds",
        "Unix time of each publish target's first failure since its last success (0 when healthy).",
        ((labels, _timestamp(s.failing_since)) for labels, s in labelled),
    )
    out.gauge(
        "candor_publish_version",
        "The page version each publish target holds (0 before its first publish).",
        ((labels, s.published_version or 0) for labels, s in labelled),
    )


def metrics_text() -> str:
    at = now()
    out = Exposition()
    results = checks()
    out.gauge(
        "candor_health_check",
        "1 when the /healthz check passes, 0 when it fails.",
        (({"check": c.name}, 1 if c.ok else 0) for c in results),
    )
    if results[0].ok:
        for section in (_deliveries, _workers, _documents, _publish):
            try:
                section(out, at)
            except DatabaseError as exc:
                logger.warning("metrics: %s skipped (%s)", section.__name__, exc)
    _public(out)
    return out.text()


def _public(out: Exposition) -> None:
    try:
        failures = public_health.render_failures()
        seconds = public_health.render_seconds()
    except Exception:
        logger.exception("metrics: the render's report could not be read")
        return
    out.gauge(
        "candor_public_render_failures",
        "Public documents whose latest render failed (they keep serving their last version).",
        [({}, len(failures))],
    )
    out.gauge(
        "candor_public_render_failing",
        "1 for each public document whose latest render failed.",
        (({"page": f.page_id, "path": f.path}, 1) for f in failures),
    )
    out.gauge(
        "candor_public_render_seconds",
        "Seconds the latest render of each page's public documents took.",
        (({"page": page_id}, value) for page_id, value in seconds.items()),
    )
