"""Team channels: where the team itself hears about what needs it (a Slack, Teams or Discord
incoming webhook, or an email address), each choosing its events (TeamEvent). The only writer
of TeamChannel rows.

notify_team(page, kind, ...) is the one way to tell the team of an event: one ledger row per
channel that wants it, in the caller's transaction, sent by the worker like every message.
Features that raise events (reminders, quarantines, failing channels, and alerts and
maintenance when they exist) call it with their TeamEvent.

A chat channel whose service answers 404/410 (its webhook was deleted) is disabled, as a chat
subscriber is (disable()): nothing more goes to it, and every Administrator is emailed through
the ledger, until one gives it a working URL again (enable()).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q

from candor.core import events
from candor.core.models import (
    CHAT_MODES,
    Delivery,
    DeliveryAttempt,
    DeliveryKind,
    DeliveryState,
    Page,
    SubscriberMode,
    TeamChannel,
    TeamEvent,
)
from candor.core.services.base import Actor, audit, check_safe, fail, now
from candor.core.targets import check_chat_endpoint, check_email

TEAM_MODES: tuple[str, ...] = (SubscriberMode.EMAIL, *CHAT_MODES)


def _check(
    page: Page, mode: str, name: str, endpoint: str, email: str, kinds: Iterable[str]
) -> tuple[str, str, str, list[str]]:
    if mode not in TEAM_MODES:
        raise fail("mode", "Choose email, Slack, Microsoft Teams or Discord.")
    name = check_safe("name", (name or "").strip())
    if not name:
        raise fail("name", "Give the channel a name, e.g. #incidents.")
    if len(name) > 100:
        raise fail("name", "Keep the name under 100 characters.")
    chosen = _events(kinds)
    if mode == SubscriberMode.EMAIL:
        return name, "", check_email("email", email), chosen
    return name, check_chat_endpoint(mode, endpoint), "", chosen


def add_channel(
    page: Page,
    *,
    by: Actor,
    mode: str,
    name: str,
    endpoint: str = "",
    email: str = "",
    events: Iterable[str] = (),
) -> TeamChannel:
    """A chat channel gets a test message first: nothing is stored unless it arrived."""
    from candor.core.channels import channel_for
    from candor.core.channels.base import send_test
    from candor.core.models import new_id

    name, endpoint, email, kinds = _check(page, mode, name, endpoint, email, events)
    pk = new_id()
    if mode != SubscriberMode.EMAIL:
        channel = channel_for(mode)
        problem = send_test(channel, endpoint, page, None)
        if problem:
            raise fail(
                "endpoint",
                f"{channel.label} did not accept the test message ({problem}). "
                "Check the URL and try again; nothing was saved.",
            )
    at = now()
    with transaction.atomic():
        team = TeamChannel.objects.create(
            pk=pk,
            page=page,
            mode=mode,
            name=name,
            endpoint=endpoint,
            email=email,
            events=kinds,
            created_at=at,
            updated_at=at,
        )
        audit(page, by, "teamchannel.create", team, f"Added team channel {name}")
    return team


@transaction.atomic
def set_events(team: TeamChannel, kinds: Iterable[str], *, by: Actor) -> TeamChannel:
    chosen = _events(kinds)
    TeamChannel.objects.filter(pk=team.pk).update(events=chosen, updated_at=now())
    team.events = chosen
    audit(team.page, by, "teamchannel.events", team, f"{team.name} gets {len(chosen)} events")
    return team


def _events(kinds: Iterable[str]) -> list[str]:
    chosen = sorted(set(kinds))
    unknown = [k for k in chosen if k not in TeamEvent.values]
    if unknown:
        raise fail("events", f"Unknown events: {', '.join(unknown)}.")
    if not chosen:
        raise fail("events", "Choose at least one event.")
    return chosen


def enable(team: TeamChannel, *, by: Actor, endpoint: str) -> TeamChannel:
    """A disabled chat channel gets a (new or fixed) URL: a test message is posted there first,
    and the channel is enabled only if it arrived; otherwise nothing changes."""
    from candor.core.channels import channel_for
    from candor.core.channels.base import send_test

    if team.mode == SubscriberMode.EMAIL or not team.disabled:
        raise fail("endpoint", f"Team channel {team.name} is not disabled.")
    endpoint = check_chat_endpoint(team.mode, endpoint)
    channel = channel_for(team.mode)
    # Outside any transaction: no row is locked while the service answers.
    problem = send_test(channel, endpoint, team.page, None)
    if problem:
        raise fail(
            "endpoint",
            f"{channel.label} did not accept the test message ({problem}). "
            "Check the URL and try again; the channel stays disabled.",
        )
    with transaction.atomic():
        TeamChannel.objects.filter(pk=team.pk).update(
            endpoint=endpoint, disabled_at=None, last_error="", updated_at=now()
        )
        # A notice not sent yet would say something no longer true.
        Delivery.objects.filter(
            team_channel=team,
            kind=DeliveryKind.TEAM_CHANNEL_DISABLED,
            state=DeliveryState.PENDING,
        ).update(state=DeliveryState.CANCELLED, lease_until=None)
        team.endpoint, team.disabled_at, team.last_error = endpoint, None, ""
        audit(team.page, by, "teamchannel.enable", team, f"Enabled team channel {team.name}")
    return team


def disable(team_id: str, reason: str) -> bool:
    """The worker's: a chat service answered 404/410, so its webhook is gone. The channel gets
    nothing more (what was waiting for it is cancelled), the audit log records it, and every
    Administrator is emailed through the ledger. False when it was disabled already."""
    from candor.core.notifications import mail_administrators

    at = now()
    with transaction.atomic():
        # A conditional update: of several workers that heard the 404, one disables it.
        won = TeamChannel.objects.filter(pk=team_id, disabled_at__isnull=True).update(
            disabled_at=at, last_error=reason[:2000], updated_at=at
        )
        if not won:
            return False
        team = TeamChannel.objects.select_related("page").get(pk=team_id)
        Delivery.objects.filter(
            team_channel=team, kind=DeliveryKind.TEAM_EVENT, state=DeliveryState.PENDING
        ).update(state=DeliveryState.CANCELLED, lease_until=None)
        audit(
            team.page,
            None,
            "teamchannel.disable",
            team,
            f"Disabled team channel {team.name}: {reason}",
        )
        mail_administrators(DeliveryKind.TEAM_CHANNEL_DISABLED, page=team.page, team_channel=team)
    return True


@transaction.atomic
def remove_channel(team: TeamChannel, *, by: Actor) -> None:
    audit(team.page, by, "teamchannel.delete", team, f"Removed team channel {team.name}")
    team.delete()


def notify_team(
    page: Page,
    kind: str,
    *,
    title: str,
    text: str = "",
    url: str = "",
    button: str = "Open Candor",
    impact: str = "",
    extra: dict[str, str] | None = None,
) -> int:
    """Tell every team channel of `page` that wants `kind` (a TeamEvent): one ledger row each,
    in the caller's transaction. `text` is Markdown. Returns how many rows were written."""
    from candor.core.notifications import notify_workers

    assert kind in TeamEvent.values, kind
    event = {
        "kind": kind,
        "title": title[:250],
        "text": text[:5000],
        "url": url or f"{settings.BASE_URL}/manage/",
        "button": button,
        "impact": impact,
        **(extra or {}),
    }
    at = now()
    rows = [
        Delivery(
            kind=DeliveryKind.TEAM_EVENT,
            page=page,
            team_channel=team,
            event=event,
            next_attempt_at=at,
            created_at=at,
        )
        for team in TeamChannel.objects.filter(page=page, disabled_at__isnull=True)
        if kind in team.events
    ]
    if rows:
        Delivery.objects.bulk_create(rows)
        notify_workers()
        transaction.on_commit(lambda: events.deliveries_created.send(sender=Delivery))
    return len(rows)


