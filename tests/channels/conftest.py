import pytest

from candor.core import subscriptions

MODES = ("slack", "teams", "discord")


@pytest.fixture
def chat(page, receiver):
    """A chat subscriber at the receiver (its test message is posted, and taken, first)."""

    def make(mode: str, path: str = "", *, components=(), contact: str = ""):
        subscriber, _ = subscriptions.add_subscriber(
            page,
            by=None,
            mode=mode,
            endpoint=receiver.url(path or f"/{mode}"),
            email=contact,
            components=components,
        )
        return subscriber

    return make
