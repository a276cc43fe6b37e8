"""Webhooks: Statuspage's JSON bodies, signed as the Standard Webhooks spec says.

Success is a 2xx within the timeout (30 s). Redirects are not followed and count as a failure;
410 Gone disables the subscriber at once. The target is resolved once and every address checked
(transports.guard); the request then goes to the checked address with the name in the Host
header and the TLS SNI, so DNS cannot answer differently the second time.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import http.client
import json
import socket
import ssl
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings

from candor.core import links
from candor.core.models import Delivery, DeliveryKind
from candor.core.queries import page_rollup
from candor.core.serializers import webhook_component_json, webhook_incident_json
from candor.core.transports.base import Outcome, Stopwatch, Transport, TransportError
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
        if delivery.update_id:
            update = delivery.update
            assert update is not None
            key: tuple[str, Any] = (f"u{update.pk}", update.updated_at)
        else:
            key = (f"c{delivery.status_change_id}", None)
        if key not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            page = delivery.target.page
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
        subscriber = delivery.target
        unsubscribe, manage = links.manage_urls(
            subscriber.pk, links.public_root(subscriber.page.url)
        )
        # Statuspage's meta, plus `manage`: where the subscriber chooses its components.
        meta = {
            "unsubscribe": unsubscribe,
            "manage": manage,
            "documentation": DOCUMENTATION,
            "generated_at": _now_iso(),
        }
        if delivery.kind == DeliveryKind.WEBHOOK_PING:
            rest = json.dumps(ping_json(subscriber.page), separators=(",", ":"))[1:]
        else:
            rest = self._rest(delivery)
        return ('{"meta":' + json.dumps(meta, separators=(",", ":")) + "," + rest).encode()


def ping_json(page: Any) -> dict[str, Any]:
    """A new webhook's test ping: which page it is subscribed to, and that nothing happened."""
    return {
        "page": {"id": page.pk, "name": page.name, "url": links.public_root(page.url)},
        "ping": {
            "message": f"Test ping: this endpoint is subscribed to {page.name}. "
            "Nothing happened; incident and component notifications will look like the "
            "documentation says.",
        },
    }


def _now_iso() -> str:
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        + f".{int(time.time() * 1000) % 1000:03d}Z"
    )


@dataclass(frozen=True)
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


@dataclass(frozen=True)
class Target:
    """Where a request goes: a checked address, and the name for the Host header and TLS."""

    scheme: str
    ip: str
    port: int
    host_header: str
    server_name: str
    path: str


