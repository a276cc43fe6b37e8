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
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q

from candor.core import events, health
from candor.core.jobs import Job, Schedule
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
    "revision_id",
    "status_change_id",
    "state",
    "attempts",
    "subscriber__page_id",
    "subscriber__mode",
    "subscriber__state",
    "subscriber__email",
    "subscriber__endpoint",
    "subscriber__secret",
    "team_channel_id",
    "event",
    "team_channel__mode",
    "team_channel__endpoint",
    "team_channel__email",
    "team_channel__name",
    # What a disabled channel's notice to the Administrators says.
    "team_channel__disabled_at",
    "team_channel__last_error",
)


def _load(ids: list[int], token: str) -> list[Delivery]:
    """The claimed rows with their subscribers; updates, changes and pages loaded once each
    (a fan-out is thousands of rows about one update)."""
    deliveries = list(
        # By primary key: the ledger keeps 90 days of rows, and the token has no index.
        Delivery.objects.filter(pk__any=ids, lease_token=token)
        .select_related("subscriber", "team_channel")
        .only(*_SENDING_FIELDS)
        .order_by("pk")
    )
    update_ids = {d.update_id for d in deliveries if d.update_id}
    change_ids = {d.status_change_id for d in deliveries if d.status_change_id}
    updates = IncidentUpdate.objects.select_related("incident__page").in_bulk(update_ids)
    changes = ComponentStatusChange.objects.select_related("component__group").in_bulk(change_ids)
    pages = {u.incident.page_id: u.incident.page for u in updates.values()}
    missing = {d.subscriber.page_id for d in deliveries if d.subscriber} - set(pages)
    missing |= {d.page_id for d in deliveries if d.team_channel_id and d.page_id}
    pages.update(Page.objects.in_bulk(missing - set(pages)))
    # Mails to users (reminders, password resets): a few rows, loaded with what they speak of.
    users = get_user_model().objects.in_bulk({d.user_id for d in deliveries if d.user_id})
    incidents = Incident.objects.select_related("page").in_bulk(
        {d.incident_id for d in deliveries if d.incident_id}
    )
    for d in deliveries:
        if d.subscriber is not None:
            d.subscriber.page = pages[d.subscriber.page_id]
        if d.team_channel_id and d.page_id:
            d.page = pages[d.page_id]
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
    from candor.core import subscriptions, teamchannels

    skipped = [o.delivery.pk for o in outcomes if o.skipped]
    outcomes = [o for o in outcomes if not o.skipped]
    if skipped:
        Delivery.objects.filter(pk__in=skipped).update(lease_until=None, attempts=F("attempts") - 1)
    if not outcomes:
        return
    at = now()
    waited = [o for o in outcomes if o.retry_after is not None]
    if waited:
        _wait(waited, at)
        outcomes = [o for o in outcomes if o.retry_after is None]
    sent = [o.delivery.pk for o in outcomes if o.ok]
    # What a notification's outcome says about its subscriber; another mail's says nothing (a
    # webhook's contact address refusing the quarantine notice is not the webhook's failure).
    notified = [o for o in outcomes if o.delivery.kind == DeliveryKind.NOTIFICATION]
    quarantine: dict[str, str] = {}
    disable: dict[str, str] = {}
    disable_team: dict[str, str] = {}
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
            if delivery.kind == DeliveryKind.TEAM_EVENT and error.subscriber == "disable":
                # A team channel's webhook was deleted: the same rule as a chat subscriber's.
                assert delivery.team_channel_id is not None
                disable_team[delivery.team_channel_id] = error.message
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
            elif error.subscriber == "quarantine" or delivery.subscriber.by_url:
                # A webhook or chat channel that failed its whole schedule; a mailbox that
                # refused with 5xx.
                quarantine[delivery.subscriber.pk] = error.message
    for subscriber_id, reason in disable.items():
        subscriptions.disable(subscriber_id, reason)
    for subscriber_id, reason in quarantine.items():
        subscriptions.quarantine(subscriber_id, reason)
    for team_id, reason in disable_team.items():
        teamchannels.disable(team_id, reason)


def _wait(outcomes: list[Outcome], at: Any) -> None:
    """The service said 429: the attempt is logged, and the delivery goes again when it said,
    neither counting against the retry schedule nor against the subscriber."""
    DeliveryAttempt.objects.bulk_create(
        [
            DeliveryAttempt(
                delivery_id=o.delivery.pk,
                at=at,
                ok=False,
                error=o.error.message[:2000] if o.error else "",
                duration_ms=o.duration_ms,
            )
            for o in outcomes
        ]
    )
    for o in outcomes:
        assert o.retry_after is not None
        Delivery.objects.filter(pk=o.delivery.pk, state=DeliveryState.PENDING).update(
            lease_until=None,
            attempts=F("attempts") - 1,
            next_attempt_at=at + timedelta(seconds=o.retry_after),
            last_error=o.error.message[:2000] if o.error else "",
        )


