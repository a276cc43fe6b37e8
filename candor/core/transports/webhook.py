"""Webhooks: Statuspage's JSON bodies, signed as the Standard Webhooks spec says.

Success is a 2xx within the timeout (30 s). Redirects are not followed and count as a failure;
410 Gone disables the subscriber at once. The target is resolved once and every address checked
(transports.guard); the request then goes to the checked address with the name in the Host
header and the TLS SNI, so DNS cannot answer differently the second time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings

from candor.core.models import Delivery
from candor.core.queries import page_rollup
from candor.core.transports import Outcome, Stopwatch, Transport, TransportError
from candor.core.transports.guard import TargetRefused, check_host

DOCUMENTATION = "https://github.com/candor/candor/blob/main/docs/notifications.md"
USER_AGENT = "Candor-Webhooks/1"


def webhook_id(delivery: Delivery) -> str:
    return f"msg_{delivery.message_key}"


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_") + "==")
    signed = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(signed).decode()


class Bodies:
    """An update's body is built once; each subscriber's copy only differs in `meta`."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, Any], str] = {}

    def _rest(self, delivery: Delivery) -> str:
        from candor.core.serializers import webhook_component_json, webhook_incident_json

        if delivery.update_id:
            update = delivery.update
            assert update is not None
            key: tuple[str, Any] = (f"u{update.pk}", update.updated_at)
        else:
            key = (f"c{delivery.status_change_id}", None)
        if key not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            page = delivery.subscriber.page
            rollup = page_rollup(page)
            if delivery.update is not None:
                data = webhook_incident_json(delivery.update, page, rollup)
            else:
                assert delivery.status_change is not None
                data = webhook_component_json(delivery.status_change, page, rollup)
            # Everything after `meta`, ready to be spliced behind each subscriber's own meta.
            self._cache[key] = json.dumps(data, separators=(",", ":"))[1:]
        return self._cache[key]

    def body(self, delivery: Delivery) -> bytes:
        from candor.core.subscriptions import unsubscribe_url

        meta = {
            "unsubscribe": unsubscribe_url(delivery.subscriber),
            "documentation": DOCUMENTATION,
            "generated_at": _now_iso(),
        }
        return (
            '{"meta":' + json.dumps(meta, separators=(",", ":")) + "," + self._rest(delivery)
        ).encode()


def _now_iso() -> str:
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        + f".{int(time.time() * 1000) % 1000:03d}Z"
    )


def pinned(url: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The URL rewritten to a checked address, with the Host header and SNI that keep the name."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TransportError(f"Not an http(s) URL: {url}", permanent=True)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        ip = check_host(parts.hostname, port)[0]
    except TargetRefused as exc:
        raise TransportError(f"Refused: {exc}") from None
    literal = f"[{ip}]" if ip.version == 6 else str(ip)
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    host = parts.netloc.rpartition("@")[2]
    extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    return urlunsplit(parts._replace(netloc=netloc)), {"Host": host}, extensions


def post(client: httpx.Client, url: str, body: bytes, headers: dict[str, str]) -> None:
    target, host, extensions = pinned(url)
    timeout = settings.CANDOR_WEBHOOK_TIMEOUT
    clock = time.monotonic()
    try:
        response = client.post(
            target,
            content=body,
            headers={**headers, **host},
            extensions=extensions,
            timeout=timeout,
        )
    except httpx.TimeoutException:
        raise TransportError(f"No response within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise TransportError(f"Request failed: {exc.__class__.__name__}: {exc}") from None
    code = response.status_code
    if time.monotonic() - clock > timeout:
        raise TransportError(f"HTTP {code} after more than {timeout:g} s")
    if 200 <= code < 300:
        return
    if code == 410:
        raise TransportError(
            "HTTP 410 Gone: the endpoint unsubscribed", permanent=True, subscriber="disable"
        )
    if 300 <= code < 400:
        where = response.headers.get("location", "")
        raise TransportError(f"HTTP {code}: redirects are not followed ({where})")
    raise TransportError(f"HTTP {code}: {response.text[:200]}")


def new_client() -> httpx.Client:
    return httpx.Client(
        follow_redirects=False,
        trust_env=False,
        timeout=settings.CANDOR_WEBHOOK_TIMEOUT,
        headers={"User-Agent": USER_AGENT},
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=20),
    )


class WebhookTransport(Transport):
    def __init__(self) -> None:
        self.client = new_client()
        self.bodies = Bodies()

    def close(self) -> None:
        self.client.close()

    def send(self, deliveries: Sequence[Delivery]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for delivery in deliveries:
            clock = Stopwatch()
            subscriber = delivery.subscriber
            if any(o.error and o.error.subscriber for o in outcomes):
                outcomes.append(Outcome(delivery, skipped=True))
                continue
            try:
                body = self.bodies.body(delivery)
                msg_id = webhook_id(delivery)
                timestamp = int(time.time())
                headers = {
                    "Content-Type": "application/json",
                    "webhook-id": msg_id,
                    "webhook-timestamp": str(timestamp),
                    "webhook-signature": sign(subscriber.secret, msg_id, timestamp, body),
                }
                post(self.client, subscriber.endpoint, body, headers)
                outcomes.append(Outcome(delivery, None, clock.ms))
            except TransportError as exc:
                outcomes.append(Outcome(delivery, exc, clock.ms))
            except Exception as exc:  # a bug in one body must not stop the batch
                outcomes.append(
                    Outcome(delivery, TransportError(f"{type(exc).__name__}: {exc}"), clock.ms)
                )
        return outcomes
