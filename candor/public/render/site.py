"""Build every public document of a page: HTML pages, feeds, the Statuspage v2 JSON."""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from django.contrib.staticfiles import finders
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from candor.core.enums import ACTIVE_STATUSES
from candor.core.models import Incident, Page, PostmortemTimelineEntry
from candor.core.queries import components_by_group, group_status, incidents_with_timeline, rollup
from candor.core.serializers import public_url
from candor.core.services import Document
from candor.core.uptime import ComponentUptime, Day, page_uptime, weights
from candor.public.render import api, feeds
from candor.public.templatetags.public import offset, status_label

HTML = "text/html; charset=utf-8"
UPTIME_DAYS = 90
HISTORY_DAYS = 14
MONTHS_PER_HISTORY_PAGE = 3
STATIC_FILES = ("public/status.css", "public/status.js")
NOT_FOUND_PATH = "/404"
# Operational days carry no class: the stylesheet gives a bare mark the operational colour.
BAR_CLASSES = {
    "degraded_performance": "dp",
    "partial_outage": "po",
    "major_outage": "mo",
    "under_maintenance": "um",
}


@cache
def static_url(name: str) -> str:
    """The asset's URL with a digest of its content, so a changed file is fetched anew."""
    found = finders.find(name)
    digest = ""
    if found:
        with open(found, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:10]
    return f"/static/{name}?v={digest}"


@dataclass
class Site:
    """Everything the documents are made of, read once (a fixed number of queries)."""

    page: Page
    now: datetime
    incidents: list[Incident]
    groups: list[dict[str, Any]]
    rollup: Any
    logo: Document | None
    by_day: dict[date, list[Incident]] = field(default_factory=dict)

    @property
    def tz(self) -> Any:
        return self.page.tz

    def day(self, value: datetime) -> date:
        return value.astimezone(self.tz).date()


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 1:
        return "less than a minute"
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = (
        [f"{days} d"] * bool(days)
        + [f"{hours} h"] * bool(hours)
        + [f"{minutes} min"] * bool(minutes)
    )
    return " ".join(parts)


def _bars(days: list[Day]) -> str:
    """The 90 day marks of one bar, built here rather than in a template loop (1800 a page).

    Each day is a list item with its own tooltip, so the words say what the colour shows. Both
    kept short, as there are so many: an <li> needs no end tag, and an ordinary day has no class
    (the stylesheet colours a bare item operational).
    """
    marks = []
    for record in days:
        cls, title = _bar_day(record)
        if cls:
            marks.append(format_html('<li class="{}" title="{}">', cls, title))
        else:
            marks.append(format_html('<li title="{}">', title))
    return "<ol>" + "".join(marks) + "</ol>"


def _bar_day(record: Day) -> tuple[str, str]:
    """A day's class ("" when operational all day) and tooltip, in the fewest words that say it:
    "27 Nov: 100%", "27 Nov: 99.93%, major outage 1 min", "27 Nov: no data"."""
    label = f"{record.date.day} {record.date:%b}"
    worst = record.worst
    if worst is None:
        return "nd", f"{label}: no data"
    ratio = record.ratio(weights())
    facts = [] if ratio is None else [_percent(ratio)]
    facts += [
        f"{status_label(status).lower()} {_duration(secs)}"
        for status, secs in sorted(record.seconds.items(), key=lambda kv: -kv[1])
        if secs > 0
    ]
    return BAR_CLASSES.get(worst, ""), f"{label}: {', '.join(facts)}"


def _percent(ratio: float) -> str:
    """A day's uptime: "100%" only when there was no downtime at all, never rounded up to it."""
    if ratio >= 1:
        return "100%"
    return f"{min(ratio * 100, 99.99):.2f}%"


def _logo(page: Page) -> Document | None:
    if not page.logo:
        return None
    try:
        with page.logo.open("rb") as f:
            body = f.read()
    except OSError:
        return None
    name = (page.logo.name or "").rsplit("/", 1)[-1]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Document(f"/logo.{ext}", body, kind)


def load(page: Page) -> Site:
    now = timezone.now()
    incidents = list(
        incidents_with_timeline(Incident.objects.filter(page=page))
        .select_related("postmortem")
        .prefetch_related(
            Prefetch("postmortem__timeline", queryset=PostmortemTimelineEntry.objects.all())
        )
    )
    components_rows = components_by_group(page)
    components = [c for _, cs in components_rows for c in cs]
    uptime = page_uptime(page, components, days=UPTIME_DAYS, at=now)
    componentless = [
        i.impact for i in incidents if i.status in ACTIVE_STATUSES and not i.affected.all()
    ]
    site = Site(
        page=page,
        now=now,
        incidents=incidents,
        groups=[],
        rollup=rollup([c.status for c in components], componentless),
        logo=_logo(page),
    )
    site.groups = _rows_from(components_rows, uptime)
    by_day: dict[date, list[Incident]] = defaultdict(list)
    for incident in incidents:
        by_day[site.day(incident.started_at)].append(incident)
    site.by_day = by_day
    return site


def _rows_from(rows: list, uptime: dict[str, ComponentUptime]) -> list[dict[str, Any]]:
    out = []
    for group, components in rows:
        shown = [
            c for c in components if not (c.only_show_if_degraded and c.status == "operational")
        ]
        if group is not None and not shown:
            continue
        items = []
        for c in shown:
            record = uptime.get(c.pk) if c.showcase else None
            items.append(
                {
                    "component": c,
                    "uptime": record,
                    "bars": mark_safe(_bars(record.days)) if record else "",  # noqa: S308
                }
            )
        out.append(
            {"group": group, "status": group_status(components) if group else None, "items": items}
        )
    return out


