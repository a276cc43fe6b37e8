import pytest

from candor.core import services


@pytest.fixture(autouse=True)
def _fresh_public_store(fresh_store):
    """tests/support/public.py: each test here reads a public site rendered afresh."""


@pytest.fixture
def component(default_page):
    return services.create_component(default_page, by=None, name="Help Desk")