# --- The worker loop ----------------------------------------------------------------------------


def channel(delivery: Delivery) -> str:
    """A notification goes over its subscriber's channel, a team event over its team channel's,
    a webhook's test ping to the webhook; every other kind is an email."""
    if delivery.kind == DeliveryKind.NOTIFICATION and delivery.subscriber is not None:
        return delivery.subscriber.mode
    if delivery.kind == DeliveryKind.TEAM_EVENT and delivery.team_channel is not None:
        return delivery.team_channel.mode
    if delivery.kind == DeliveryKind.WEBHOOK_PING:
        return SubscriberMode.WEBHOOK
    return SubscriberMode.EMAIL


def groups(deliveries: list[Delivery]) -> tuple[list[list[Delivery]], list[list[Delivery]]]:
    """Emails in batches, one SMTP connection each; every other channel (webhooks and the like,
    an HTTP request each) one subscriber at a time, so that its updates arrive in order."""
    emails = [d for d in deliveries if channel(d) == SubscriberMode.EMAIL]
    requests: dict[str | None, list[Delivery]] = defaultdict(list)
    for d in deliveries:
        if channel(d) != SubscriberMode.EMAIL:
            requests[d.subscriber_id or f"team:{d.team_channel_id}"].append(d)
    size = max(1, settings.CANDOR_EMAIL_BATCH)
    return [emails[i : i + size] for i in range(0, len(emails), size)], list(requests.values())


