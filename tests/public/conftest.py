import pytest

from candor.core import services
from candor.public.store import store


@pytest.fixture(autouse=True)
def fresh_store(settings):
    # Every request checks the stored version, and renders at once when it is behind.
    settings.CANDOR_PUBLIC_POLL_SECONDS = 0
    settings.CANDOR_PUBLIC_RENDER_GRACE_SECONDS = 0
    store.reset()
    yield
    store.reset()


@pytest.fixture
def default_page(db):
    return services.ensure_default_page()


@pytest.fixture
def component(default_page):
    return services.create_component(default_page, by=None, name="Help Desk")
