import os

import pytest
from django.conf import settings
from django.db import connection

from candor.core import services, subscriptions
from candor.core.models import Page
from candor.datadir import prepare

prepare()  # as the `candor` command does: the data directory and the secret key

# For every test directory: the real things at the edges (SMTP server, HTTP receiver, workers)
# and who the tests act as: alice (Administrator), bob (Responder), charlie (deactivated), and
# API keys of the page and of another page (tests/support/personas.py); an S3 server
# (tests/support/s3.py).
pytest_plugins = [
    "tests.support.mail",
    "tests.support.receiver",
    "tests.support.processes",
    "tests.support.personas",
    "tests.support.public",
    "tests.support.s3",
]


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


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    # Live-server request threads would otherwise keep their connections open past the test,
    # and PostgreSQL could not drop the test database at the end.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture
def page(db) -> Page:
    return services.create_page(by=None, name="Acme Status", time_zone="Europe/Paris")


@pytest.fixture
def make_component(page):
    def make(name: str = "Help Desk", **kwargs):
        return services.create_component(page, by=None, name=name, **kwargs)

    return make


@pytest.fixture
def db_vendor() -> str:
    return connection.vendor


# --- Real browser: Playwright driving Debian's Chromium (Playwright cannot download its own). ---

CHROMIUM = os.environ.get("CANDOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    # The same patience for assertions as for actions (browser_page's default timeout): CI shares
    # two cores between test processes, Chromium and the servers.
    expect.set_options(timeout=10_000)

    # Playwright's sync API runs an event loop in the test thread; Django's ORM guard would
    # refuse the test's own database calls next to it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def assert_accessible(tab, name: str = "") -> None:
    """axe-core on the page as it is now: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(tab)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"accessibility violations on {name or tab.url}:\n" + "\n".join(bad)


SCREENSHOTS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "docs", "screenshots")


def screenshot(tab, name: str) -> None:
    """Saved under docs/screenshots/ only by `make screenshots` (CANDOR_SCREENSHOTS=1)."""
    if os.environ.get("CANDOR_SCREENSHOTS") == "1":
        os.makedirs(SCREENSHOTS, exist_ok=True)
        tab.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def subscribe(page):
    def make(email: str = "", *, endpoint: str = "", components=(), contact="ops@example.com"):
        if endpoint:
            subscriber, _ = subscriptions.add_subscriber(
                page,
                by=None,
                mode="webhook",
                endpoint=endpoint,
                email=contact,
                components=components,
            )
        else:
            subscriber, _ = subscriptions.add_subscriber(
                page, by=None, mode="email", email=email, components=components
            )
        return subscriber

    return make


# Light and dark, desktop and phone: the four ways every public and management page is checked.
VIEWS = [
    pytest.param(("light", 1280), id="light-1280"),
    pytest.param(("dark", 1280), id="dark-1280"),
    pytest.param(("light", 375), id="light-375"),
    pytest.param(("dark", 375), id="dark-375"),
]


@pytest.fixture(params=VIEWS)
def view_tab(request, browser):
    """A tab in one colour scheme and width; `view_tab.view` is (scheme, width)."""
    scheme, width = request.param
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.view = (scheme, width)
    yield tab
    context.close()


def assert_fits(tab, name: str = "") -> None:
    """Nothing scrolls sideways: the page fits its viewport's width."""
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= tab.viewport_size["width"], f"{name or tab.url} is {width}px wide"
