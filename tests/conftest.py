import os

import pytest
from django.conf import settings
from django.db import connection

from candor.core import services
from candor.core.models import Page


def on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # PostgreSQL-only tests are deselected on SQLite, never skipped: CI fails on any skip.
    if on_postgres():
        return
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("postgres_only") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CANDOR_FAIL_ON_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        reporter.write_line(
            f"CANDOR_FAIL_ON_SKIP: {skipped} test(s) skipped; failing the run.", red=True
        )
        session.exitstatus = 1


@pytest.fixture
def page(db) -> Page:
    return services.create_page(by=None, name="Acme Status", time_zone="Europe/Paris")


@pytest.fixture
def admin(db, django_user_model):
    return django_user_model.objects.create_superuser(
        "admin", "admin@example.com", "correct horse battery"
    )


@pytest.fixture
def make_component(page):
    def make(name: str = "Help Desk", **kwargs):
        return services.create_component(page, by=None, name=name, **kwargs)

    return make


@pytest.fixture
def db_vendor() -> str:
    return connection.vendor
