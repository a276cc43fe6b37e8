"""The public HTML documents: the front page, history pages, incident pages, the 404 page."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from functools import cache
from html import escape
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from candor.core.enums import ACTIVE_STATUSES
from candor.core.models import Incident, Page
from candor.core.serializers import public_url
from candor.core.uptime import Day, weights
from candor.public.documents import Document
from candor.public.render.load import (
    BRAND_CSS_PATH,
    HISTORY_DAYS,
    UPTIME_DAYS,
    Front,
    HistoryPage,
    brand_css,
    group_rows,
    logo_path,
)
from candor.public.templatetags.public import offset, status_label

HTML = "text/html; charset=utf-8"
STATIC_FILES = ("public/status.css", "public/status.js")
NOT_FOUND_PATH = "/404"
SERVER_ERROR_PATH = "/500"
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


def duration(seconds: float) -> str:
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


# On a narrow screen the bars show the last 30 days (status.css hides the older marks), so each
# day is wide enough to tap; the percentage still covers the whole period.
NARROW_DAYS = 30


def bars(days: list[Day]) -> str:
    """The 90 day marks of one bar, built here rather than in a template loop (1800 a page).

    Each day carries its details in `data-d`, which status.js shows in a popover on hover, tap,
    or keyboard focus (the bar is one tab stop; arrow keys move between days), so the words say
    what the colour shows. Both kept short, as there are so many: an <li> needs no end tag, and
    an ordinary day has no class (the stylesheet colours a bare item operational).
    """
    marks = []
    for record in days:
        cls, title = bar_day(record)
        # Plain escaping: format_html's per-call cost adds up over 1800 marks a page.
        if cls:
            marks.append(f'<li class="{cls}" data-d="{escape(title)}">')
        else:
            marks.append(f'<li data-d="{escape(title)}">')
    return "<ol>" + "".join(marks) + "</ol>"


def bar_day(record: Day) -> tuple[str, str]:
    """A day's class ("" when operational all day) and tooltip, in the fewest words that say it:
    "27 Nov: 100%", "27 Nov: 99.93%, major outage 1 min", "27 Nov: no data"."""
    label = f"{record.date.day} {record.date:%b}"
    worst = record.worst
    if worst is None:
        return "nd", f"{label}: no data"
    ratio = record.ratio(weights())
    facts = [] if ratio is None else [percent(ratio)]
    facts += [
        f"{status_label(status).lower()} {duration(secs)}"
        for status, secs in sorted(record.seconds.items(), key=lambda kv: -kv[1])
        if secs > 0
    ]
    return BAR_CLASSES.get(worst, ""), f"{label}: {', '.join(facts)}"


def percent(ratio: float) -> str:
    """A day's uptime: "100%" only when there was no downtime at all, never rounded up to it."""
    if ratio >= 1:
        return "100%"
    return f"{min(ratio * 100, 99.99):.2f}%"


def brand_css_url(page: Page) -> str:
    """/brand.css with a digest of its bytes (a change is fetched at once), or "" without one."""
    css = brand_css(page)
    if not css:
        return ""
    return f"{BRAND_CSS_PATH}?v={hashlib.sha256(css.encode()).hexdigest()[:10]}"


def context(page: Page, now: datetime, **extra: Any) -> dict[str, Any]:
    tz = page.tz
    return {
        "page": page,
        "tz": tz,
        "tz_offset": offset(now.astimezone(tz)),
        "logo_url": logo_path(page),
        "css_url": static_url("public/status.css"),
        "js_url": static_url("public/status.js"),
        "base_url": public_url(page).rstrip("/"),
        "brand_css_url": brand_css_url(page),
        **extra,
    }


# The templates' indentation, repeated for every component, incident and update, is a few KB a
# page. A line break stands in for it (the same to the browser), except inside <pre>.
_PRE = re.compile(r"(<pre[\s>].*?</pre>)", re.DOTALL)
_INDENT = re.compile(r"\n\s+")


def compact(html: str) -> str:
    parts = _PRE.split(html)
    return "".join(part if n % 2 else _INDENT.sub("\n", part) for n, part in enumerate(parts))


def html(path: str, template: str, ctx: dict[str, Any], status: int = 200) -> Document:
    return Document(path, compact(render_to_string(template, ctx)).encode(), HTML, status)


def index(front: Front) -> Document:
    today = front.day(front.now)
    days = []
    for n in range(HISTORY_DAYS):
        d = today - timedelta(days=n)
        days.append({"date": d, "incidents": front.by_day.get(d, [])})
    active = sorted(front.active, key=lambda i: i.started_at, reverse=True)
    groups = []
    for group, status, components in group_rows(front):
        items = []
        for c in components:
            record = front.uptime.get(c.pk) if c.showcase else None
            shown = mark_safe(bars(record.days)) if record else ""  # noqa: S308 - format_html
            items.append({"component": c, "uptime": record, "bars": shown})
        groups.append({"group": group, "status": status, "items": items})
    ctx = context(
        front.page,
        front.now,
        rollup=front.rollup,
        groups=groups,
        active=active,
        in_progress=front.in_progress,
        upcoming=front.upcoming,
        days=days,
        uptime_days=UPTIME_DAYS,
        narrow_days=NARROW_DAYS,
        refresh=True,
    )
    return html("/", "public/index.html", ctx)


def not_found(page: Page, now: datetime) -> Document:
    return html(NOT_FOUND_PATH, "public/404.html", context(page, now), status=404)


def server_error(page: Page, now: datetime) -> Document:
    """What a visitor sees when Candor fails: stored beforehand, so showing it needs nothing
    that might be what failed (candor/errors.py)."""
    return html(SERVER_ERROR_PATH, "public/500.html", context(page, now), status=500)


def history_path(number: int) -> str:
    return "/history" if number == 1 else f"/history/{number}"


def history(page: Page, now: datetime, history_page: HistoryPage) -> Document:
    number, count = history_page.number, history_page.count
    ctx = context(
        page,
        now,
        months=history_page.months,
        number=number,
        count=count,
        newer=history_path(number - 1) if number > 1 else "",
        older=history_path(number + 1) if number < count else "",
    )
    return html(history_path(number), "public/history.html", ctx)


def incident_path(incident_id: str) -> str:
    return f"/incidents/{incident_id}"


def postmortem_path(incident_id: str) -> str:
    return f"/incidents/{incident_id}/postmortem"


def incident_documents(page: Page, now: datetime, incident: Incident) -> list[Document]:
    """An incident's page and, once published, its postmortem's."""
    postmortem = getattr(incident, "postmortem", None)
    published = postmortem if postmortem is not None and postmortem.is_published else None
    end = incident.resolved_at if incident.status not in ACTIVE_STATUSES else None
    ctx = context(
        page,
        now,
        incident=incident,
        postmortem=published,
        duration=duration((end - incident.started_at).total_seconds()) if end else "",
        manage_url=f"/manage/incidents/{incident.pk}/",
    )
    docs = [html(incident_path(incident.pk), "public/incident.html", ctx)]
    if published is not None:
        ctx = context(page, now, incident=incident, postmortem=published)
        docs.append(html(postmortem_path(incident.pk), "public/postmortem.html", ctx))
    return docs
