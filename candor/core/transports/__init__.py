"""How a delivery leaves the machine: email over SMTP, webhooks and chat channels over HTTP.

A transport sends a batch of deliveries of its channel and reports one Outcome per delivery;
it never writes to the database (the worker records outcomes). A failure is a TransportError:
`permanent` means "do not retry this delivery", and `subscriber` says what the failure tells us
about the subscriber itself (quarantine it, or disable it for good).
"""

from __future__ import annotations

from candor.core.models import SubscriberMode
from candor.core.transports.base import Outcome as Outcome
from candor.core.transports.base import Transport as Transport
from candor.core.transports.base import TransportError as TransportError
from candor.core.transports.email import EmailTransport
from candor.core.transports.webhook import WebhookTransport

# One transport per delivery channel (a subscriber's mode).
TRANSPORTS: dict[str, type[Transport]] = {
    SubscriberMode.EMAIL: EmailTransport,
    SubscriberMode.WEBHOOK: WebhookTransport,
}


def transport_for(mode: str) -> Transport:
    if mode in TRANSPORTS:
        return TRANSPORTS[mode]()
    # A chat channel: its package says how to format and post (candor/core/channels).
    from candor.core.channels import channel_for
    from candor.core.channels.base import ChatTransport

    return ChatTransport(channel_for(mode))
