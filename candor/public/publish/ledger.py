"""Continuous publishing: the worker's job, and the PublishTarget rows it keeps.

Each configured target is a row, claimed with a lease like a delivery in the ledger
(candor/core/worker.py): due when the page's render generation moved past what the target
holds and its next attempt has come. A claim publishes the current state, whatever the
generations in between were (a burst publishes once, the latest), and records the outcome: on
success the generation published, on failure the error and the next attempt, on the delivery
ledger's schedule (`next_delay`), repeating its last delay for as long as the target fails. A
worker killed mid-publish leaves its lease to expire and its manifest naming every file it may
have written; the next claim finishes the job.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from candor.core.models import Page
from candor.core.worker import next_delay
from candor.public.documents import CHANNEL
from candor.public.export import SiteFile, site_files
from candor.public.models import PublishTarget, RenderState
from candor.public.publish.errors import describe
from candor.public.publish.run import Outcome, Plan, execute, plan
from candor.public.publish.stores import Store, forget_credentials, store_for
from candor.public.publish.targets import parse_target

logger = logging.getLogger("candor.publish")

# On PostgreSQL a store's NOTIFY wakes the worker; this is the safety net. Elsewhere the job
# looks every CANDOR_PUBLIC_POLL_SECONDS (one small query).
LISTENING_CHECK_SECONDS = 30.0


def configured() -> list[str]:
    return list(settings.CANDOR_PUBLISH_TARGETS)


def ensure_rows(page: Page) -> None:
    have = set(PublishTarget.objects.filter(page=page).values_list("url", flat=True))
    for url in configured():
        if url not in have:
            PublishTarget.objects.get_or_create(
                page=page, url=url, defaults={"next_attempt_at": timezone.now()}
            )


def _lease_seconds() -> float:
    return float(settings.CANDOR_DELIVERY_LEASE)


def _free(at: datetime) -> Q:
    return Q(lease_until__isnull=True) | Q(lease_until__lt=at)


def claim(page: Page, urls: list[str], *, force: bool = False) -> list[PublishTarget]:
    """Lease the targets that are due (all of `urls` with `force`, if no other process holds
    them); returns the claimed rows."""
    at = timezone.now()
    generation = (
        RenderState.objects.filter(page=page).values_list("generation", flat=True).first() or 0
    )
    rows = PublishTarget.objects.filter(_free(at), page=page, url__in=urls)
    if not force:
        rows = rows.filter(
            Q(published_generation__isnull=True) | Q(published_generation__lt=generation),
            next_attempt_at__lte=at,
        )
    token = secrets.token_hex(16)
    until = at + timedelta(seconds=_lease_seconds())
    claimed = []
    for pk in list(rows.values_list("pk", flat=True)):
        # A conditional update: of several workers, one wins each row.
        won = PublishTarget.objects.filter(_free(at), pk=pk).update(
            lease_until=until, lease_token=token
        )
        if won:
            claimed.append(PublishTarget.objects.get(pk=pk))
    return claimed


def _renew(row: PublishTarget) -> None:
    until = timezone.now() + timedelta(seconds=_lease_seconds())
    PublishTarget.objects.filter(pk=row.pk, lease_token=row.lease_token).update(lease_until=until)


def _keep(row: PublishTarget, manifest: dict[str, str]) -> None:
    PublishTarget.objects.filter(pk=row.pk, lease_token=row.lease_token).update(
        manifest=dict(manifest)
    )


@dataclass
class Result:
    url: str
    plan: Plan | None = None
    outcome: Outcome = field(default_factory=Outcome)
    error: str = ""


class _Publisher(threading.Thread):
    """One target's network work, in a thread of its own: a slow or failing target does not
    hold up the others. Its manifest is saved by the caller's thread (database writes stay
    there, so tests inside a transaction see them), and the upload waits until it is: the
    names about to be written are on record before the first byte is."""

    def __init__(
        self, row: PublishTarget, files: list[SiteFile], dry_run: bool, saves: queue.Queue
    ) -> None:
        super().__init__(name=f"candor-publish-{row.pk}", daemon=True)
        self.row, self.files, self.dry_run, self.saves = row, files, dry_run, saves
        self.result = Result(row.url)
        self.manifest = dict(row.manifest)

    def _save(self, manifest: dict[str, str]) -> None:
        saved = threading.Event()
        self.saves.put((self, dict(manifest), saved))
        saved.wait()

    def run(self) -> None:
        try:
            store: Store = store_for(parse_target(self.row.url))
            held = store.inventory()
            todo = plan(self.files, held, self.manifest, store)
            self.result.plan = todo
            if not self.dry_run and self._prune(held):
                self._save(self.manifest)
            if not self.dry_run and not todo.empty:
                self.result.outcome = execute(store, todo, self.manifest, keep=self._save)
        except Exception as exc:
            self.result.error = describe(exc, self.row.url)
            if self.row.url.startswith("s3://"):
                # Refused keys, an expired token, a missing bucket: whatever the cause, the
                # next attempt reads the credential chain again, so corrected credentials are
                # used without a restart. A success keeps the session for the next publish.
                forget_credentials()
        finally:
            self.saves.put((self, None, None))

    def _prune(self, held: dict[str, str | None]) -> bool:
        """Forget the names the target does not hold and the site no longer has: nothing is
        left there to delete (a file removed by hand, an upload a killed worker never made),
        and the manifest would otherwise grow with every such name. Answers whether any was."""
        names = {f.name for f in self.files}
        gone = [n for n in self.manifest if n not in held and n not in names]
        for name in gone:
            del self.manifest[name]
        return bool(gone)


def publish(page: Page, rows: list[PublishTarget], *, dry_run: bool = False) -> list[Result]:
    """Publish the page's current state to each claimed row, in parallel, and record it."""
    if not rows:
        return []
    started = time.monotonic()
    state, files = site_files(page, render=False)
    rendered = time.monotonic() - started
    saves: queue.Queue = queue.Queue()
    workers = [_Publisher(row, files, dry_run, saves) for row in rows]
    for w in workers:
        w.start()
    running, renewed = len(workers), time.monotonic()
    while running:
        try:
            worker, manifest, saved = saves.get(timeout=_lease_seconds() / 3)
        except queue.Empty:
            worker = manifest = saved = None
        if manifest is None and worker is not None:
            running -= 1
        elif worker is not None:
            try:
                _keep(worker.row, manifest)
            finally:
                saved.set()
        if not dry_run and time.monotonic() - renewed > _lease_seconds() / 3:
            for w in workers:
                _renew(w.row)
            renewed = time.monotonic()
    if not dry_run:
        took = (rendered, time.monotonic() - started)
        for w in workers:
            _record(w.row, w.result, state, took)
    return [w.result for w in workers]


