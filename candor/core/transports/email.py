"""Email: every mail Candor sends is a row of the delivery ledger, composed here into the bytes
sent (one composer, whatever the backend), from three templates of one name:
`emails/<name>-subject.txt`, `emails/<name>-body.txt` and `emails/<name>-body.html`, where the
name is the row's kind (`incident-update` for a notification).

Mails go out in batches over one SMTP connection per worker thread, kept open between
batches. A connection error or a 4xx reply leaves the delivery for a later attempt; a 5xx reply
for the recipient means the mailbox refuses us, and the subscriber is quarantined.
"""

from __future__ import annotations

import binascii
import email
import email.policy
import secrets
from collections.abc import Mapping, Sequence
from email.utils import formatdate, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import timezone

from candor.core import links
from candor.core.models import Delivery, DeliveryKind, Incident, IncidentUpdate, Integration, Page
from candor.core.services.base import now
from candor.core.transports.base import Outcome, Stopwatch, Transport, TransportError
from candor.core.transports.smtp import SMTPConnection

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def render_email(name: str, ctx: Mapping[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML of the email called `name`."""
    # Times are written in the page's time zone, as on its site (candor/core/timefmt.py).
    tz = getattr(ctx.get("page"), "tz", None)
    with timezone.override(tz or timezone.get_default_timezone()):
        subject = render_to_string(f"emails/{name}-subject.txt", ctx)
        text = render_to_string(f"emails/{name}-body.txt", ctx)
        html = render_to_string(f"emails/{name}-body.html", ctx)
    return " ".join(subject.split()), text, html


def markdown(text: str) -> str:
    from candor.core.markdown import render_markdown

    return render_markdown(text)


def _label(status: str) -> str:
    from candor.core.enums import ComponentStatus

    return str(ComponentStatus(status).label) if status in ComponentStatus.values else status


def _status(update: IncidentUpdate) -> str:
    """The subject's first words: a maintenance says so ("Maintenance in progress")."""
    label = update.get_status_display()
    if not update.incident.is_maintenance:
        return label
    return f"Maintenance {label[:1].lower()}{label[1:]}"


def _window(incident: Incident) -> str:
    """A maintenance's window in its page's zone: "5 Dec 2026 02:00 – 04:00 (Europe/Berlin)"."""
    if not incident.is_maintenance or incident.scheduled_for is None:
        return ""
    assert incident.scheduled_until is not None
    tz = incident.page.tz
    start, end = incident.scheduled_for.astimezone(tz), incident.scheduled_until.astimezone(tz)
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{end.day} {end:%b %Y %H:%M}"
    return f"{start.day} {start:%b %Y %H:%M} – {until} ({incident.page.time_zone})"


def message_id(delivery: Delivery) -> str:
    return f"<candor.{delivery.message_key}@{settings.BASE_HOST}>"


class Composer:
    """Renders an update's email once; each subscriber's copy only swaps in their own links."""

    _URL = "https://candor.invalid/__unsubscribe__"
    _MANAGE = "https://candor.invalid/__manage__"

    def __init__(self) -> None:
        self._cache: dict[tuple[str, Any, bool], tuple[str, str, str]] = {}
        self._prepared: dict[tuple[str, Any, bool], Prepared] = {}

    def parts(self, update: IncidentUpdate, correction: bool = False) -> tuple[str, str, str]:
        key = (update.pk, update.updated_at, correction)
        if key not in self._cache:
            if len(self._cache) > 32:
                self._cache.clear()
            incident = update.incident
            page = incident.page
            ctx = {
                "page": page,
                "incident": incident,
                "update": update,
                "status": _status(update),
                "window": _window(incident),
                "correction": correction,
                "body_html": markdown(update.body),
                "components": [
                    {"name": c["name"], "status": _label(c.get("new_status", ""))}
                    for c in update.affected_components or []
                ],
                "incident_url": f"{links.public_root(page.url)}/incidents/{incident.pk}",
                "unsubscribe_url": self._URL,
                "manage_url": self._MANAGE,
            }
            self._cache[key] = render_email("incident-update", ctx)
        return self._cache[key]

    def prepared(self, update: IncidentUpdate, page_id: str, correction: bool = False) -> Prepared:
        key = (update.pk, update.updated_at, correction)
        if key not in self._prepared:
            if len(self._prepared) > 32:
                self._prepared.clear()
            subject, text, html = self.parts(update, correction)
            headers = {
                "List-Id": f"<{page_id}.{settings.BASE_HOST}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Auto-Submitted": "auto-generated",
            }
            self._prepared[key] = Prepared(subject, text, html, headers)
        return self._prepared[key]

    def compose_bytes(self, delivery: Delivery) -> bytes:
        """The wire bytes for this delivery: the update's prepared message, spliced."""
        subscriber = delivery.target
        assert delivery.update is not None
        # A correction the operator chose to announce says so (subject and first line).
        correction = delivery.revision_id is not None
        prepared = self.prepared(delivery.update, subscriber.page_id, correction)
        unsubscribe, manage = links.manage_urls(
            subscriber.pk, links.public_root(subscriber.page.url)
        )
        return prepared.message(subscriber.email, message_id(delivery), unsubscribe, manage)

    def compose_mail(self, delivery: Delivery) -> bytes:
        """A mail of another kind than a notification: rendered for its row, when it is sent."""
        to, ctx, headers = mail_context(delivery)
        subject, text, html = render_email(delivery.kind, ctx)
        return Prepared(subject, text, html, headers).message(to, message_id(delivery))

    def wire_bytes(self, delivery: Delivery) -> bytes:
        if delivery.kind == DeliveryKind.NOTIFICATION:
            return self.compose_bytes(delivery)
        return self.compose_mail(delivery)


def recipient(delivery: Delivery) -> str:
    """The address a row's email goes to: the subscriber's (a webhook's contact), the user's
    (also when the mail is about a team channel), or an email team channel's."""
    if delivery.subscriber is not None:
        return delivery.subscriber.email
    if delivery.user_id is not None:
        assert delivery.user is not None
        return str(delivery.user.email)
    assert delivery.team_channel is not None
    return delivery.team_channel.email


def mail_context(delivery: Delivery) -> tuple[str, dict[str, Any], dict[str, str]]:
    """Recipient, template context and extra headers of a mail that is not a notification.
    Links and secrets are made here, at sending time: the ledger row holds none."""
    if delivery.subscriber is not None:
        subscriber = delivery.subscriber
        root = links.public_root(subscriber.page.url)
        unsubscribe, manage = links.manage_urls(subscriber.pk, root)
        ctx: dict[str, Any] = {
            "page": subscriber.page,
            "subscriber": subscriber,
            "page_url": root,
            "confirm_url": links.confirm_url(subscriber.pk, root),
            "manage_url": manage,
            "unsubscribe_url": unsubscribe,
        }
        if delivery.kind == DeliveryKind.WEBHOOK_CREATED:
            ctx["secret"] = subscriber.secret
        if delivery.kind == DeliveryKind.CHAT_DISABLED:
            ctx["page_subscribe_url"] = f"{settings.BASE_URL}/subscribe/"
        # Every mail to a subscriber carries the manage link and RFC 8058's one-click headers.
        headers = {
            "List-Unsubscribe": f"<{ctx['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        return subscriber.email, ctx, headers
    if delivery.kind == DeliveryKind.TEAM_EVENT:
        assert delivery.team_channel is not None
        event = delivery.event
        ctx = {
            "page": delivery.page or {"name": "Candor"},
            "title": event.get("title", ""),
            "body_html": markdown(str(event.get("text", ""))),
            "text": event.get("text", ""),
            "url": event.get("url") or f"{settings.BASE_URL}/manage/",
            "settings_url": f"{settings.BASE_URL}/manage/team-channels/",
        }
        return recipient(delivery), ctx, {"Auto-Submitted": "auto-generated"}
    user = delivery.user
    assert user is not None
    if delivery.kind == DeliveryKind.REMINDER:
        incident = delivery.incident
        assert incident is not None
        ctx = {
            "incident": incident,
            "page": incident.page,
            "minutes": int((now() - incident.last_update_at).total_seconds() // 60),
            "incident_url": f"{settings.BASE_URL}/manage/incidents/{incident.pk}/",
        }
        return recipient(delivery), ctx, {"Auto-Submitted": "auto-generated"}
    if delivery.kind == DeliveryKind.TEAM_CHANNEL_DISABLED:
        team = delivery.team_channel
        assert team is not None
        ctx = {
            "page": Page.objects.get(pk=delivery.page_id),
            "team": team,
            "team_channels_url": f"{settings.BASE_URL}/manage/team-channels/#team-{team.pk}",
        }
        return recipient(delivery), ctx, {"Auto-Submitted": "auto-generated"}
    if delivery.kind == DeliveryKind.INTEGRATION_FROZEN:
        ctx = {
            "page": Page.objects.get(pk=delivery.page_id),
            "integrations": list(
                Integration.objects.filter(
                    page_id=delivery.page_id, frozen_at__isnull=False, revoked_at__isnull=True
                )
            ),
            "integrations_url": f"{settings.BASE_URL}/manage/integrations/",
        }
        return recipient(delivery), ctx, {"Auto-Submitted": "auto-generated"}
    assert delivery.kind in (DeliveryKind.PASSWORD_RESET, DeliveryKind.INVITATION)
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    # An invitation's link is a password-reset token for a user without a password yet: it
    # stops working once they choose one (the token covers the password hash).
    invited = delivery.kind == DeliveryKind.INVITATION
    path = reverse(
        "manage_invitation" if invited else "manage_password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    ctx = {
        "user": user,
        "page": {"name": "Candor"},
        "reset_url": f"{settings.BASE_URL}{path}",
        "role": "Administrator" if user.is_superuser else "Responder",
    }
    return recipient(delivery), ctx, {"Auto-Submitted": "auto-generated"}


class Prepared:
    """A message as bytes around the per-recipient parts, ready to splice: a notification is
    prepared once per update, and each subscriber's copy only swaps in their own links."""

    def __init__(self, subject: str, text: str, html: str, headers: Mapping[str, str]) -> None:
        from email.header import Header

        self.boundary = f"=_candor_{secrets.token_hex(12)}"
        encoded_subject = (
            # Folded with CRLF: Header's default line end is a bare LF, which SMTP forbids.
            subject
            if subject.isascii()
            else Header(subject, "utf-8").encode(maxlinelen=76, linesep="\r\n")
        )
        extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.head = (
            f"From: {settings.DEFAULT_FROM_EMAIL}\r\n"
            f"Subject: {encoded_subject}\r\n"
            "MIME-Version: 1.0\r\n"
            f'Content-Type: multipart/alternative; boundary="{self.boundary}"\r\n'
            f"{extra}"
        ).encode()
        self.text = _segments(text)
        self.html = _segments(html)

    def message(self, to: str, message_id: str, unsubscribe: str = "", manage: str = "") -> bytes:
        """The bytes for one recipient; `unsubscribe` and `manage` fill a notification's links
        (and its List-Unsubscribe header)."""
        text = _splice(self.text, unsubscribe, manage)
        html = _splice(self.html, unsubscribe, manage)
        b = self.boundary.encode()
        own = f"To: {to}\r\nMessage-ID: {message_id}\r\nDate: {formatdate()}\r\n"
        if unsubscribe:
            own += f"List-Unsubscribe: <{unsubscribe}>\r\n"
        return b"".join(
            [
                own.encode(),
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
        clock = Stopwatch()
        outcomes: dict[int, Outcome] = {}
        ready: list[tuple[Delivery, bytes]] = []
        for delivery in deliveries:
            try:
                ready.append((delivery, self.composer.wire_bytes(delivery)))
            except Exception as exc:  # a template bug must not stop the batch
                failed = TransportError(f"Could not compose: {exc}")
                outcomes[delivery.pk] = Outcome(delivery, failed)
        if settings.EMAIL_BACKEND == SMTP_BACKEND:
            sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
            results = self.connection.send_batch(
                sender, [(recipient(d), data) for d, data in ready]
            )
        else:
            results = [_hand_to_backend(recipient(d), data) for d, data in ready]
        # One batch is one dialogue with the server: each message is charged an equal share.
        share = clock.ms // max(1, len(ready))
        for (delivery, _), error in zip(ready, results, strict=True):
            outcomes[delivery.pk] = Outcome(delivery, error, share)
        return [outcomes[d.pk] for d in deliveries]


class Composed(EmailMessage):
    """Bytes the composer made, for a Django backend other than SMTP (the console in
    development, locmem in a few tests): they see what a mail server would have received."""

    def __init__(self, to: str, data: bytes) -> None:
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        body = parsed.get_body(("plain",))
        text = body.get_content().replace("\r\n", "\n") if body is not None else ""  # type: ignore[union-attr]
        super().__init__(str(parsed["Subject"]), text, to=[to])
        self.parsed = parsed

    def message(self) -> Any:  # type: ignore[override]
        return self.parsed


def _hand_to_backend(to: str, data: bytes) -> TransportError | None:
    try:
        get_connection(fail_silently=False).send_messages([Composed(to, data)])
    except Exception as exc:
        return TransportError(f"Email backend failed: {exc}")
    return None
