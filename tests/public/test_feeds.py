import feedparser
import pytest

from candor.core import services
from tests.public.factories import full_page


@pytest.fixture
def data(default_page):
    return full_page(default_page)


@pytest.mark.parametrize("path", ["/history.atom", "/history.rss"])
def test_feed_has_one_entry_per_incident(client, data, path):
    response = client.get(path)
    feed = feedparser.parse(response.content)
    assert (feed.bozo, len(feed.entries)) == (False, 3)
    titles = sorted(e.title for e in feed.entries)
    assert titles == [
        "Delayed email notifications",
        "Help Desk Ticket Submission Disrupted",
        "Slow logins",
    ]
    live = next(e for e in feed.entries if e.title.startswith("Help Desk"))
    assert live.link.endswith(f"/incidents/{data['live'].pk}")
    assert "A database connectivity issue." in live.summary


@pytest.mark.parametrize("path", ["/history.atom", "/history.rss"])
def test_feed_entry_changes_with_each_update(client, data, path):
    before = feedparser.parse(client.get(path).content)
    services.post_update(data["live"], by=None, status="monitoring", message="A fix is live.")
    after = feedparser.parse(client.get(path).content)
    entry = next(e for e in after.entries if e.title.startswith("Help Desk"))
    old = next(e for e in before.entries if e.title.startswith("Help Desk"))
    assert "A fix is live." in entry.summary and "A fix is live." not in old.summary
    if path.endswith(".atom"):
        assert entry.updated_parsed >= old.updated_parsed


def test_feed_content_types(client, data):
    assert client.get("/history.atom")["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert client.get("/history.rss")["Content-Type"] == "application/rss+xml; charset=utf-8"