# --- A whole channel failing ---------------------------------------------------------------------

FAILING_WINDOW = timedelta(minutes=15)
FAILING_AT_LEAST = 5
FAILING_REPEAT = timedelta(hours=1)


def check_failing_channels() -> float | None:
    """A timed job: over the last 15 minutes, a channel (email, webhook, Slack, ...) of a page
    whose notification attempts all failed, at least 5 of them, is a channel in trouble (the
    SMTP relay is down, Slack refuses us), not one subscriber's: the team is told, at most once
    an hour per channel; the ledger's own rows say whether it was told already."""
    at = now()
    rows = (
        DeliveryAttempt.objects.filter(
            at__gte=at - FAILING_WINDOW,
            delivery__kind=DeliveryKind.NOTIFICATION,
        )
        .values_list("delivery__page_id", "delivery__subscriber__mode")
        .annotate(failed=Count("pk", filter=Q(ok=False)), sent=Count("pk", filter=Q(ok=True)))
        .order_by()
    )
    labels = dict(SubscriberMode.choices)
    for page_id, mode, failed, sent in rows:
        if sent or failed < FAILING_AT_LEAST or page_id is None:
            continue
        with transaction.atomic():
            # The page's row lock: of several workers, one tells the team.
            page = Page.objects.select_for_update().get(pk=page_id)
            told = Delivery.objects.filter(
                kind=DeliveryKind.TEAM_EVENT,
                page_id=page_id,
                created_at__gte=at - FAILING_REPEAT,
                event__kind=TeamEvent.CHANNEL_FAILING,
                event__mode=mode,
            ).exists()
            if not told:
                _failing(page, mode, labels.get(mode, mode), failed)
    return None


def _failing(page: Page, mode: str, label: str, failed: int) -> None:
    minutes = int(FAILING_WINDOW.total_seconds() // 60)
    notify_team(
        page,
        TeamEvent.CHANNEL_FAILING,
        title=f"{label} deliveries are failing",
        text=(
            f"All {failed} {label} delivery attempts of the last {minutes} minutes failed. "
            "Subscribers on this channel are not hearing about incidents; the ledger keeps "
            "retrying. See the Subscribers tab for the errors."
        ),
        url=f"{settings.BASE_URL}/manage/subscribers/?mode={mode}",
        button="Open Subscribers",
        # What says "told already" for this channel next time.
        extra={"mode": mode},
    )