def _record(
    row: PublishTarget, result: Result, state: RenderState, took: tuple[float, float]
) -> None:
    at = timezone.now()
    mine = PublishTarget.objects.filter(pk=row.pk, lease_token=row.lease_token)
    if not result.error:
        mine.update(
            published_generation=state.generation,
            published_version=state.version,
            published_at=at,
            rendered_at=state.rendered_at,
            uploaded=len(result.outcome.uploaded),
            deleted=len(result.outcome.deleted),
            attempts=0,
            failing_since=None,
            next_attempt_at=at,
            lease_until=None,
        )
        if result.outcome.uploaded or result.outcome.deleted:
            logger.info(
                "published version %s to %s: %d written, %d deleted in %.2f s (%.2f s rendering)",
                state.version,
                row.url,
                len(result.outcome.uploaded),
                len(result.outcome.deleted),
                took[1],
                took[0],
            )
        return
    attempts = row.attempts + 1
    delay = next_delay(attempts)
    if delay is None:  # past the schedule's end: keep trying at its longest interval
        delay = float(settings.CANDOR_RETRY_SCHEDULE[-1] if settings.CANDOR_RETRY_SCHEDULE else 60)
    mine.update(
        attempts=F("attempts") + 1,
        last_error=result.error[:2000],
        last_error_at=at,
        failing_since=Coalesce(F("failing_since"), Value(at, output_field=DateTimeField())),
        next_attempt_at=at + timedelta(seconds=delay),
        lease_until=None,
    )
    logger.warning(
        "publishing version %s to %s failed (attempt %d; next in %.0f s): %s",
        state.version,
        row.url,
        attempts,
        delay,
        result.error,
    )


def run() -> float | None:
    """The worker's job: publish every due target; answers when to look again."""
    urls = configured()
    if not urls:
        return None
    page = Page.default()
    if page is None:
        return None
    ensure_rows(page)
    # No transaction: each claim is one conditional UPDATE, and on SQLite a transaction would
    # take the write lock every time the job looks.
    rows = claim(page, urls)
    publish(page, rows)
    return seconds_to_next(page, urls)


def seconds_to_next(page: Page, urls: list[str]) -> float:
    listening = connection.vendor == "postgresql"
    wait = LISTENING_CHECK_SECONDS if listening else float(settings.CANDOR_PUBLIC_POLL_SECONDS)
    at = timezone.now()
    retry = (
        PublishTarget.objects.filter(page=page, url__in=urls, attempts__gt=0)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if retry is not None:
        wait = min(wait, max(0.0, (retry - at).total_seconds()))
    leased = (
        PublishTarget.objects.filter(page=page, url__in=urls, lease_until__gt=at)
        .order_by("lease_until")
        .values_list("lease_until", flat=True)
        .first()
    )
    if leased is not None:  # another worker's claim may lapse (it died)
        wait = min(wait, max(0.0, (leased - at).total_seconds()))
    return wait


# The PostgreSQL channel whose NOTIFY wakes the job: every store of new public documents.
WAKE_CHANNELS = (CHANNEL,)


@dataclass(frozen=True)
class TargetStatus:
    """What Page settings show about one configured target."""

    url: str
    row: PublishTarget | None
    current: bool  # holds the page's latest rendered documents

    @property
    def state(self) -> str:
        row = self.row
        if row is None or (row.published_at is None and not row.failing):
            return "Not published yet"
        if row.failing:
            return "Failing"
        return "Up to date" if self.current else "Publishing"


def statuses(page: Page) -> list[TargetStatus]:
    """Each configured target of the page, in the order configured (only the default page is
    published)."""
    if not page.is_default:
        return []
    rows = {r.url: r for r in PublishTarget.objects.filter(page=page, url__in=configured())}
    generation = (
        RenderState.objects.filter(page=page).values_list("generation", flat=True).first() or 0
    )
    return [
        TargetStatus(
            url,
            rows.get(url),
            url in rows and rows[url].published_generation == generation,
        )
        for url in configured()
    ]
