"""What the public documents are made of, read in a fixed number of queries.

The front page, feeds and JSON need only what is recent or open; an incident page needs its
incident; a history page its three months. None of these reads grows with the whole history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.db.models import Min, Prefetch, Q, QuerySet
from django.utils import timezone

from candor.core import branding, images
from candor.core.enums import (
    ACTIVE_STATUSES,
    MAINTENANCE_ACTIVE,
    MAINTENANCE_OPEN,
    IncidentKind,
)
from candor.core.models import Incident, Page, PostmortemTimelineEntry
from candor.core.queries import components_by_group, group_status, incidents_with_timeline, rollup
from candor.core.uptime import ComponentUptime, page_uptime
from candor.public.documents import Document

UPTIME_DAYS = 90
HISTORY_DAYS = 14
# The feeds and /api/v2/incidents.json list this many of the newest incidents.
NEWEST = 50
MONTHS_PER_HISTORY_PAGE = 3


@dataclass
class Front:
    """Everything the front page, the feeds and the v2 JSON show."""

    page: Page
    now: datetime
    # Newest first: the open ones, those of the last HISTORY_DAYS days and the NEWEST newest.
    incidents: list[Incident]
    groups: list[tuple[Any, list[Any]]]
    uptime: dict[str, ComponentUptime]
    rollup: Any
    by_day: dict[date, list[Incident]] = field(default_factory=dict)

    @property
    def tz(self) -> Any:
        return self.page.tz

    def day(self, value: datetime) -> date:
        return value.astimezone(self.tz).date()

    @property
    def newest(self) -> list[Incident]:
        return [i for i in self.incidents if not i.is_maintenance][:NEWEST]

    @property
    def active(self) -> list[Incident]:
        return [i for i in self.incidents if i.status in ACTIVE_STATUSES]

    @property
    def feed(self) -> list[Incident]:
        """The feeds' entries: incidents and announced windows, newest first."""
        return self.incidents[:NEWEST]

    @property
    def upcoming(self) -> list[Incident]:
        """Announced windows still to come, soonest first."""
        rows = [i for i in self.incidents if i.is_maintenance and i.status == "scheduled"]
        return sorted(rows, key=lambda i: (i.scheduled_for, i.pk))

    @property
    def in_progress(self) -> list[Incident]:
        rows = [i for i in self.incidents if i.is_maintenance and i.status in MAINTENANCE_ACTIVE]
        return sorted(rows, key=lambda i: (i.scheduled_for, i.pk))

    @property
    def maintenances(self) -> list[Incident]:
        """The NEWEST latest windows of any state (scheduled-maintenances.json), latest first."""
        rows = [i for i in self.incidents if i.is_maintenance]
        return sorted(rows, key=lambda i: (i.scheduled_for, i.pk), reverse=True)[:NEWEST]

    @property
    def closed(self) -> list[Incident]:
        """What the history shows: incidents, and windows that took place (not cancelled)."""
        return [i for i in self.incidents if shown_in_history(i)]


def shown_in_history(incident: Incident) -> bool:
    if not incident.is_maintenance:
        return True
    return incident.status not in MAINTENANCE_OPEN and incident.status != "cancelled"


def history_time(incident: Incident) -> datetime:
    """Where an entry sits in the history: a window when it was due, an incident at its start."""
    if incident.is_maintenance and incident.scheduled_for is not None:
        return incident.scheduled_for
    return incident.started_at


