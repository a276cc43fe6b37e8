"""SMTP for notification batches: one connection per worker thread, pipelined when the server
offers it (RFC 2920).

smtplib's `sendmail` waits for a reply after each of MAIL, RCPT, DATA and the message: four round
trips per message. Nearly every mail server (Postfix, Exim, Amazon SES, Gmail, Mailgun) advertises
PIPELINING, which lets a client send the message and the next message's envelope together and read
all their replies at once: one round trip per message, and far fewer wake-ups on both sides. A
server that does not advertise it gets smtplib's one-step-at-a-time dialogue.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
from collections.abc import Sequence

from django.conf import settings

from candor.core.transports.base import TransportError

_DOT = re.compile(rb"(?m)^\.")


def refused(code: int, reply: bytes | str) -> TransportError:
    """A reply refusing a message: 5xx means the mailbox refuses us; 4xx, try again later."""
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    message = f"SMTP {code} {text}".strip()
    if code >= 500:
        return TransportError(message, permanent=True, subscriber="quarantine")
    return TransportError(message)


def sender_refused(code: int, reply: bytes | str) -> TransportError:
    # Our own sender address refused: a setup problem, never the subscriber's fault.
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return TransportError(f"SMTP sender refused: {code} {text}".strip())


def wire(data: bytes) -> bytes:
    """Message bytes as DATA carries them: leading dots doubled, then the end-of-data line."""
    data = _DOT.sub(b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


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
            smtp.ehlo_or_helo_if_needed()
            self.smtp = smtp
        return self.smtp

    @property
    def pipelining(self) -> bool:
        return self.smtp is not None and self.smtp.has_extn("pipelining")

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

    def send_batch(
        self, sender: str, messages: Sequence[tuple[str, bytes]]
    ) -> list[TransportError | None]:
        """Send each (recipient, bytes); one result per message, None when the server took it.

        A reused connection the server closed while idle is reopened once per batch; a message
        whose reply was lost with the connection counts as failed and goes again later with
        the same Message-ID (at-least-once).
        """
        results: list[TransportError | None] = []
        reopened = False
        while len(results) < len(messages):
            try:
                smtp = self.open()
            except (smtplib.SMTPException, OSError) as exc:
                self.drop()
                failed = TransportError(f"SMTP connection failed: {exc}")
                return results + [failed] * (len(messages) - len(results))
            rest = messages[len(results) :]
            try:
                if self.pipelining and all(to.isascii() for to, _ in rest):
                    self._pipelined(smtp, sender, rest, results)
                else:
                    self._stepwise(smtp, sender, rest, results)
            except (smtplib.SMTPException, OSError) as exc:
                self.drop()
                if reopened:
                    lost = TransportError(f"SMTP connection lost: {exc}")
                    return results + [lost] * (len(messages) - len(results))
                reopened = True
        return results

    @staticmethod
    def _stepwise(
        smtp: smtplib.SMTP,
        sender: str,
        messages: Sequence[tuple[str, bytes]],
        results: list[TransportError | None],
    ) -> None:
        for recipient, data in messages:
            options: tuple[str, ...] = ()
            if not recipient.isascii():
                if not smtp.has_extn("smtputf8"):
                    results.append(
                        TransportError(
                            "The mail server does not take internationalised addresses (SMTPUTF8)",
                            permanent=True,
                        )
                    )
                    continue
                options = ("SMTPUTF8",)
            try:
                smtp.sendmail(sender, [recipient], data, mail_options=options)
                results.append(None)
            except smtplib.SMTPRecipientsRefused as exc:
                results.append(refused(*exc.recipients.get(recipient, (451, b"refused"))))
            except smtplib.SMTPDataError as exc:
                results.append(refused(exc.smtp_code, exc.smtp_error))
            except smtplib.SMTPSenderRefused as exc:
                results.append(sender_refused(exc.smtp_code, exc.smtp_error))
            except smtplib.SMTPResponseException as exc:
                # Anything else the server said: its connection state is unknown; start over.
                smtp.rset()
                results.append(refused(exc.smtp_code, exc.smtp_error))

    @staticmethod
    def _pipelined(
        smtp: smtplib.SMTP,
        sender: str,
        messages: Sequence[tuple[str, bytes]],
        results: list[TransportError | None],
    ) -> None:
        """Each message's content goes out together with the next message's envelope
        (RFC 2920 §3.1: DATA ends a group, the content may open the next one)."""

        def envelope(i: int) -> bytes:
            if i >= len(messages):
                return b""
            return f"MAIL FROM:<{sender}>\r\nRCPT TO:<{messages[i][0]}>\r\nDATA\r\n".encode()

        smtp.send(envelope(0))
        for i, (_, data) in enumerate(messages):
            mail, rcpt, go = smtp.getreply(), smtp.getreply(), smtp.getreply()
            if mail[0] == 250 and rcpt[0] in (250, 251) and go[0] == 354:
                smtp.send(wire(data) + envelope(i + 1))
                code, reply = smtp.getreply()
                results.append(None if code == 250 else refused(code, reply))
                continue
            if go[0] == 354:
                # DATA accepted although the envelope failed (servers should refuse it): end it.
                smtp.send(b".\r\n")
                smtp.getreply()
            if mail[0] != 250:
                results.append(sender_refused(*mail))
            elif rcpt[0] not in (250, 251):
                results.append(refused(*rcpt))
            else:
                results.append(refused(*go))
            smtp.send(b"RSET\r\n" + envelope(i + 1))
            smtp.getreply()
