"""The delivery worker: claim due deliveries with a lease, send them, record every attempt.

At-least-once: a delivery is marked sent only after its transport returned; a worker that dies
leaves its claims to expire, and another worker sends them again with the same webhook-id or
Message-ID. Claims use `SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL, so that several
workers never take the same row; on SQLite a claim is one write transaction (BEGIN IMMEDIATE)
ending in a conditional UPDATE. Leases are renewed while work waits in the thread pool.
"""

from __future__ import annotations

import logging
import queue
import random
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q

from candor.core import events, health
from candor.core.models import (
    ComponentStatusChange,
    Delivery,
    DeliveryAttempt,
    DeliveryKind,
    DeliveryState,
    Incident,
    IncidentUpdate,
    Page,
    Subscriber,
    SubscriberMode,
)
from candor.core.notifications import CHANNEL
from candor.core.services.base import now
from candor.core.transports import Outcome, Transport, transport_for

logger = logging.getLogger("candor.worker")

HOUSEKEEPING_EVERY = 30.0
# Outcomes are written in one transaction per RECORD_BATCH, gathered for up to RECORD_GATHER s.
RECORD_BATCH = 500
RECORD_GATHER = 0.05


# --- The ledger ---------------------------------------------------------------------------------


def _claimable(at: Any) -> Q:
    return Q(state=DeliveryState.PENDING, next_attempt_at__lte=at) & (
        Q(lease_until__isnull=True) | Q(lease_until__lt=at)
    )


def claim(limit: int, *, lease: float | None = None) -> list[Delivery]:
    """Take up to `limit` due deliveries for this worker; returns them ready to send."""
    at = now()
    until = at + timedelta(seconds=lease or settings.CANDOR_DELIVERY_LEASE)
    token = secrets.token_hex(16)
    due = Delivery.objects.filter(_claimable(at)).order_by("next_attempt_at", "pk")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True)
        rows = list(due.values_list("pk", "subscriber_id")[:limit])
        if not rows:
            return []
        # A subscriber's delivery waits while another one to it is in flight: updates arrive
        # in order. (Checked for the candidates only: a join over every pending row would make
        # each claim cost as much as the whole backlog.)
        busy = set(
            Delivery.objects.filter(
                subscriber_id__any={s for _, s in rows if s is not None},
                state=DeliveryState.PENDING,
                lease_until__gte=at,
            ).values_list("subscriber_id", flat=True)
        )
        ids = [pk for pk, subscriber_id in rows if subscriber_id not in busy]
        if not ids:
            return []
        Delivery.objects.filter(_claimable(at), pk__any=ids).update(
            lease_until=until, lease_token=token, attempts=F("attempts") + 1
        )
    return _load(ids, token)


# What sending and recording read: building thousands of whole rows (a dozen timestamps each)
# cost more than sending them. A test counts the queries, so a field missing here shows.
_SENDING_FIELDS = (
    "kind",
    "page_id",
    "user_id",
    "incident_id",
    "subscriber_id",
    "update_id",
    "status_change_id",
    "state",
    "attempts",
    "subscriber__page_id",
    "subscriber__mode",
    "subscriber__state",
    "subscriber__email",
    "subscriber__endpoint",
    "subscriber__secret",
)


def _load(ids: list[int], token: str) -> list[Delivery]:
    """The claimed rows with their subscribers; updates, changes and pages loaded once each
    (a fan-out is thousands of rows about one update)."""
    deliveries = list(
        # By primary key: the ledger keeps 90 days of rows, and the token has no index.
        Delivery.objects.filter(pk__any=ids, lease_token=token)
        .select_related("subscriber")
        .only(*_SENDING_FIELDS)
        .order_by("pk")
    )
    update_ids = {d.update_id for d in deliveries if d.update_id}
    change_ids = {d.status_change_id for d in deliveries if d.status_change_id}
    updates = IncidentUpdate.objects.select_related("incident__page").in_bulk(update_ids)
    changes = ComponentStatusChange.objects.select_related("component__group").in_bulk(change_ids)
    pages = {u.incident.page_id: u.incident.page for u in updates.values()}
    missing = {d.subscriber.page_id for d in deliveries if d.subscriber} - set(pages)
    pages.update(Page.objects.in_bulk(missing))
    # Mails to users (reminders, password resets): a few rows, loaded with what they speak of.
    users = get_user_model().objects.in_bulk({d.user_id for d in deliveries if d.user_id})
    incidents = Incident.objects.select_related("page").in_bulk(
        {d.incident_id for d in deliveries if d.incident_id}
    )
    for d in deliveries:
        if d.subscriber is not None:
            d.subscriber.page = pages[d.subscriber.page_id]
        if d.user_id:
            d.user = users[d.user_id]
        if d.incident_id:
            d.incident = incidents[d.incident_id]
        if d.update_id:
            d.update = updates[d.update_id]
        if d.status_change_id:
            d.status_change = changes[d.status_change_id]
    return deliveries


