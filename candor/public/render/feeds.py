"""/history.atom and /history.rss: one entry per incident, updated with each update."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed

from candor.core.models import Incident, IncidentUpdate
from candor.core.serializers import public_url
from candor.public.documents import Document
from candor.public.render.load import Front


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


def _feed(
    site: Front, cls: type[SyndicationFeed], path: str, entries: dict[str, str]
) -> SyndicationFeed:
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
    for incident in site.feed:
        updates = list(incident.updates.all())
        latest = updates[0].display_at if updates else incident.updated_at
        content = entries.get(incident.pk) or _entry(site, incident, updates)
        entries[incident.pk] = content
        feed.add_item(
            title=f"Maintenance: {incident.name}" if incident.is_maintenance else incident.name,
            link=f"{base}/incidents/{incident.pk}",
            description=content,
            unique_id=f"{base}/incidents/{incident.pk}",
            unique_id_is_permalink=True,
            pubdate=incident.started_at,
            updateddate=max(latest, incident.updated_at),
        )
    return feed


def _entry(site: Front, incident: Incident, updates: list[IncidentUpdate]) -> str:
    return render_to_string(
        "public/feed_entry.html", {"incident": incident, "updates": updates, "tz": site.tz}
    )


FEEDS: dict[str, tuple[type[SyndicationFeed], str]] = {
    "/history.atom": (AtomFeed, "application/atom+xml; charset=utf-8"),
    "/history.rss": (RssFeed, "application/rss+xml; charset=utf-8"),
}


def build(site: Front) -> list[Document]:
    """Both feeds; an entry's content is rendered once for the two."""
    entries: dict[str, str] = {}
    docs = []
    for path, (cls, kind) in FEEDS.items():
        feed = _feed(site, cls, path, entries)
        docs.append(Document(path, feed.writeString("utf-8").encode(), kind))
    return docs
