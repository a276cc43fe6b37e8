"""Real components at the edges: an SMTP server (aiosmtpd) and an HTTP receiver, on 127.0.0.1."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from candor.core import subscriptions
from candor.core.worker import Worker


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, timeout: float = 30.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


# --- SMTP ---------------------------------------------------------------------------------


class SmtpHandler:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.sessions: set[int] = set()
        # address -> SMTP reply to RCPT TO (e.g. "550 No such user", "451 Try later")
        self.refuse: dict[str, str] = {}
        # address -> SMTP reply to DATA once the message is in (e.g. "554 Rejected as spam")
        self.reject: dict[str, str] = {}
        self.delay = 0.0
        # As Postfix, Exim and the big providers do; tests of the plain dialogue turn it off.
        self.pipelining = True
        self.commands: list[str] = []
        self.refuse_sender = ""  # an SMTP reply to every MAIL FROM, e.g. "553 Not our domain"
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            self.commands.append("MAIL")
        if self.refuse_sender:
            return self.refuse_sender
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        for address in envelope.rcpt_tos:
            if address in self.reject:
                return self.reject[address]
        with self.lock:
            self.messages.append(message)
            self.sessions.add(id(session))
        return "250 Message accepted"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    def __init__(self) -> None:
        self.handler = SmtpHandler()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        return self.handler.messages


def serve_smtp(settings, *, pipelining: bool = True):
    server = SmtpServer()
    server.handler.pipelining = pipelining
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    return server


@pytest.fixture
def smtp(settings):
    server = serve_smtp(settings)
    yield server
    server.stop()


# --- HTTP receiver ------------------------------------------------------------------------


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
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
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


@pytest.fixture
def fast(settings):
    """A retry schedule of the real length, without the waiting."""
    settings.CANDOR_RETRY_SCHEDULE = [0] * 8
    settings.CANDOR_RETRY_JITTER = 0
    settings.CANDOR_WEBHOOK_TIMEOUT = 2


def drain() -> Worker:
    worker = Worker(threads=0)
    worker.drain(timeout=60)
    worker.close()
    return worker


@pytest.fixture
def subscribe(page):
    def make(email: str = "", *, endpoint: str = "", components=(), contact="ops@example.com"):
        if endpoint:
            subscriber, _ = subscriptions.add_subscriber(
                page,
                by=None,
                mode="webhook",
                endpoint=endpoint,
                email=contact,
                components=components,
            )
        else:
            subscriber, _ = subscriptions.add_subscriber(
                page, by=None, mode="email", email=email, components=components
            )
        return subscriber

    return make


# --- Worker processes (`candor worker`), against the test database ------------------------


def database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def worker_env(smtp_port: int | None = None, **extra: str) -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS="1",
        CANDOR_RETRY_SCHEDULE="0,0.5,0.5,0.5,0.5,0.5,0.5,0.5",
        CANDOR_DELIVERY_LEASE="3",
        CANDOR_WEBHOOK_TIMEOUT="5",
    )
    if smtp_port:
        env["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp_port}"
    env.update(extra)
    return env


def start_worker(env: dict[str, str], *args: str):
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "candor.cli", "worker", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def workers():
    """Worker processes started by a test; whatever is left is killed at the end."""
    started = []

    def start(env, *args):
        process = start_worker(env, *args)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()