def pinned(url: str) -> Target:
    """The URL's target at an address the guard accepted (resolved once, here)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TransportError(f"Not an http(s) URL: {url}", permanent=True)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise TransportError(f"Not a valid port in {url}", permanent=True) from None
    try:
        ip = check_host(parts.hostname, port)[0]
    except TargetRefused as exc:
        raise TransportError(f"Refused: {exc}") from None
    # As it goes on the wire: ASCII, no spaces or control characters (nothing can be injected).
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_PATH_SAFE)
    try:
        name = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise TransportError(f"Not a valid host name: {parts.hostname}", permanent=True) from None
    name = f"[{name}]" if ":" in name else name
    host = f"{name}:{parts.port}" if parts.port else name
    return Target(parts.scheme, str(ip), port, host, parts.hostname, path)


_PATH_SAFE = "/%:@!$&'()*+,;=-._~?"


@functools.cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


def _connect(target: Target, timeout: float) -> socket.socket:
    """TCP to the checked address; TLS with the certificate verified for the name (SNI too)."""
    sock = socket.create_connection((target.ip, target.port), timeout=timeout)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if target.scheme == "https":
            return _tls().wrap_socket(sock, server_hostname=target.server_name)
    except BaseException:
        sock.close()
        raise
    return sock


class Connections:
    """Keep-alive connections of one worker thread, by target; the least recently used are
    closed beyond `keep`.

    A webhook is one small POST: the request is written in one piece and the standard
    library's parser reads the answer. (httpx cost about three times the CPU, and
    http.client's own request writing sends headers and body in two writes.)
    """

    def __init__(self, keep: int = 32) -> None:
        self.keep = keep
        self._open: OrderedDict[tuple[str, str, int, str], socket.socket] = OrderedDict()

    def post(self, target: Target, body: bytes, headers: dict[str, str]) -> Reply:
        """Status, headers and the first bytes of the body."""
        key = (target.scheme, target.ip, target.port, target.server_name)
        request = _request(target, body, headers)
        kept = self._open.pop(key, None)
        if kept is not None:
            try:
                return self._exchange(kept, key, request)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                pass  # the server closed it while it was idle: once more, on a new connection
        return self._exchange(_connect(target, settings.CANDOR_WEBHOOK_TIMEOUT), key, request)

    def _exchange(
        self, sock: socket.socket, key: tuple[str, str, int, str], request: bytes
    ) -> Reply:
        try:
            sock.sendall(request)
            response = http.client.HTTPResponse(sock, method="POST")
            response.begin()
            content = response.read(_KEEP_BODY)
        except BaseException:
            sock.close()
            raise
        if response.will_close or not response.isclosed():
            sock.close()  # the server said so, or the body was longer than we read
        else:
            self._open[key] = sock
            while len(self._open) > self.keep:
                self._open.popitem(last=False)[1].close()
        return Reply(response.status, response.msg, content)

    def close(self) -> None:
        while self._open:
            self._open.popitem()[1].close()


def _request(target: Target, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [
        f"POST {target.path} HTTP/1.1",
        f"Host: {target.host_header}",
        f"User-Agent: {USER_AGENT}",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


# Enough of a failure's body to show in the delivery log; more is not read.
_KEEP_BODY = 65536


def exchange(connections: Connections, url: str, body: bytes, headers: dict[str, str]) -> Reply:
    """POST to a guarded target; a TransportError for anything but an answer in time."""
    target = pinned(url)
    timeout = settings.CANDOR_WEBHOOK_TIMEOUT
    clock = time.monotonic()
    try:
        reply = connections.post(target, body, headers)
    except TimeoutError:
        raise TransportError(f"No response within {timeout:g} s") from None
    except (OSError, http.client.HTTPException) as exc:
        raise TransportError(f"Request failed: {exc.__class__.__name__}: {exc}") from None
    if time.monotonic() - clock > timeout:
        raise TransportError(f"HTTP {reply.status} after more than {timeout:g} s")
    return reply


def post(connections: Connections, url: str, body: bytes, headers: dict[str, str]) -> None:
    reply = exchange(connections, url, body, headers)
    code, location, content = reply.status, reply.headers.get("location") or "", reply.body
    if 200 <= code < 300:
        return
    if code == 410:
        raise TransportError(
            "HTTP 410 Gone: the endpoint unsubscribed", permanent=True, subscriber="disable"
        )
    if 300 <= code < 400:
        raise TransportError(f"HTTP {code}: redirects are not followed ({location})")
    raise TransportError(f"HTTP {code}: {content[:200].decode(errors='replace')}")


class WebhookTransport(Transport):
    def __init__(self) -> None:
        self.connections = Connections()
        self.bodies = Bodies()

    def close(self) -> None:
        self.connections.close()

    def send(self, deliveries: Sequence[Delivery]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        gone: set[str] = set()  # subscribers this batch just disabled or quarantined
        for delivery in deliveries:
            clock = Stopwatch()
            subscriber = delivery.target
            if subscriber.pk in gone:
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
                post(self.connections, subscriber.endpoint, body, headers)
                outcomes.append(Outcome(delivery, None, clock.ms))
            except TransportError as exc:
                outcomes.append(Outcome(delivery, exc, clock.ms))
                if exc.subscriber:
                    gone.add(subscriber.pk)
            except Exception as exc:  # a bug in one body must not stop the batch
                outcomes.append(
                    Outcome(delivery, TransportError(f"{type(exc).__name__}: {exc}"), clock.ms)
                )
        return outcomes