def _context(site: Site, **extra: Any) -> dict[str, Any]:
    page = site.page
    return {
        "page": page,
        "tz": site.tz,
        "tz_offset": offset(site.now.astimezone(site.tz)),
        "rollup": site.rollup,
        "logo_url": site.logo.path if site.logo else "",
        "css_url": static_url("public/status.css"),
        "js_url": static_url("public/status.js"),
        "base_url": public_url(page).rstrip("/"),
        **extra,
    }


# The templates' indentation, repeated for every component, incident and update, is a few KB a
# page. A line break stands in for it (the same to the browser), except inside <pre>.
_PRE = re.compile(r"(<pre[\s>].*?</pre>)", re.DOTALL)
_INDENT = re.compile(r"\n\s+")


def compact(html: str) -> str:
    parts = _PRE.split(html)
    return "".join(part if n % 2 else _INDENT.sub("\n", part) for n, part in enumerate(parts))


def _html(path: str, template: str, context: dict[str, Any], status: int = 200) -> Document:
    return Document(path, compact(render_to_string(template, context)).encode(), HTML, status)


def _index(site: Site) -> Document:
    today = site.day(site.now)
    days = []
    for n in range(HISTORY_DAYS):
        d = today - timedelta(days=n)
        days.append({"date": d, "incidents": site.by_day.get(d, [])})
    active = [i for i in site.incidents if i.status in ACTIVE_STATUSES]
    active.sort(key=lambda i: i.started_at, reverse=True)
    context = _context(
        site,
        groups=site.groups,
        active=active,
        days=days,
        uptime_days=UPTIME_DAYS,
        refresh=True,
    )
    return _html("/", "public/index.html", context)


def _months_back(d: date, n: int) -> date:
    index = d.year * 12 + d.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def _history(site: Site) -> list[Document]:
    """History by month, three months per page, newest first, back to the oldest incident."""
    this_month = site.day(site.now).replace(day=1)
    by_month: dict[date, list[Incident]] = defaultdict(list)
    for incident in site.incidents:
        by_month[site.day(incident.started_at).replace(day=1)].append(incident)
    oldest = min(by_month, default=this_month)
    span = (this_month.year - oldest.year) * 12 + this_month.month - oldest.month + 1
    count = max(1, -(-span // MONTHS_PER_HISTORY_PAGE))
    docs = []
    for number in range(1, count + 1):
        months: list[dict[str, Any]] = []
        for k in range(MONTHS_PER_HISTORY_PAGE):
            month = _months_back(this_month, (number - 1) * MONTHS_PER_HISTORY_PAGE + k)
            if month < oldest and months:
                break
            months.append({"month": month, "incidents": by_month.get(month, [])})
        context = _context(
            site,
            months=months,
            number=number,
            count=count,
            newer=history_path(number - 1) if number > 1 else "",
            older=history_path(number + 1) if number < count else "",
        )
        docs.append(_html(history_path(number), "public/history.html", context))
    return docs


def history_path(number: int) -> str:
    return "/history" if number == 1 else f"/history/{number}"


def fingerprint(site: Site, incident: Incident) -> tuple[Any, ...]:
    """What an incident's own documents are made of, besides the templates themselves."""
    page = site.page
    postmortem = getattr(incident, "postmortem", None)
    return (
        page.name,
        page.logo.name if page.logo else "",
        page.time_zone,
        page.support_url,
        page.url,
        offset(site.now.astimezone(site.tz)),
        static_url("public/status.css"),
        static_url("public/status.js"),
        incident.name,
        incident.status,
        incident.impact,
        incident.started_at,
        incident.resolved_at,
        incident.updated_at,
        tuple((u.pk, u.status, u.body, u.display_at) for u in incident.updates.all()),
        tuple((a.component.display_name, a.component.status) for a in incident.affected.all()),
        (postmortem.updated_at, postmortem.published_at) if postmortem is not None else None,
    )


# Per incident, its documents and what they were made of: a change to one incident renders one
# incident page again, not two hundred (kept per process, as long as the process lives).
_incident_documents: dict[str, tuple[tuple[Any, ...], list[Document]]] = {}


def _incident_pages(site: Site) -> list[Document]:
    docs: list[Document] = []
    for incident in site.incidents:
        key = fingerprint(site, incident)
        cached = _incident_documents.get(incident.pk)
        if cached is not None and cached[0] == key:
            docs.extend(cached[1])
            continue
        own = _render_incident(site, incident)
        _incident_documents[incident.pk] = (key, own)
        docs.extend(own)
    return docs


def _render_incident(site: Site, incident: Incident) -> list[Document]:
    docs = []
    postmortem = getattr(incident, "postmortem", None)
    published = postmortem if postmortem is not None and postmortem.is_published else None
    end = incident.resolved_at if incident.status not in ACTIVE_STATUSES else None
    context = _context(
        site,
        incident=incident,
        postmortem=published,
        duration=_duration((end - incident.started_at).total_seconds()) if end else "",
        manage_url=f"/manage/incidents/{incident.pk}/",
    )
    docs.append(_html(f"/incidents/{incident.pk}", "public/incident.html", context))
    if published is not None:
        context = _context(site, incident=incident, postmortem=published)
        docs.append(
            _html(f"/incidents/{incident.pk}/postmortem", "public/postmortem.html", context)
        )
    return docs


def build_documents(page: Page) -> list[Document]:
    site = load(page)
    docs = [_index(site), *_history(site), *_incident_pages(site)]
    docs.append(_html(NOT_FOUND_PATH, "public/404.html", _context(site), status=404))
    docs.extend(feeds.build(site))
    docs.extend(api.build(site))
    if site.logo is not None:
        docs.append(site.logo)
    return docs
