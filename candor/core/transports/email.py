"""Email: every mail Candor sends is rendered from three templates of one name,
`emails/<name>-subject.txt`, `emails/<name>-body.txt` and `emails/<name>-body.html`.

Notifications go out in batches over one SMTP connection per worker thread, kept open between
batches. A connection error or a 4xx reply leaves the delivery for a later attempt; a 5xx reply
for the recipient means the mailbox refuses us, and the subscriber is quarantined.
"""

from __future__ import annotations

import binascii
import contextlib
import secrets
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from email.utils import formatdate, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

from candor.core.models import Delivery, IncidentUpdate
from candor.core.transports import Outcome, Stopwatch, Transport, TransportError

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


def markdown(text: str) -> str:
    from candor.core.markdown import render_markdown

    return render_markdown(text)


def _label(status: str) -> str:
    from candor.core.enums import ComponentStatus

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
            from candor.core.serializers import public_url

            ctx = {
                "page": page,
                "incident": incident,
                "update": update,
                "status": update.get_status_display(),
                "body_html": markdown(update.body),
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
        from candor.core.subscriptions import manage_token

        subscriber = delivery.subscriber
        assert delivery.update is not None
        prepared = self.prepared(delivery.update, subscriber.page_id)
        token = manage_token(subscriber)
        return prepared.message(
            subscriber.email,
            message_id(delivery),
            f"{settings.BASE_URL}/subscribe/unsubscribe/{token}/",
            f"{settings.BASE_URL}/subscribe/manage/{token}/",
        )

    def compose(self, delivery: Delivery) -> EmailMultiAlternatives:
        from candor.core.subscriptions import manage_url, unsubscribe_url

        subscriber = delivery.subscriber
        assert delivery.update is not None
        subject, text, html = self.parts(delivery.update)
        unsubscribe = unsubscribe_url(subscriber)
        manage = manage_url(subscriber)
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
            subject if subject.isascii() else Header(subject, "utf-8").encode(maxlinelen=76)
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
        self.text = text
        self.html = html

    def message(self, to: str, message_id: str, unsubscribe: str, manage: str) -> bytes:
        text = self.text.replace(Composer._URL, unsubscribe).replace(Composer._MANAGE, manage)
        html = self.html.replace(Composer._URL, unsubscribe).replace(Composer._MANAGE, manage)
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
                _qp(text),
                b"\r\n--",
                b,
                b"\r\n",
                _PART.format(kind="html").encode(),
                _qp(html),
                b"\r\n--",
                b,
                b"--\r\n",
            ]
        )


_PART = (
    'Content-Type: text/{kind}; charset="utf-8"\r\n'
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
)


def _qp(text: str) -> bytes:
    """Quoted-printable in C (binascii), with the CRLF line ends SMTP wants."""
    encoded = binascii.b2a_qp(text.replace("\r\n", "\n").encode(), istext=True)
    return encoded.replace(b"\n", b"\r\n")


class SMTPConnection:
    """smtplib on the settings Django parsed from EMAIL_URL, opened on demand and reused."""

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> smtplib.SMTP:
        if self.smtp is None:
            host, port = settings.EMAIL_HOST, int(settings.EMAIL_PORT)
            timeout = float(settings.EMAIL_TIMEOUT or 20)
            smtp: smtplib.SMTP
            if settings.EMAIL_USE_SSL:
                smtp = smtplib.SMTP_SSL(
                    host, port, timeout=timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(host, port, timeout=timeout)
                if settings.EMAIL_USE_TLS:
                    smtp.starttls(context=ssl.create_default_context())
            if settings.EMAIL_HOST_USER:
                smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
            self.smtp = smtp
        return self.smtp

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None

    def drop(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError):
                self.smtp.close()
            self.smtp = None


def _refused(code: int, reply: bytes | str) -> TransportError:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    message = f"SMTP {code} {text}".strip()
    if code >= 500:
        return TransportError(message, permanent=True, subscriber="quarantine")
    return TransportError(message)


class EmailTransport(Transport):
    def __init__(self) -> None:
        self.composer = Composer()
        self.connection = SMTPConnection()

    def close(self) -> None:
        self.connection.close()

    def send(self, deliveries: Sequence[Delivery]) -> list[Outcome]:
        outcomes = []
        sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        smtp = settings.EMAIL_BACKEND == SMTP_BACKEND
        for delivery in deliveries:
            clock = Stopwatch()
            recipient = delivery.subscriber.email
            try:
                if smtp and recipient.isascii():
                    data = self.composer.compose_bytes(delivery)
                else:
                    message = self.composer.compose(delivery)
            except Exception as exc:  # a template bug must not stop the batch
                outcomes.append(Outcome(delivery, TransportError(f"Could not compose: {exc}")))
                continue
            if not smtp:
                outcomes.append(Outcome(delivery, self._send_django(message), clock.ms))
                continue
            if not recipient.isascii():
                data = message.message().as_bytes(linesep="\r\n")  # type: ignore[call-arg]
            error = self._send_smtp(sender, recipient, data)
            outcomes.append(Outcome(delivery, error, clock.ms))
        return outcomes

    def _send_django(self, message: EmailMultiAlternatives) -> TransportError | None:
        try:
            get_connection(fail_silently=False).send_messages([message])
        except Exception as exc:
            return TransportError(f"Email backend failed: {exc}")
        return None

    def _send_smtp(self, sender: str, recipient: str, data: bytes) -> TransportError | None:
        for retry in (True, False):
            try:
                smtp = self.connection.open()
            except (smtplib.SMTPException, OSError) as exc:
                self.connection.drop()
                return TransportError(f"SMTP connection failed: {exc}")
            try:
                smtp.sendmail(sender, [recipient], data)
                return None
            except smtplib.SMTPRecipientsRefused as exc:
                code, reply = exc.recipients.get(recipient, (451, b"refused"))
                return _refused(code, reply)
            except smtplib.SMTPDataError as exc:
                return _refused(exc.smtp_code, exc.smtp_error)
            except smtplib.SMTPSenderRefused as exc:
                # Our sender refused: a setup problem, never the subscriber's fault.
                return TransportError(f"SMTP sender refused: {exc.smtp_code} {exc.smtp_error!r}")
            except (TimeoutError, smtplib.SMTPServerDisconnected, ConnectionError) as exc:
                # A reused connection may have been closed by the server while idle: reopen once.
                self.connection.drop()
                if not retry:
                    return TransportError(f"SMTP connection lost: {exc}")
            except (smtplib.SMTPException, OSError) as exc:
                self.connection.drop()
                return TransportError(f"SMTP error: {exc}")
        return TransportError("SMTP connection lost")