def _with_everything(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    return (
        incidents_with_timeline(queryset)
        .select_related("postmortem")
        .prefetch_related(
            Prefetch("postmortem__timeline", queryset=PostmortemTimelineEntry.objects.all())
        )
    )


def load_front(page: Page, now: datetime | None = None) -> Front:
    now = now or timezone.now()
    tz = page.tz
    today = now.astimezone(tz).date()
    since = datetime.combine(today - timedelta(days=HISTORY_DAYS - 1), datetime.min.time(), tz)
    incidents = Incident.objects.filter(page=page).announced()
    newest = incidents.incidents().order_by("-started_at", "-created_at").values("pk")[:NEWEST]
    windows = incidents.maintenances().order_by("-scheduled_for").values("pk")[:NEWEST]
    chosen = incidents.filter(
        Q(status__in=ACTIVE_STATUSES)
        | Q(status__in=MAINTENANCE_OPEN)
        | Q(kind=IncidentKind.INCIDENT, started_at__gte=since)
        | Q(kind=IncidentKind.MAINTENANCE, scheduled_for__gte=since)
        | Q(pk__in=list(newest.values_list("pk", flat=True)))
        | Q(pk__in=list(windows.values_list("pk", flat=True)))
    )
    rows = list(_with_everything(chosen).order_by("-started_at", "-created_at"))
    groups = components_by_group(page)
    components = [c for _, cs in groups for c in cs]
    held = ACTIVE_STATUSES | MAINTENANCE_ACTIVE
    componentless = [i.impact for i in rows if i.status in held and not i.affected.all()]
    front = Front(
        page=page,
        now=now,
        incidents=rows,
        groups=groups,
        uptime=page_uptime(page, components, days=UPTIME_DAYS, at=now),
        rollup=rollup([c.status for c in components], componentless),
    )
    by_day: dict[date, list[Incident]] = defaultdict(list)
    for incident in sorted(front.closed, key=history_time, reverse=True):
        by_day[front.day(history_time(incident))].append(incident)
    front.by_day = by_day
    return front


def load_incident(page: Page, incident_id: str) -> Incident | None:
    return _with_everything(Incident.objects.filter(page=page, pk=incident_id).announced()).first()


def load_all_incidents(page: Page, chunk: int = 500) -> Iterator[Incident]:
    """Every incident of the page with everything it shows, a chunk at a time (for export)."""
    ids = list(Incident.objects.filter(page=page).announced().values_list("pk", flat=True))
    for n in range(0, len(ids), chunk):
        yield from _with_everything(Incident.objects.filter(pk__in=ids[n : n + chunk]))


def months_back(d: date, n: int) -> date:
    index = d.year * 12 + d.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class HistoryPage:
    number: int
    count: int
    months: list[dict[str, Any]]


def history_count(page: Page, now: datetime) -> tuple[date, int]:
    """This month and how many history pages there are: back to the oldest incident's month."""
    tz = page.tz
    this_month = now.astimezone(tz).date().replace(day=1)
    oldest_at = Incident.objects.filter(page=page).aggregate(m=Min("started_at"))["m"]
    oldest = min(this_month, oldest_at.astimezone(tz).date().replace(day=1)) if oldest_at else None
    oldest = oldest or this_month
    span = (this_month.year - oldest.year) * 12 + this_month.month - oldest.month + 1
    return oldest, max(1, -(-span // MONTHS_PER_HISTORY_PAGE))


def load_history(page: Page, number: int, now: datetime) -> HistoryPage | None:
    """History page `number` (1 is the newest): three months, newest first."""
    tz = page.tz
    this_month = now.astimezone(tz).date().replace(day=1)
    oldest, count = history_count(page, now)
    if not 1 <= number <= count:
        return None
    months: list[date] = []
    for k in range(MONTHS_PER_HISTORY_PAGE):
        month = months_back(this_month, (number - 1) * MONTHS_PER_HISTORY_PAGE + k)
        if month < oldest and months:
            break
        months.append(month)
    start = datetime.combine(months[-1], datetime.min.time(), tz)
    next_month = months_back(months[0], -1)
    end = datetime.combine(next_month, datetime.min.time(), tz)
    rows = (
        Incident.objects.filter(page=page, started_at__gte=start, started_at__lt=end)
        .exclude(kind=IncidentKind.MAINTENANCE, status__in=MAINTENANCE_OPEN | {"cancelled"})
        .announced()
        .select_related("postmortem")
        .order_by("-started_at", "-created_at")
    )
    by_month: dict[date, list[Incident]] = defaultdict(list)
    for incident in rows:
        by_month[incident.started_at.astimezone(tz).date().replace(day=1)].append(incident)
    return HistoryPage(
        number, count, [{"month": m, "incidents": by_month.get(m, [])} for m in months]
    )


def group_rows(front: Front) -> list[tuple[Any, str | None, list[Any]]]:
    """Groups and components as shown: a group whose components are all hidden is left out."""
    out = []
    for group, components in front.groups:
        shown = [
            c for c in components if not (c.only_show_if_degraded and c.status == "operational")
        ]
        if group is not None and not shown:
            continue
        out.append((group, group_status(components) if group else None, shown))
    return out


def logo_path(page: Page) -> str:
    """Where pages link the logo: only a file stored under a raster image's name (as uploads
    are now) is linked; load_logo checks its bytes before serving it."""
    name = (page.logo.name or "").lower() if page.logo else ""
    raster = tuple(kind.extension for kind in (images.PNG, images.JPEG, images.GIF, images.WEBP))
    return images.LOGO_PATH if name.endswith(raster) else ""


def load_logo(page: Page) -> Document | None:
    if not page.logo:
        return None
    try:
        with page.logo.open("rb") as f:
            body = f.read()
    except OSError:
        return None
    # The type comes from the bytes, never the stored name (a file uploaded as x.html before
    # the upload checked it must not become an HTML page): anything but a raster image is dropped.
    kind = images.sniff(body)
    if kind is None:
        return None
    return Document(images.LOGO_PATH, body, kind.content_type)


def load_image(page: Page, field: str, path: str) -> Document | None:
    """An uploaded image (the favicon) as a document, if its bytes are a raster image."""
    upload = getattr(page, field)
    if not upload:
        return None
    try:
        with upload.open("rb") as f:
            body = f.read()
    except OSError:
        return None
    kind = images.sniff(body)
    return Document(path, body, kind.content_type) if kind is not None else None


def load_favicon(page: Page) -> Document:
    """/favicon.ico: the page's own, or Candor's (an SVG, which browsers take at that path)."""
    own = load_image(page, "favicon", images.FAVICON_PATH)
    if own is not None:
        return own
    body = (Path(__file__).resolve().parents[2] / "static" / "favicon.svg").read_bytes()
    return Document(images.FAVICON_PATH, body, "image/svg+xml")


def load_brand_css(page: Page) -> Document | None:
    """/brand.css: the accent colours and custom CSS; None when the page has neither."""
    css = brand_css(page)
    return Document(BRAND_CSS_PATH, css.encode(), "text/css; charset=utf-8") if css else None


BRAND_CSS_PATH = "/brand.css"


def brand_css(page: Page) -> str:
    if not (page.accent_light or page.accent_dark or page.custom_css.strip()):
        return ""
    return branding.brand_css(page.accent_light, page.accent_dark, page.custom_css)