def renew(ids: Iterable[int], *, lease: float | None = None) -> None:
    ids = list(ids)
    if ids:
        until = now() + timedelta(seconds=lease or settings.CANDOR_DELIVERY_LEASE)
        Delivery.objects.filter(pk__any=ids, state=DeliveryState.PENDING).update(lease_until=until)


def next_delay(attempts: int) -> float | None:
    """Seconds until the next attempt after `attempts` failed ones; None when the schedule ends."""
    schedule = settings.CANDOR_RETRY_SCHEDULE
    if attempts >= len(schedule):
        return None
    jitter = settings.CANDOR_RETRY_JITTER
    return float(schedule[attempts]) * random.uniform(1 - jitter, 1 + jitter)


def record(outcomes: list[Outcome]) -> None:
    """Write what happened: attempts, sent rows, the next attempt of failed ones."""
    from candor.core import subscriptions

    skipped = [o.delivery.pk for o in outcomes if o.skipped]
    outcomes = [o for o in outcomes if not o.skipped]
    if skipped:
        Delivery.objects.filter(pk__in=skipped).update(lease_until=None, attempts=F("attempts") - 1)
    if not outcomes:
        return
    at = now()
    sent = [o.delivery.pk for o in outcomes if o.ok]
    # What a notification's outcome says about its subscriber; another mail's says nothing (a
    # webhook's contact address refusing the quarantine notice is not the webhook's failure).
    notified = [o for o in outcomes if o.delivery.kind == DeliveryKind.NOTIFICATION]
    quarantine: dict[str, str] = {}
    disable: dict[str, str] = {}
    with transaction.atomic():
        DeliveryAttempt.objects.bulk_create(
            [
                DeliveryAttempt(
                    delivery_id=o.delivery.pk,
                    at=at,
                    ok=o.ok,
                    error=o.error.message[:2000] if o.error else "",
                    duration_ms=o.duration_ms,
                )
                for o in outcomes
            ]
        )
        if sent:
            Delivery.objects.filter(pk__any=sent).exclude(state=DeliveryState.SENT).update(
                state=DeliveryState.SENT, sent_at=at, lease_until=None, last_error=""
            )
            Subscriber.objects.filter(
                pk__any={o.delivery.subscriber_id for o in notified if o.ok},
                consecutive_failures__gt=0,
            ).update(consecutive_failures=0)
        for outcome in outcomes:
            error = outcome.error
            if error is None:
                continue
            delivery = outcome.delivery
            delay = None if error.permanent else next_delay(delivery.attempts)
            fields: dict[str, Any] = {"lease_until": None, "last_error": error.message[:2000]}
            if delay is None:
                fields["state"] = DeliveryState.FAILED
            else:
                fields["next_attempt_at"] = at + timedelta(seconds=delay)
            Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING).update(**fields)
            if delivery.kind != DeliveryKind.NOTIFICATION or delivery.subscriber is None:
                continue
            Subscriber.objects.filter(pk=delivery.subscriber_id).update(
                consecutive_failures=F("consecutive_failures") + 1,
                last_error=error.message[:2000],
            )
            if delay is not None:
                continue
            if error.subscriber == "disable":
                disable[delivery.subscriber.pk] = error.message
            elif error.subscriber == "quarantine" or delivery.subscriber.is_webhook:
                # A webhook that failed its whole schedule; a mailbox that refused with 5xx.
                quarantine[delivery.subscriber.pk] = error.message
    for subscriber_id, reason in disable.items():
        subscriptions.disable(subscriber_id, reason)
    for subscriber_id, reason in quarantine.items():
        subscriptions.quarantine(subscriber_id, reason)


# --- The worker loop ----------------------------------------------------------------------------


def channel(delivery: Delivery) -> str:
    """A notification goes over its subscriber's channel; every other kind is an email."""
    if delivery.kind == DeliveryKind.NOTIFICATION and delivery.subscriber is not None:
        return delivery.subscriber.mode
    return SubscriberMode.EMAIL


def _groups(deliveries: list[Delivery]) -> tuple[list[list[Delivery]], list[list[Delivery]]]:
    """Emails in batches (one SMTP connection each); webhooks one subscriber at a time, in order."""
    emails = [d for d in deliveries if channel(d) == SubscriberMode.EMAIL]
    hooks: dict[str, list[Delivery]] = defaultdict(list)
    for d in deliveries:
        if channel(d) == SubscriberMode.WEBHOOK:
            assert d.subscriber_id is not None
            hooks[d.subscriber_id].append(d)
    size = max(1, settings.CANDOR_EMAIL_BATCH)
    return [emails[i : i + size] for i in range(0, len(emails), size)], list(hooks.values())


