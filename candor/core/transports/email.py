"""Email: every mail Candor sends is rendered from three templates of one name,
`emails/<name>-subject.txt`, `emails/<name>-body.txt` and `emails/<name>-body.html`.

Notifications go out in batches over one SMTP connection per worker thread, kept open between
batches. A connection error or a 4xx reply leaves the delivery for a later attempt; a 5xx reply
for the recipient means the mailbox refuses us, and the subscriber is quarantined.
"""

from __future__ import annotations

import binascii
import secrets
from collections.abc import Mapping, Sequence
from email.utils import formatdate, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

from candor.core import links
from candor.core.enums import ComponentStatus
from candor.core.markdown import render_markdown
from candor.core.models import Delivery, IncidentUpdate
from candor.core.serializers import public_url
from candor.core.transports.base import Outcome, Stopwatch, Transport, TransportError
from candor.core.transports.smtp import SMTPConnection

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def render_email(name: str, ctx: Mapping[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML of the email called `name`."""
    ctx = {"base_url": settings.BASE_URL, **ctx}
    subject = render_to_string(f"emails/{name}-subject.txt", ctx)
    text = render_to_string(f"emails/{name}-body.txt", ctx)
    html = render_to_string(f"emails/{name}-body.html", ctx)
    return " ".join(subject.split()), text, html


def build(
    name: str, to: str, ctx: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> EmailMultiAlternatives:
    subject, text, html = render_email(name, ctx)
    message = EmailMultiAlternatives(subject, text, to=[to], headers=dict(headers or {}))
    message.attach_alternative(html, "text/html")
    return message


def send_email(
    name: str, to: str, ctx: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> None:
    """One mail now, through Django's configured backend (confirmations, notices, reminders)."""
    build(name, to, ctx, headers).send()


def _label(status: str) -> str:
    return str(ComponentStatus(status).label) if status in ComponentStatus.values else status


def message_id(delivery: Delivery) -> str:
    return f"<candor.{delivery.message_key}@{settings.BASE_HOST}>"


class Composer:
    """Renders an update's email once; each subscriber's copy only swaps in their own links."""

    _URL = "https://candor.invalid/__unsubscribe__"
    _MANAGE = "https://candor.invalid/__manage__"

    def __init__(self) -> None:
        self._cache: dict[tuple[str, Any], tuple[str, str, str]] = {}
        self._prepared: dict[tuple[str, Any], Prepared] = {}

    def parts(self, update: IncidentUpdate) -> tuple[str, str, str]:
        key = (update.pk, update.updated_at)
        if key not in self._cache:
            if len(self._cache) > 32:
                self._cache.clear()
            incident = update.incident
            page = incident.page
            ctx = {
                "page": page,
                "incident": incident,
                "update": update,
                "status": update.get_status_display(),
                "body_html": render_markdown(update.body),
                "components": [
                    {"name": c["name"], "status": _label(c.get("new_status", ""))}
                    for c in update.affected_components or []
                ],
                "incident_url": f"{public_url(page).rstrip('/')}/incidents/{incident.pk}",
                "unsubscribe_url": self._URL,
                "manage_url": self._MANAGE,
            }
            self._cache[key] = render_email("incident-update", ctx)
        return self._cache[key]

    def prepared(self, update: IncidentUpdate, page_id: str) -> Prepared:
        key = (update.pk, update.updated_at)
        if key not in self._prepared:
            if len(self._prepared) > 32:
                self._prepared.clear()
            subject, text, html = self.parts(update)
            self._prepared[key] = Prepared(subject, text, html, f"<{page_id}.{settings.BASE_HOST}>")
        return self._prepared[key]

    def compose_bytes(self, delivery: Delivery) -> bytes:
        """The wire bytes for this delivery: the update's prepared message, spliced."""
        subscriber = delivery.subscriber
        assert delivery.update is not None
        prepared = self.prepared(delivery.update, subscriber.page_id)
        unsubscribe, manage = links.manage_urls(subscriber.pk)
        return prepared.message(subscriber.email, message_id(delivery), unsubscribe, manage)

    def compose(self, delivery: Delivery) -> EmailMultiAlternatives:
        subscriber = delivery.subscriber
        assert delivery.update is not None
        subject, text, html = self.parts(delivery.update)
        unsubscribe, manage = links.manage_urls(subscriber.pk)
        text = text.replace(self._URL, unsubscribe).replace(self._MANAGE, manage)
        html = html.replace(self._URL, unsubscribe).replace(self._MANAGE, manage)
        message = EmailMultiAlternatives(
            subject,
            text,
            to=[subscriber.email],
            headers={
                "Message-ID": message_id(delivery),
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "List-Id": f"<{subscriber.page_id}.{settings.BASE_HOST}>",
                "Auto-Submitted": "auto-generated",
            },
        )
        message.attach_alternative(html, "text/html")
        return message


class Prepared:
    """One update's email as bytes around the per-subscriber parts, ready to splice."""

    def __init__(self, subject: str, text: str, html: str, list_id: str) -> None:
        from email.header import Header

        self.boundary = f"=_candor_{secrets.token_hex(12)}"
        encoded_subject = (
            # Folded with CRLF: Header's default line end is a bare LF, which SMTP forbids.
            subject
            if subject.isascii()
            else Header(subject, "utf-8").encode(maxlinelen=76, linesep="\r\n")
        )
        self.head = (
            f"From: {settings.DEFAULT_FROM_EMAIL}\r\n"
            f"Subject: {encoded_subject}\r\n"
            "MIME-Version: 1.0\r\n"
            f'Content-Type: multipart/alternative; boundary="{self.boundary}"\r\n'
            f"List-Id: {list_id}\r\n"
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
            "Auto-Submitted: auto-generated\r\n"
        ).encode()
        self.text = _segments(text)
        self.html = _segments(html)

    def message(self, to: str, message_id: str, unsubscribe: str, manage: str) -> bytes:
        text = _splice(self.text, unsubscribe, manage)
        html = _splice(self.html, unsubscribe, manage)
        b = self.boundary.encode()
        return b"".join(
            [
                f"To: {to}\r\nMessage-ID: {message_id}\r\nDate: {formatdate()}\r\n"
                f"List-Unsubscribe: <{unsubscribe}>\r\n".encode(),
                self.head,
                b"\r\n--",
                b,
                b"\r\n",
                _PART.format(kind="plain").encode(),
                text,
                b"\r\n--",
                b,
                b"\r\n",
                _PART.format(kind="html").encode(),
                html,
                b"\r\n--",
                b,
                b"--\r\n",
            ]
        )


_PART = (
    'Content-Type: text/{kind}; charset="utf-8"\r\n'
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
)


def _lf(text: str) -> str:
    """Every line end as LF: CRLF, and a bare CR (which binascii would pass through, and some
    relays read as a line end: the precondition for SMTP smuggling, RFC 5321 §2.3.8)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _qp(text: str) -> bytes:
    """Quoted-printable in C (binascii), with the CRLF line ends SMTP wants and no other."""
    encoded = binascii.b2a_qp(_lf(text).encode(), istext=True)
    return encoded.replace(b"\n", b"\r\n")


def _segments(text: str) -> list[bytes | str]:
    """The text as quoted-printable runs of whole lines, encoded once, and the lines holding a
    subscriber's link, left to encode per copy. Quoted-printable works line by line, so
    encoding the runs apart gives the same bytes as encoding the whole."""
    parts: list[bytes | str] = []
    run: list[str] = []
    for line in _lf(text).splitlines(keepends=True):
        if Composer._URL in line or Composer._MANAGE in line:
            if run:
                parts.append(_qp("".join(run)))
                run = []
            parts.append(line)
        else:
            run.append(line)
    if run:
        parts.append(_qp("".join(run)))
    return parts


def _splice(parts: list[bytes | str], unsubscribe: str, manage: str) -> bytes:
    return b"".join(
        part
        if isinstance(part, bytes)
        else _qp(part.replace(Composer._URL, unsubscribe).replace(Composer._MANAGE, manage))
        for part in parts
    )


class EmailTransport(Transport):
    def __init__(self) -> None:
        self.composer = Composer()
        self.connection = SMTPConnection()

    def close(self) -> None:
        self.connection.close()

    def send(self, deliveries: Sequence[Delivery]) -> list[Outcome]:
        if settings.EMAIL_BACKEND != SMTP_BACKEND:
            return [self._send_django(d) for d in deliveries]
        clock = Stopwatch()
        outcomes: dict[int, Outcome] = {}
        ready: list[tuple[Delivery, bytes]] = []
        for delivery in deliveries:
            try:
                ready.append((delivery, self._wire_bytes(delivery)))
            except Exception as exc:  # a template bug must not stop the batch
                failed = TransportError(f"Could not compose: {exc}")
                outcomes[delivery.pk] = Outcome(delivery, failed)
        sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        results = self.connection.send_batch(
            sender, [(d.subscriber.email, data) for d, data in ready]
        )
        # One batch is one dialogue with the server: each message is charged an equal share.
        share = clock.ms // max(1, len(ready))
        for (delivery, _), error in zip(ready, results, strict=True):
            outcomes[delivery.pk] = Outcome(delivery, error, share)
        return [outcomes[d.pk] for d in deliveries]

    def _wire_bytes(self, delivery: Delivery) -> bytes:
        if delivery.subscriber.email.isascii():
            return self.composer.compose_bytes(delivery)
        # An internationalised address: the standard library writes its headers.
        return self.composer.compose(delivery).message().as_bytes(linesep="\r\n")  # type: ignore[call-arg]

    def _send_django(self, delivery: Delivery) -> Outcome:
        clock = Stopwatch()
        try:
            message = self.composer.compose(delivery)
        except Exception as exc:
            return Outcome(delivery, TransportError(f"Could not compose: {exc}"))
        try:
            get_connection(fail_silently=False).send_messages([message])
        except Exception as exc:
            return Outcome(delivery, TransportError(f"Email backend failed: {exc}"), clock.ms)
        return Outcome(delivery, None, clock.ms)
