"""Chat channels: one package per service (slack/, teams/, discord/), each with its CHANNEL
(URL rule, message format, 429 reading), its how-to template and its tests
(tests/channels/test_<mode>.py). Every one sends through the delivery ledger (ChatTransport).

The packages are found here by looking, not by a list: adding a channel touches no other's code.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from candor.core.channels.base import Channel


@functools.cache
def channels() -> dict[str, Channel]:
    found: dict[str, Channel] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.ispkg:
            module = importlib.import_module(f"{__name__}.{info.name}")
            channel: Channel = module.CHANNEL
            found[channel.mode] = channel
    return dict(sorted(found.items(), key=lambda item: (item[1].order, item[0])))


def channel_for(mode: str) -> Channel:
    return channels()[mode]
