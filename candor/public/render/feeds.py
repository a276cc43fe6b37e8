"""/history.atom and /history.rss: one entry per incident, updated with each update."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed

from candor.core.models import Incident, IncidentUpdate
from candor.core.serializers import public_url
from candor.core.services import Document

if TYPE_CHECKING:
    from candor.public.render.site import Site

FEED_ENTRIES = 50


class _Stable:
    """Without entries, the feed's date is the page's last change, not the time of rendering."""

    fallback = None

    def latest_post_date(self):  # type: ignore[no-untyped-def]
        if not self.items:  # type: ignore[attr-defined]
            return self.fallback
        return super().latest_post_date()  # type: ignore[misc]


class AtomFeed(_Stable, Atom1Feed):
    pass


class RssFeed(_Stable, Rss201rev2Feed):
    pass


def _feed(site: Site, cls: type[SyndicationFeed], path: str) -> SyndicationFeed:
    page = site.page
    base = public_url(page).rstrip("/")
    feed = cls(
        title=f"{page.name} status: incident history",
        link=f"{base}/history",
        description="Incidents and their updates, newest first",
        feed_url=f"{base}{path}",
        language="en",
        feed_guid=f"{base}{path}",
    )
    feed.fallback = page.updated_at  # type: ignore[attr-defined]
    for incident in site.incidents[:FEED_ENTRIES]:
        updates = list(incident.updates.all())
        latest = updates[0].display_at if updates else incident.updated_at
        content = _entry(site, incident, updates)
        feed.add_item(
            title=incident.name,
            link=f"{base}/incidents/{incident.pk}",
            description=content,
            unique_id=f"{base}/incidents/{incident.pk}",
            unique_id_is_permalink=True,
            pubdate=incident.started_at,
            updateddate=max(latest, incident.updated_at),
        )
    return feed


_entries: dict[str, tuple[tuple[Any, ...], str]] = {}


def _entry(site: Site, incident: Incident, updates: list[IncidentUpdate]) -> str:
    """An entry's content; kept per incident while what it is made of stays the same."""
    from candor.public.render.site import fingerprint

    key = fingerprint(site, incident)
    cached = _entries.get(incident.pk)
    if cached is not None and cached[0] == key:
        return cached[1]
    content = render_to_string(
        "public/feed_entry.html", {"incident": incident, "updates": updates, "tz": site.tz}
    )
    _entries[incident.pk] = (key, content)
    return content


def build(site: Site) -> list[Document]:
    docs = []
    for path, cls, kind in (
        ("/history.atom", AtomFeed, "application/atom+xml; charset=utf-8"),
        ("/history.rss", RssFeed, "application/rss+xml; charset=utf-8"),
    ):
        feed = _feed(site, cls, path)
        docs.append(Document(path, feed.writeString("utf-8").encode(), kind))
    return docs
