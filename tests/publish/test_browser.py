"""The published copy in a real browser: served by a plain static web server, with Candor out
of the picture, it shows the page and "Updated …" from the copy's /updated.json."""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from candor.public.publish import ledger
from tests.conftest import assert_accessible
from tests.public.factories import full_page

pytestmark = pytest.mark.django_db(transaction=True)


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def static_server(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    handler = functools.partial(Quiet, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield site, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_the_published_copy_says_how_old_it_is(static_server, settings, default_page, browser_page):
    site, base = static_server
    settings.CANDOR_PUBLISH_TARGETS = [f"file://{site}"]
    full_page(default_page)
    ledger.run()

    browser_page.goto(f"{base}/")
    updated = browser_page.locator("#updated")
    updated.wait_for(state="visible")
    assert updated.inner_text() == "Updated just now."
    assert "Help Desk Ticket Submission Disrupted" in browser_page.inner_text("#main")
    assert_accessible(browser_page, "the published copy")

    # Candor is gone and the copy ages: three hours later it says so.
    data = json.loads((site / "updated.json").read_bytes())
    earlier = datetime.now(UTC) - timedelta(hours=3)
    data["updated_at"] = earlier.isoformat(timespec="seconds").replace("+00:00", "Z")
    (site / "updated.json").write_text(json.dumps(data))
    # The static server validates by Last-Modified, in whole seconds: a rewrite within the same
    # second as the publish would answer 304 and leave the browser's copy in place.
    later = time.time() + 10
    os.utime(site / "updated.json", (later, later))
    browser_page.goto(f"{base}/history/")
    browser_page.locator("#updated").wait_for(state="visible")
    assert browser_page.locator("#updated").inner_text() == "Updated 3 h ago."
