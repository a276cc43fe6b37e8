"""What every chat channel shares: the Channel (its URL rule, its format, its 429 reading), the
one send path through the ledger (ChatTransport), and the test message posted on subscribing.

A channel package (candor/core/channels/<mode>/) defines CHANNEL, an instance of a Channel
subclass; nothing else in Candor names a channel, so a fourth one adds a package, a
SubscriberMode and CHAT_MODES entry, and touches no other channel's code.
"""

from __future__ import annotations

import dataclasses
import email.utils
import fnmatch
import json
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from candor.core.channels.message import Message, for_test, from_event, from_update
from candor.core.models import Delivery, DeliveryKind, Page
from candor.core.transports.base import Outcome, Stopwatch, Transport, TransportError
from candor.core.transports.guard import PUBLIC_TARGET_REFUSAL, TargetRefused, Unresolvable
from candor.core.transports.webhook import Connections, Reply, exchange

# However long a service asks us to wait, we try again within this (a wrong header must not
# park an update for days); at least a second.
MAX_RETRY_AFTER = 3600.0


class Rejected(TransportError):
    """The service answered, and not 2xx: its status, besides the message (which quotes what it
    answered, for operators)."""

    def __init__(
        self, message: str, status: int, *, permanent: bool = False, subscriber: str = ""
    ) -> None:
        super().__init__(message, permanent=permanent, subscriber=subscriber)
        self.status = status


class RateLimited(Rejected):
    def __init__(self, message: str, seconds: float) -> None:
        super().__init__(message, 429)
        self.seconds = seconds


class Channel:
    mode: str = ""
    label: str = ""
    # Where the channel comes in lists (the public form): the most used first.
    order: int = 100
    # Host patterns (fnmatch) of the service's own incoming webhooks, and the path they start with.
    hosts: tuple[str, ...] = ()
    path_prefix: str = "/"
    # Where a subscriber learns to make an incoming-webhook URL.
    howto_url: str = ""
    example_url: str = ""

    def payload(self, message: Message) -> dict[str, Any]:
        raise NotImplementedError

    def url_problem(self, url: str) -> str:
        """Why this URL is not one of the service's incoming webhooks ("" when it is)."""
        if settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS:
            return ""  # LAN installs and tests: any http(s) URL (the SSRF guard still applies)
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if (
            parts.scheme != "https"
            or not any(fnmatch.fnmatchcase(host, pattern) for pattern in self.hosts)
            or not parts.path.startswith(self.path_prefix)
        ):
            return (
                f"This is not a {self.label} incoming-webhook URL: it starts with "
                f"{self.example_url}"
            )
        return ""

    def retry_after(self, reply: Reply) -> float:
        """Seconds a 429 asks us to wait: the Retry-After header, in seconds or as a date."""
        value = (reply.headers.get("retry-after") or "").strip()
        return _clamp(_seconds(value))

    def check(self, reply: Reply) -> None:
        """A TransportError unless the service took the message."""
        code = reply.status
        if 200 <= code < 300:
            return
        text = reply.body[:200].decode(errors="replace")
        if code == 429:
            wait = self.retry_after(reply)
            raise RateLimited(f"HTTP 429: {self.label} asked us to wait {wait:g} s", wait)
        if code in (404, 410):
            raise Rejected(
                f"HTTP {code}: the {self.label} webhook no longer exists ({text})",
                code,
                permanent=True,
                subscriber="disable",
            )
        if 300 <= code < 400:
            where = reply.headers.get("location") or ""
            raise Rejected(f"HTTP {code}: redirects are not followed ({where})", code)
        raise Rejected(f"HTTP {code}: {text}", code)

    def post(self, connections: Connections, url: str, message: Message) -> None:
        body = json.dumps(self.payload(message), separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        self.check(exchange(connections, url, body, headers))


def _seconds(value: str) -> float:
    if not value:
        return 1.0
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):
        return 1.0


def _clamp(seconds: float) -> float:
    return min(max(seconds, 1.0), MAX_RETRY_AFTER)