def _fresh() -> None:
    """Drop a connection a database restart broke (never inside a transaction, as tests are)."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


# What the senders hand back to the loop: the group they were given and what happened to it
# (nothing, when the transport itself failed: the lease expires and the group goes again).
Finished = tuple[list[Delivery], list[Outcome]]


class Worker:
    """One loop, in one thread: claim what is due, hand it to the senders, record what they
    report. Every database write happens in the loop, in batches; the senders only send.

    Emails go out on `threads` threads (one SMTP connection each), HTTP requests (webhooks)
    on `webhook_threads` of their own: a slow receiver holds up neither the mail nor the
    others. Senders report through `inbox`, which is also how the worker is woken (a commit,
    a NOTIFY, SIGTERM), so the loop has one place to wait. `threads=0` sends in the calling
    thread: what tests use inside their transaction.
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
        # SimpleQueue: put() is safe from a signal handler, which is where stop() runs.
        self.inbox: queue.SimpleQueue[Finished | None] = queue.SimpleQueue()
        self.held: set[int] = set()  # claimed and not yet recorded; the loop's alone
        self.sent = 0
        self.failed = 0
        self._local = threading.local()
        self._transports: list[Transport] = []
        self._transports_lock = threading.Lock()
        self._email_pool = ThreadPoolExecutor(
            max(1, self.threads), thread_name_prefix="candor-email"
        )
        self._request_pool = ThreadPoolExecutor(
            max(1, self.webhook_threads), thread_name_prefix="candor-webhook"
        )

    def stop(self, *args: object) -> None:
        self.stopping.set()
        self.inbox.put(None)

    def poke(self, **kwargs: object) -> None:
        self.inbox.put(None)

    def in_flight(self) -> int:
        return len(self.held)

    # Claim
    def claim(self) -> int:
        """Claim what is due, as much as fits in flight, and hand it to the senders."""
        room = self.max_in_flight - len(self.held)
        deliveries = claim(min(room, self.claim_size)) if room > 0 else []
        self.held.update(d.pk for d in deliveries)
        emails, requests = groups(deliveries)
        # Requests first: a webhook waits on a receiver, while a batch of mail keeps a thread busy.
        for pool, batch in ((self._request_pool, requests), (self._email_pool, emails)):
            for group in batch:
                if self.threads:
                    pool.submit(self._send, group)
                else:
                    self._send(group)
        return len(deliveries)

    # Send (in the pools' threads)
    def _send(self, group: list[Delivery]) -> None:
        try:
            outcomes = self._transport(channel(group[0])).send(group)
        except Exception:
            logger.exception("sending %d deliveries failed", len(group))
            outcomes = []
        self.inbox.put((group, outcomes))

    def _transport(self, mode: str) -> Transport:
        transports: dict[str, Transport] = self._local.__dict__.setdefault("transports", {})
        if mode not in transports:
            transports[mode] = transport_for(mode)
            with self._transports_lock:
                self._transports.append(transports[mode])
        return transports[mode]

    # Record
    def collect(self, wait: float) -> tuple[list[Finished], bool]:
        """What the senders finished, waiting up to `wait` seconds for the first of it, then
        gathering for a moment (RECORD_GATHER) so that webhooks, which finish one at a time,
        are recorded many to a transaction. Also says whether someone woke the worker."""
        finished: list[Finished] = []
        count = 0
        woke = False
        until = None
        timeout = wait
        while True:
            try:
                item = self.inbox.get(timeout=timeout) if timeout > 0 else self.inbox.get_nowait()
            except queue.Empty:
                return finished, woke
            if item is None:
                woke = True
            else:
                finished.append(item)
                count += len(item[0])
            if until is None:
                until = time.monotonic() + RECORD_GATHER
            if woke or count >= RECORD_BATCH or count >= len(self.held):
                timeout = 0.0  # take what is already there, wait for nothing more
            else:
                timeout = max(0.0, until - time.monotonic())

    def record(self, finished: list[Finished]) -> None:
        outcomes = [o for _, group_outcomes in finished for o in group_outcomes]
        try:
            if outcomes:
                _fresh()
                record(outcomes)
                self.sent += sum(o.ok for o in outcomes)
                self.failed += sum(o.error is not None for o in outcomes)
        except DatabaseError:
            # The outcomes are lost; the leases expire and the deliveries go again (same ids).
            logger.exception("could not record %d deliveries", len(outcomes))
            if not connection.in_atomic_block:
                connection.close()
        finally:
            for group, _ in finished:
                self.held.difference_update(d.pk for d in group)

    # The loops
    def run_once(self) -> int:
        """Claim, send and record what is back (with `threads=0`, everything claimed)."""
        claimed = self.claim()
        self.record(self.collect(0)[0])
        return claimed

    def drain(self, timeout: float = 30.0) -> None:
        """Send everything due now and wait for it (tests and `candor worker --once`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            claimed = self.claim()
            finished, _ = self.collect(0 if claimed or not self.held else 0.05)
            self.record(finished)
            if not claimed and not self.held:
                return
        raise TimeoutError("deliveries still in flight")

    def run(self, *, poll: float = 0.5, jobs: Sequence[Job] = ()) -> None:
        """Until stopped: claim, send, record; the timed jobs when due; heartbeats and leases."""
        events.deliveries_created.connect(self.poke, dispatch_uid=f"worker-{id(self)}")
        channels = [CHANNEL, *{c for job in jobs for c in job.channels}]
        listener = Listener(self.poke, channels) if connection.vendor == "postgresql" else None
        if listener:
            listener.start()
        schedule = Schedule(jobs)
        upkeep = Upkeep()
        woke = False
        logger.info(
            "delivery worker started: %d email threads, %d webhook threads",
            self.threads,
            self.webhook_threads,
        )
        try:
            while not self.stopping.is_set():
                try:
                    _fresh()
                    upkeep.run(self.held)
                    claimed = self.claim()
                    schedule.run_due(woke=woke)
                    wait = 0.0 if claimed else min(poll, schedule.seconds_to_next())
                    finished, woke = self.collect(wait)
                    self.record(finished)
                except DatabaseError as exc:
                    logger.warning("database unavailable (%s); retrying in 1 s", exc)
                    connection.close()
                    self.stopping.wait(1.0)
        finally:
            # SIGTERM: nothing new is claimed; what was claimed is finished and recorded.
            logger.info("delivery worker stopping; finishing %d in flight", len(self.held))
            self.finish()
            events.deliveries_created.disconnect(dispatch_uid=f"worker-{id(self)}")
            if listener:
                listener.stop()

    def finish(self) -> None:
        """Wait for every send, record it, then close the connections."""
        self._email_pool.shutdown(wait=True)
        self._request_pool.shutdown(wait=True)
        while self.held:
            finished, _ = self.collect(0)
            if not finished:
                break
            self.record(finished)
        self.close()

    def close(self) -> None:
        with self._transports_lock:
            transports, self._transports = self._transports, []
        for transport in transports:
            try:
                transport.close()
            except Exception:
                logger.exception("closing a transport failed")


class Upkeep:
    """What a running worker does besides sending: a heartbeat for /healthz, and leases renewed
    on what waits in the pools so that another worker does not take it."""

    def __init__(self) -> None:
        self.started_at = now()
        self.heartbeat: int | None = None
        self.last_beat = -float("inf")
        self.last_renew = time.monotonic()

    def run(self, held: set[int]) -> None:
        if time.monotonic() - self.last_beat >= health.heartbeat_every():
            self.heartbeat = health.beat(self.heartbeat, started_at=self.started_at)
            self.last_beat = time.monotonic()
        if time.monotonic() - self.last_renew > settings.CANDOR_DELIVERY_LEASE / 3:
            renew(held)
            self.last_renew = time.monotonic()


class Listener(threading.Thread):
    """PostgreSQL LISTEN: wakes the worker the moment a fan-out (or, on the jobs' channels, what
    a job waits for) commits."""

    def __init__(self, wake: Callable[[], None], channels: Sequence[str] = (CHANNEL,)) -> None:
        super().__init__(name="candor-listen", daemon=True)
        self.wake = wake
        self.channels = list(channels)
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
                    for name in self.channels:
                        conn.execute(f"LISTEN {name}")
                    self.wake()  # anything committed while we were away
                    while not self.stopping.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            self.wake()
            except Exception as exc:
                logger.warning("LISTEN connection lost (%s); reconnecting", exc)
                self.stopping.wait(1.0)
