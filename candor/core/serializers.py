"""Statuspage's JSON shapes (reference §2.2, §3.3), shared by the public API, the management API
and webhooks. Callers prefetch with queries.incidents_with_timeline to keep this query-free."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo
from typing import Any

from django.conf import settings

from candor.core import images
from candor.core.branding import json_links
from candor.core.enums import IncidentStatus
from candor.core.models import (
    Component,
    ComponentGroup,
    ComponentStatusChange,
    Incident,
    IncidentUpdate,
    MaintenanceSeries,
    Page,
    Postmortem,
    Subscriber,
)
from candor.core.queries import Rollup, components_by_group, group_status

JSON = dict[str, Any]


def iso(value: datetime | None, tz: tzinfo) -> str | None:
    """ISO 8601 with milliseconds in the page's time zone; `Z` where the offset is zero."""
    if value is None:
        return None
    text = value.astimezone(tz).isoformat(timespec="milliseconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def public_url(page: Page) -> str:
    return page.url or settings.BASE_URL


def page_json(page: Page, *, manage: bool = False) -> JSON:
    data: JSON = {
        "id": page.pk,
        "name": page.name,
        "url": public_url(page),
        "time_zone": page.time_zone,
        "updated_at": iso(page.updated_at, page.tz),
    }
    if manage:
        data["created_at"] = iso(page.created_at, page.tz)
        data["support_url"] = page.support_url or None
        # Candor's extensions (docs/api.md, "Pages"): Page settings' branding (not `branding`:
        # Statuspage's is its plan, "basic" or "premium"), and whether an administrator
        # requires two-factor sign-in (read-only here).
        data["candor_branding"] = branding_json(page)
        data["require_two_factor"] = page.require_two_factor
    return data


def branding_json(page: Page) -> JSON:
    base = public_url(page).rstrip("/")
    return {
        "accent_light": page.accent_light or None,
        "accent_dark": page.accent_dark or None,
        "header_links": json_links(page.header_links),
        "footer_links": json_links(page.footer_links),
        "about": page.about or None,
        "custom_css": page.custom_css or None,
        "logo_url": base + images.LOGO_PATH if page.logo else None,
        "favicon_url": base + images.FAVICON_PATH if page.favicon else None,
    }


def status_json(rollup: Rollup) -> JSON:
    return {"indicator": rollup.indicator, "description": rollup.description}


def component_json(component: Component, page: Page) -> JSON:
    tz = page.tz
    return {
        "id": component.pk,
        "name": component.name,
        "status": component.status,
        "created_at": iso(component.created_at, tz),
        "updated_at": iso(component.updated_at, tz),
        "position": component.position,
        "description": component.description or None,
        "showcase": component.showcase,
        "start_date": _date(component.start_date),
        "group_id": component.group_id,
        "page_id": component.page_id,
        "group": False,
        "only_show_if_degraded": component.only_show_if_degraded,
    }


def group_json(group: ComponentGroup, children: list[Component], page: Page) -> JSON:
    tz = page.tz
    return {
        "id": group.pk,
        "name": group.name,
        "status": group_status(children),
        "created_at": iso(group.created_at, tz),
        "updated_at": iso(group.updated_at, tz),
        "position": group.position,
        "description": group.description or None,
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": group.page_id,
        "group": True,
        "only_show_if_degraded": False,
        "components": [c.pk for c in children],
    }


def component_group_json(group: ComponentGroup, children: list[Component], page: Page) -> JSON:
    """The management API's component group (reference §3.4), not the group-as-component."""
    tz = page.tz
    return {
        "id": group.pk,
        "page_id": group.page_id,
        "name": group.name,
        "description": group.description or None,
        "components": [c.pk for c in children],
        "position": group.position,
        "created_at": iso(group.created_at, tz),
        "updated_at": iso(group.updated_at, tz),
    }


def components_json(page: Page) -> list[JSON]:
    """Every component, group containers included: children first, then their group."""
    out: list[JSON] = []
    for group, children in components_by_group(page):
        out.extend(component_json(c, page) for c in children)
        if group is not None:
            out.append(group_json(group, children, page))
    return out


def _affected(rows: list[dict[str, str]] | None) -> list[JSON] | None:
    """Statuspage's key order; PostgreSQL's jsonb would hand the keys back sorted its own way."""
    if rows is None:
        return None
    keys = ("code", "name", "old_status", "new_status")
    return [{k: row[k] for k in keys if k in row} for row in rows]


# Statuspage has no `cancelled`: its clients validate the status enum, so a cancelled window is
# `completed` on the wire, its last entry saying it was cancelled (docs/decisions.md).
CANCELLED_NOTE = "This scheduled maintenance has been cancelled."


def wire_status(status: str) -> str:
    return IncidentStatus.COMPLETED if status == IncidentStatus.CANCELLED else status


def _wire_body(update: IncidentUpdate) -> str:
    if update.status != IncidentStatus.CANCELLED or "cancel" in update.body.lower():
        return update.body
    return f"{CANCELLED_NOTE} {update.body}".strip()


def update_json(update: IncidentUpdate, page: Page, *, manage: bool = False) -> JSON:
    tz = page.tz
    data: JSON = {
        "id": update.pk,
        "status": wire_status(update.status),
        "body": _wire_body(update),
        "incident_id": update.incident_id,
        "created_at": iso(update.created_at, tz),
        "updated_at": iso(update.updated_at, tz),
        "display_at": iso(update.display_at, tz),
        "affected_components": _affected(update.affected_components),
        "deliver_notifications": update.deliver_notifications,
        "custom_tweet": None,
        "tweet_id": None,
    }
    if manage:
        data["wants_twitter_update"] = False
        data["twitter_updated_at"] = None
    return data


def incident_json(incident: Incident, page: Page, *, manage: bool = False) -> JSON:
    """The incident with its updates (newest first) and the components it touches, now."""
    tz = page.tz
    updates: Iterable[IncidentUpdate] = incident.updates.all()
    data: JSON = {
        "id": incident.pk,
        "name": incident.name,
        "status": wire_status(incident.status),
        "created_at": iso(incident.created_at, tz),
        "updated_at": iso(incident.updated_at, tz),
        "monitoring_at": iso(incident.monitoring_at, tz),
        "resolved_at": iso(incident.resolved_at, tz),
        "impact": incident.impact,
        "shortlink": f"{public_url(page).rstrip('/')}/incidents/{incident.pk}",
        "started_at": iso(incident.started_at, tz),
        "page_id": incident.page_id,
        "incident_updates": [update_json(u, page, manage=manage) for u in updates],
        "components": [component_json(a.component, page) for a in incident.affected.all()],
        "reminder_intervals": None,
    }
    if manage:
        data.update(_manage_incident_fields(incident, tz))
    elif incident.is_maintenance:
        # A scheduled maintenance is the incident shape plus its window (reference §2.2).
        del data["reminder_intervals"]
        data["scheduled_for"] = iso(incident.scheduled_for, tz)
        data["scheduled_until"] = iso(incident.scheduled_until, tz)
    return data


def _manage_incident_fields(incident: Incident, tz: tzinfo) -> JSON:
    postmortem: Postmortem | None = getattr(incident, "postmortem", None)
    return {
        "impact_override": incident.impact,
        "metadata": {},
        "backfilled": incident.backfilled,
        "postmortem_body": (
            postmortem.markdown() if postmortem and postmortem.is_published else None
        ),
        "postmortem_body_last_updated_at": iso(postmortem.updated_at, tz) if postmortem else None,
        "postmortem_ignored": False,
        "postmortem_notified_subscribers": bool(postmortem and postmortem.notified_subscribers),
        "postmortem_notified_twitter": False,
        "postmortem_published_at": iso(postmortem.published_at, tz) if postmortem else None,
        "scheduled_for": iso(incident.scheduled_for, tz),
        "scheduled_until": iso(incident.scheduled_until, tz),
        "scheduled_remind_prior": incident.scheduled_remind_prior,
        "scheduled_reminded_at": iso(incident.scheduled_reminded_at, tz),
        "scheduled_auto_in_progress": incident.scheduled_auto_in_progress,
        "scheduled_auto_completed": incident.scheduled_auto_completed,
        "auto_transition_deliver_notifications_at_end": (
            incident.auto_transition_deliver_notifications_at_end
        ),
        "auto_transition_deliver_notifications_at_start": (
            incident.auto_transition_deliver_notifications_at_start
        ),
        "auto_transition_to_maintenance_state": incident.auto_transition_to_maintenance_state,
        "auto_transition_to_operational_state": incident.auto_transition_to_operational_state,
        **(_candor_maintenance_fields(incident, tz) if incident.is_maintenance else {}),
    }


def _candor_maintenance_fields(incident: Incident, tz: tzinfo) -> JSON:
    """What Candor adds to a maintenance in its management API (not in Statuspage's)."""
    return {
        "remind_minutes_before": incident.remind_minutes_before,
        "public_from": iso(incident.public_from, tz),
        "deliver_notifications": incident.deliver_notifications,
        "cancelled": incident.status == IncidentStatus.CANCELLED,
        "series_id": incident.series_id,
    }


def series_json(made: MaintenanceSeries, page: Page, flags: Mapping[str, Any]) -> JSON:
    """A recurring maintenance (Candor's extension), read through queries.series_with_upcoming;
    `flags` are the settings each of its windows gets (services.series.flags_of)."""
    tz = page.tz
    upcoming: list[Incident] = getattr(made, "upcoming", [])
    return {
        "id": made.pk,
        "page_id": page.pk,
        "name": made.name,
        "message": made.message,
        "rrule": made.rrule,
        "time_zone": made.time_zone,
        "starts_at": iso(made.starts_at, tz),
        "duration_minutes": made.duration_minutes,
        "excluded_dates": list(made.excluded_dates),
        "component_ids": [c.pk for c in made.components.all()],
        **flags,
        "expanded_until": iso(made.expanded_until, tz),
        "ended_at": iso(made.ended_at, tz),
        "created_at": iso(made.created_at, tz),
        "updated_at": iso(made.updated_at, tz),
        "upcoming": [
            {
                "id": w.pk,
                "status": w.status,
                "scheduled_for": iso(w.scheduled_for, tz),
                "scheduled_until": iso(w.scheduled_until, tz),
                "detached": w.detached,
            }
            for w in upcoming
        ],
    }


def postmortem_json(postmortem: Postmortem, page: Page) -> JSON:
    """Statuspage's postmortem (reference §3.5) plus Candor's structured sections.

    `body` is the Markdown of every section once published; `body_draft` is the same document
    while it is a draft (a draft sent only as `body_draft` reads back exactly as written).
    """
    tz = page.tz
    markdown = postmortem.markdown()
    updated = iso(postmortem.updated_at, tz)
    return {
        "preview_key": None,
        "body": markdown if postmortem.is_published else None,
        "body_updated_at": updated if postmortem.is_published else None,
        "body_draft": markdown,
        "body_draft_updated_at": updated,
        "published_at": iso(postmortem.published_at, tz),
        "notify_subscribers": postmortem.notified_subscribers,
        "notify_twitter": False,
        "custom_tweet": None,
        "created_at": iso(postmortem.created_at, tz),
        "updated_at": updated,
        "title": postmortem.title,
        "summary": postmortem.summary,
        "impact_description": postmortem.impact_description,
        "root_cause": postmortem.root_cause,
        "corrective_actions": postmortem.corrective_actions,
        "timeline": [
            {"at": iso(entry.at, tz), "description": entry.description}
            for entry in postmortem.timeline.all()
        ],
    }


# --- Webhook bodies (reference §3.7); `meta` is added per subscriber by the webhook transport.


def webhook_page_json(page: Page, rollup: Rollup) -> JSON:
    return {
        "id": page.pk,
        "status_indicator": rollup.indicator,
        "status_description": rollup.description,
    }


def webhook_incident_json(update: IncidentUpdate, page: Page, rollup: Rollup) -> JSON:
    """The incident as this update left it: its updates up to this one, newest first."""
    from django.db.models import Prefetch

    from candor.core.models import AffectedComponent

    incident = (
        Incident.objects.filter(pk=update.incident_id)
        .prefetch_related(
            Prefetch(
                "updates",
                queryset=IncidentUpdate.objects.filter(created_at__lte=update.created_at).order_by(
                    "-display_at", "-created_at"
                ),
            ),
            Prefetch(
                "affected",
                queryset=AffectedComponent.objects.select_related("component__group").order_by(
                    "component__position"
                ),
            ),
        )
        .select_related("postmortem")
        .get()
    )
    data = incident_json(incident, page, manage=True)
    data["status"] = wire_status(update.status)
    return {"page": webhook_page_json(page, rollup), "incident": data}


def webhook_component_json(change: ComponentStatusChange, page: Page, rollup: Rollup) -> JSON:
    tz = page.tz
    component = change.component
    return {
        "page": webhook_page_json(page, rollup),
        "component": component_json(component, page) | {"status": change.new_status},
        "component_update": {
            "old_status": change.old_status,
            "new_status": change.new_status,
            "created_at": iso(change.at, tz),
            "component_type": "Component",
            "id": str(change.pk),
            "component_id": component.pk,
        },
    }


def subscriber_json(subscriber: Subscriber, page: Page) -> JSON:
    """The management API's subscriber (reference §3.6); never the webhook secret."""
    tz = page.tz
    return {
        "id": subscriber.pk,
        "mode": subscriber.mode,
        "email": subscriber.email or None,
        "endpoint": subscriber.endpoint or None,
        "phone_number": None,
        "phone_country": None,
        "display_phone_number": None,
        "obfuscated_channel_name": None,
        "workspace_name": None,
        "quarantined_at": iso(subscriber.quarantined_at, tz),
        "purge_at": None,
        "components": [c.pk for c in subscriber.components.all()],
        "page_access_user_id": None,
        "created_at": iso(subscriber.created_at, tz),
        "skip_confirmation_notification": True,
        "state": subscriber.state,
    }
