"""A real SMTP server (aiosmtpd) on 127.0.0.1, and the `smtp` fixture that points Candor at it."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading

import pytest
from aiosmtpd.controller import Controller

from tests.support.servers import free_port


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
