"""The public site's fixtures, for the test directories that read what it serves."""

import pytest

from candor.core import services
from candor.core.models import Page
from candor.public.store import store


@pytest.fixture
def fresh_store(settings):
    """Every request checks the stored version and renders at once when it is behind, with
    nothing left over from another test. Directories that read the public site use it autouse."""
    settings.CANDOR_PUBLIC_POLL_SECONDS = 0
    settings.CANDOR_PUBLIC_RENDER_GRACE_SECONDS = 0
    store.reset()
    yield
    store.reset()


@pytest.fixture
def default_page(db) -> Page:
    """The page the public site shows."""
    return services.ensure_default_page()