def _fresh() -> None:
    """Drop a connection a database restart broke (never inside a transaction, as tests are)."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


class Worker:
    """Emails go out on `threads` threads (one SMTP connection each), webhooks on
    `webhook_threads` of their own: a slow receiver holds up neither the mail nor the others.
    `threads=0` sends everything in the calling thread: what tests use inside their transaction.
    """

    def __init__(
        self,
        threads: int | None = None,
        *,
        webhook_threads: int | None = None,
        claim_size: int = 500,
    ) -> None:
        self.threads = settings.CANDOR_WORKER_THREADS if threads is None else max(0, threads)
        hook_threads = (
            settings.CANDOR_WEBHOOK_THREADS if webhook_threads is None else webhook_threads
        )
        self.webhook_threads = max(1, hook_threads) if self.threads else 0
        self.claim_size = claim_size
        self.max_in_flight = max(
            claim_size * 2, self.threads * settings.CANDOR_EMAIL_BATCH + self.webhook_threads
        )
        self.stopping = threading.Event()
        self.wake = threading.Event()
        self._local = threading.local()
        self._transports: list[Transport] = []
        self._lock = threading.Lock()
        self._held: set[int] = set()
        self._pool = ThreadPoolExecutor(max(1, self.threads), thread_name_prefix="candor-email")
        self._hook_pool = ThreadPoolExecutor(
            max(1, self.webhook_threads), thread_name_prefix="candor-webhook"
        )
        # Set whenever outcomes are recorded and their rows leave the worker's hands. (Waiting
        # on the futures instead, with concurrent.futures.wait() over a thousand webhooks once
        # per finished one, cost more than sending them.)
        self._progress = threading.Event()
        self._outcomes: queue.Queue[list[Outcome] | None] = queue.Queue()
        self._recorder: threading.Thread | None = None
        self.sent = 0
        self.failed = 0

    # Signals and wake-ups
    def stop(self, *args: object) -> None:
        self.stopping.set()
        self.wake.set()

    def poke(self, **kwargs: object) -> None:
        self.wake.set()

    # Sending, in pool threads
    def _transport(self, mode: str) -> Transport:
        transports: dict[str, Transport] = self._local.__dict__.setdefault("transports", {})
        if mode not in transports:
            transports[mode] = transport_for(mode)
            with self._lock:
                self._transports.append(transports[mode])
        return transports[mode]

    def _attempt(self, group: list[Delivery]) -> list[Outcome]:
        try:
            return self._transport(channel(group[0])).send(group)
        except Exception:
            logger.exception("sending %d deliveries failed", len(group))
            self._release(group)
            return []

    def _send(self, group: list[Delivery]) -> None:
        outcomes = self._attempt(group)
        if outcomes:
            self._outcomes.put(outcomes)  # the recorder writes them, so senders never wait

    def _release(self, deliveries: Iterable[Delivery]) -> None:
        with self._lock:
            self._held.difference_update(d.pk for d in deliveries)
        self._progress.set()

    def _record(self, outcomes: list[Outcome]) -> None:
        try:
            _fresh()
            record(outcomes)
            with self._lock:
                self.sent += sum(o.ok for o in outcomes)
                self.failed += sum(o.error is not None for o in outcomes)
        except DatabaseError:
            # The outcome is lost; the lease expires and the delivery goes again (same id).
            logger.exception("could not record %d deliveries", len(outcomes))
            if not connection.in_atomic_block:
                connection.close()
        except Exception:
            logger.exception("recording %d deliveries failed", len(outcomes))
        finally:
            self._release(o.delivery for o in outcomes)

    def _recorder_loop(self) -> None:
        """Writes outcomes in batches: one transaction for many sends. Webhooks finish one at
        a time, so it gathers for a moment (RECORD_GATHER) rather than commit each alone."""
        done = False
        while not done:
            batch = self._outcomes.get()
            if batch is None:
                break
            until = time.monotonic() + RECORD_GATHER
            while len(batch) < RECORD_BATCH:
                try:
                    more = self._outcomes.get(timeout=max(0.0, until - time.monotonic()))
                except queue.Empty:
                    break
                if more is None:
                    done = True
                    break
                batch += more
            self._record(batch)
        connection.close()

    def start(self) -> None:
        if self.threads and self._recorder is None:
            self._recorder = threading.Thread(
                target=self._recorder_loop, name="candor-record", daemon=True
            )
            self._recorder.start()

    def finish(self) -> None:
        """Wait for every send and every record, then close the connections."""
        self._pool.shutdown(wait=True)
        self._hook_pool.shutdown(wait=True)
        if self._recorder is not None:
            self._outcomes.put(None)
            self._recorder.join()
            self._recorder = None
        self.close()

    # The loop
    def submit(self, deliveries: list[Delivery]) -> None:
        with self._lock:
            self._held.update(d.pk for d in deliveries)
        emails, hooks = _groups(deliveries)
        if not self.threads:
            # In the calling thread: everything claimed, then one record, as the recorder does.
            self._record([o for group in hooks + emails for o in self._attempt(group)])
            return
        for pool, groups in ((self._hook_pool, hooks), (self._pool, emails)):
            for group in groups:
                pool.submit(self._send, group)

    def in_flight(self) -> int:
        with self._lock:
            return len(self._held)

    def _settle(self, timeout: float) -> None:
        """Wait until some outcomes are recorded, at most `timeout` seconds."""
        self._progress.wait(timeout)
        self._progress.clear()

    def run_once(self) -> int:
        """Claim what is due (as much as fits in flight) and hand it to the pool."""
        room = self.max_in_flight - self.in_flight()
        if room <= 0:
            return 0
        deliveries = claim(min(room, self.claim_size))
        if deliveries:
            self.submit(deliveries)
        return len(deliveries)

    def drain(self, timeout: float = 30.0) -> None:
        """Send everything due now and wait for it (tests and `candor worker --once`)."""
        self.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            claimed = self.run_once()
            if not claimed and not self.in_flight():
                return
            self._settle(0.01 if claimed else 0.05)
        raise TimeoutError("deliveries still in flight")

    def run(self, *, poll: float = 0.5, housekeeping: Callable[[], None] | None = None) -> None:
        events.deliveries_created.connect(self.poke, dispatch_uid=f"worker-{id(self)}")
        listener = Listener(self.wake) if connection.vendor == "postgresql" else None
        if listener:
            listener.start()
        self.start()
        last_renew = last_house = time.monotonic()
        started_at = now()
        heartbeat: int | None = None
        last_beat = -float("inf")
        logger.info(
            "delivery worker started: %d email threads, %d webhook threads",
            self.threads,
            self.webhook_threads,
        )
        try:
            while not self.stopping.is_set():
                try:
                    _fresh()
                    if time.monotonic() - last_beat >= health.heartbeat_every():
                        # /healthz reads it: a worker that stops looping stops beating.
                        heartbeat = health.beat(heartbeat, started_at=started_at)
                        last_beat = time.monotonic()
                    claimed = self.run_once()
                    if time.monotonic() - last_renew > settings.CANDOR_DELIVERY_LEASE / 3:
                        with self._lock:
                            held = set(self._held)
                        renew(held)
                        last_renew = time.monotonic()
                    if housekeeping and time.monotonic() - last_house > HOUSEKEEPING_EVERY:
                        last_house = time.monotonic()
                        housekeeping()
                except DatabaseError as exc:
                    logger.warning("database unavailable (%s); retrying in 1 s", exc)
                    connection.close()
                    self.stopping.wait(1.0)
                    continue
                if claimed:
                    continue
                if self.in_flight() >= self.max_in_flight:
                    self._settle(poll)
                    continue
                self.wake.wait(poll)
                self.wake.clear()
        finally:
            # SIGTERM: nothing new is claimed; what was claimed is finished and recorded.
            logger.info("delivery worker stopping; finishing %d in flight", self.in_flight())
            self.finish()
            events.deliveries_created.disconnect(dispatch_uid=f"worker-{id(self)}")
            if listener:
                listener.stop()

    def close(self) -> None:
        with self._lock:
            transports, self._transports = self._transports, []
        for transport in transports:
            try:
                transport.close()
            except Exception:
                logger.exception("closing a transport failed")


class Listener(threading.Thread):
    """PostgreSQL LISTEN: wakes the worker the moment a fan-out commits."""

    def __init__(self, wake: threading.Event) -> None:
        super().__init__(name="candor-listen", daemon=True)
        self.wake = wake
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        import psycopg

        params = connection.settings_dict
        while not self.stopping.is_set():
            try:
                with psycopg.connect(
                    dbname=params["NAME"],
                    user=params["USER"] or None,
                    password=params["PASSWORD"] or None,
                    host=params["HOST"] or None,
                    port=params["PORT"] or None,
                    autocommit=True,
                    connect_timeout=5,
                ) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.wake.set()  # anything committed while we were away
                    while not self.stopping.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            self.wake.set()
            except Exception as exc:
                logger.warning("LISTEN connection lost (%s); reconnecting", exc)
                self.stopping.wait(1.0)