class ChatTransport(Transport):
    """One channel's deliveries: notifications to its subscribers, events to team channels.
    Each message is one POST on a kept-alive connection (the webhooks' own)."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.connections = Connections()
        self._messages: dict[tuple[str, Any], Message] = {}

    def close(self) -> None:
        self.connections.close()

    def _update_message(self, delivery: Delivery) -> Message:
        update = delivery.update
        assert update is not None
        key = (update.pk, update.updated_at)
        if key not in self._messages:
            if len(self._messages) > 64:
                self._messages.clear()
            self._messages[key] = from_update(update, delivery.target.page)
        return self._messages[key]

    def compose(self, delivery: Delivery) -> tuple[str, Message]:
        """The URL and the message of a delivery."""
        if delivery.kind == DeliveryKind.TEAM_EVENT:
            team = delivery.team_channel
            assert team is not None
            page = delivery.page
            return team.endpoint, from_event(delivery.event, page.name if page else "Candor")
        subscriber = delivery.target
        if delivery.update_id is None:
            raise TransportError("Chat channels are told of incidents only", permanent=True)
        return subscriber.endpoint, self._update_message(delivery).for_subscriber(
            subscriber.pk, subscriber.page.url
        )

    def send(self, deliveries: Sequence[Delivery]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        gone: set[str] = set()  # destinations this batch just disabled
        waiting: dict[str, float] = {}  # destinations that asked us to wait
        for delivery in deliveries:
            clock = Stopwatch()
            key = delivery.subscriber_id or f"team:{delivery.team_channel_id}"
            if key in gone:
                outcomes.append(Outcome(delivery, skipped=True))
                continue
            if key in waiting:
                # Behind a message the service made wait: it waits as long, and stays behind.
                held = TransportError(
                    f"Waiting behind a rate-limited message ({self.channel.label})"
                )
                outcomes.append(Outcome(delivery, held, retry_after=waiting[key]))
                continue
            try:
                url, message = self.compose(delivery)
                self.channel.post(self.connections, url, message)
                outcomes.append(Outcome(delivery, None, clock.ms))
            except RateLimited as exc:
                waiting[key] = exc.seconds
                outcomes.append(Outcome(delivery, exc, clock.ms, retry_after=exc.seconds))
            except TransportError as exc:
                outcomes.append(Outcome(delivery, exc, clock.ms))
                if exc.subscriber:
                    gone.add(key)
            except Exception as exc:  # a bug in one message must not stop the batch
                failed = TransportError(f"{type(exc).__name__}: {exc}")
                outcomes.append(Outcome(delivery, failed, clock.ms))
        return outcomes


def send_test(channel: Channel, url: str, page: Page, subscriber_id: str | None) -> str:
    """Post the test message at once (not through the ledger: the subscriber is waiting for
    the answer, and nothing is stored unless it arrives). Returns "" or what went wrong, in
    full (operators only: see refusal_text). Without a subscriber id, the message is for a team
    channel."""
    error = post_test(channel, url, page, subscriber_id)
    return error.message if error is not None else ""


def post_test(
    channel: Channel, url: str, page: Page, subscriber_id: str | None
) -> TransportError | None:
    """send_test's post: None when the service took the message (or is busy: a 429 says the
    URL is right), else the error."""
    message = for_test(page, channel.label)
    if subscriber_id is not None:
        message = message.for_subscriber(subscriber_id, page.url)
    else:
        message = dataclasses.replace(
            message,
            title=f"{page.name} will post team notices here",
            body=f"This is a test message: this {channel.label} channel now gets the "
            f"events its team channel settings in Candor choose.",
            links=(("Team channels", f"{settings.BASE_URL}/manage/team-channels/"),),
        )
    connections = Connections(keep=0)
    try:
        channel.post(connections, url, message)
    except RateLimited:
        return None  # the URL is right; the service is busy
    except TransportError as exc:
        return exc
    finally:
        connections.close()
    return None


def refusal_text(channel: Channel, error: TransportError, *, detail: bool) -> str:
    """Why a URL was refused when its test message failed. `detail` (operators only) quotes the
    error: what the service answered (its body, a redirect's target), what a name resolves to,
    why a connection failed. An anonymous visitor gets none of it (on a LAN install the URL may
    be anything inside): the status of an answer, or the same words as for a target refused
    when the URL was checked, or that it could not be reached."""
    if detail:
        return (
            f"{channel.label} did not accept the test message ({error.message}). "
            "Check the URL and try again; nothing was saved."
        )
    if isinstance(error, Rejected):
        return (
            f"{channel.label} did not accept the test message (HTTP {error.status}). "
            "Check the webhook URL and try again."
        )
    # The guard's refusal is wrapped by the transport (candor.core.transports.webhook.pinned),
    # which keeps it as the context; an unresolvable name is "not reached", as a refused
    # connection is.
    refused = error.__context__
    if isinstance(refused, TargetRefused) and not isinstance(refused, Unresolvable):
        return PUBLIC_TARGET_REFUSAL
    return f"{channel.label} could not be reached at this URL. Check the webhook URL and try again."
