"""A real HTTP receiver on 127.0.0.1 standing in for webhook targets (and chat services)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each path with its scripted statuses in turn (then the last one, forever)."""

    port: int = 0
    requests: list[Received] = field(default_factory=list)
    connections: int = 0
    script: dict[str, list[int]] = field(default_factory=dict)
    delay: dict[str, float] = field(default_factory=dict)
    default_delay: float = 0.0
    redirect_to: str = ""
    # Extra headers and a body to answer a path with, by status (a 429's Retry-After).
    reply_headers: dict[int, dict[str, str]] = field(default_factory=dict)
    reply_body: dict[int, bytes] = field(default_factory=dict)
    # Close each connection after answering, without saying so (as an idle timeout does).
    hang_up: bool = False
    in_flight: int = 0
    most_at_once: int = 0
    scheme: str = "http"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def status_for(self, path: str) -> int:
        with self.lock:
            statuses = self.script.get(path, [200])
            return statuses.pop(0) if len(statuses) > 1 else statuses[0]

    def at(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path == path]


def make_receiver(tls=None) -> tuple[Receiver, ThreadingHTTPServer]:
    """An HTTP(S) receiver on 127.0.0.1; `tls` is a server-side ssl.SSLContext."""
    receiver = Receiver(scheme="https" if tls else "http")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.requests.append(Received(self.path, dict(self.headers), body))
                receiver.in_flight += 1
                receiver.most_at_once = max(receiver.most_at_once, receiver.in_flight)
            delay = receiver.delay.get(self.path, receiver.default_delay)
            if delay:
                time.sleep(delay)
            with receiver.lock:
                receiver.in_flight -= 1
            status = receiver.status_for(self.path)
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", receiver.redirect_to)
            for name, value in receiver.reply_headers.get(status, {}).items():
                self.send_header(name, value)
            content = receiver.reply_body.get(status, b"ok")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
            if receiver.hang_up:
                self.close_connection = True

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def get_request(self):
            conn = super().get_request()
            with receiver.lock:
                receiver.connections += 1
            return conn

    server = Server(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    receiver.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server


@pytest.fixture
def receiver(settings):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = True
    receiver, server = make_receiver()
    yield receiver
    server.shutdown()
    server.server_close()
