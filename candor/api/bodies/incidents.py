"""Bodies of incidents, their updates and postmortems, templates and maintenance series."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from candor.api.bodies.base import MAINTENANCE_STATUSES, Body, Paging
from candor.api.fields import (
    BOOLEAN_STRINGS,
    AnyObject,
    Boolean,
    Count,
    DayList,
    Fields,
    IdList,
    Moment,
    StatusMap,
    Text,
    WallClock,
    choice,
    fail,
    statuses,
)
from candor.core.enums import POSTABLE_STATUSES, ComponentStatus, Impact

# --- incidents ---


class IncidentFields(Fields):
    name: Text | None = Field(None, description="Up to 255 characters.")
    status: Text | None = choice(
        [*POSTABLE_STATUSES, *MAINTENANCE_STATUSES],
        "An incident's status; a maintenance's (scheduled, in_progress, verifying, completed, "
        "and Candor's cancelled). A new incident with a maintenance status, or with "
        "scheduled_for, is a scheduled maintenance.",
    )
    impact_override: Text | None = choice(
        Impact.values, "The impact. Without it, the worst status in `components` decides."
    )
    body: Text | None = Field(None, description="The update's message, up to 25000 characters.")
    component_ids: IdList | None = Field(None, description="Affected components of this page.")
    components: StatusMap | None = statuses(
        [*ComponentStatus.values, ""],
        'Per component id, the status this incident imposes ("": by impact).',
    )
    deliver_notifications: Boolean | None = None
    backfilled: Boolean | None = None
    backfill_date: Moment | None = Field(
        None, description="With backfilled: when it happened (date or date-time)."
    )
    started_at: Moment | None = Field(
        None, description="Retroactive or backdated start, ISO 8601, in the past."
    )
    resolved_at: Moment | None = Field(
        None, description="With status resolved: when it ended, ISO 8601, in the past."
    )
    metadata: AnyObject | None = Field(None, description="Accepted and ignored.")
    # A scheduled maintenance (Statuspage's fields), then Candor's.
    scheduled_for: Moment | None = Field(None, description="The window's start, ISO 8601.")
    scheduled_until: Moment | None = Field(None, description="The window's end, ISO 8601.")
    scheduled_remind_prior: Boolean | None = Field(
        None, description="Remind subscribers before the start (remind_minutes_before)."
    )
    scheduled_auto_in_progress: Boolean | None = Field(
        None, description="Start the window at scheduled_for."
    )
    scheduled_auto_completed: Boolean | None = Field(
        None, description="Complete the window at scheduled_until."
    )
    scheduled_auto_transition: Boolean | None = Field(
        None, description="Both of the above (Statuspage's older single flag)."
    )
    auto_transition_to_maintenance_state: Boolean | None = Field(
        None, description="Put the components under maintenance while the window is on."
    )
    auto_transition_to_operational_state: Boolean | None = Field(
        None, description="Accepted: at the end, components always return to their other layers."
    )
    auto_transition_deliver_notifications_at_start: Boolean | None = None
    auto_transition_deliver_notifications_at_end: Boolean | None = None
    auto_tweet_at_beginning: Boolean | None = Field(None, description="Accepted and ignored.")
    auto_tweet_on_completion: Boolean | None = Field(None, description="Accepted and ignored.")
    auto_tweet_on_creation: Boolean | None = Field(None, description="Accepted and ignored.")
    auto_tweet_one_hour_before: Boolean | None = Field(None, description="Accepted and ignored.")
    wants_twitter_update: Boolean | None = Field(None, description="Accepted and ignored.")
    remind_minutes_before: Count | None = Field(
        None, description="Candor: minutes before the start the reminder goes out (60)."
    )
    public_from: Moment | None = Field(
        None, description="Candor: when the window becomes public (default: at once)."
    )

    @field_validator("status")
    @classmethod
    def _postable(cls, status: str | None) -> str | None:
        if status == "":
            raise fail("Give a status, or leave the field out.")
        return status

    @field_validator("impact_override")
    @classmethod
    def _impact(cls, impact: str | None) -> str | None:
        if impact is not None and impact not in Impact.values:
            allowed = ", ".join(Impact.values)
            raise fail(f"{impact!r} is not an impact. Choose one of: {allowed}.")
        return impact

    @field_validator("components")
    @classmethod
    def _statuses(cls, statuses: dict[str, str] | None) -> dict[str, str] | None:
        for status in (statuses or {}).values():
            # "" (allowed by Statuspage's enum) lets the impact decide, like a bare component id.
            if status and status not in ComponentStatus.values:
                allowed = ", ".join(ComponentStatus.values)
                raise fail(f"{status!r} is not a component status. Choose one of: {allowed}.")
        return statuses


class NewIncidentFields(IncidentFields):
    documented_required = ("name",)


class IncidentBody(Body):
    wrapper = "incident"
    incident: IncidentFields


class NewIncidentBody(Body):
    wrapper = "incident"
    incident: NewIncidentFields


class IncidentUpdateFields(Fields):
    body: Text | None = Field(None, description="Up to 25000 characters.")
    display_at: Moment | None = Field(
        None, description="ISO 8601, in the past, not before the incident started."
    )
    status: Text | None = choice(
        POSTABLE_STATUSES, "The entry's status; the incident's status follows its timeline."
    )
    deliver_notifications: Boolean | None = Field(
        None, description="Tell the subscribers about this correction (default false)."
    )
    # Accepted and ignored: Candor does not tweet.
    wants_twitter_update: Boolean | None = None

    @field_validator("status")
    @classmethod
    def _postable(cls, status: str | None) -> str | None:
        if status == "":
            raise fail("Give a status, or leave the field out.")
        return status


class IncidentUpdateBody(Body):
    wrapper = "incident_update"
    incident_update: IncidentUpdateFields


# --- maintenance series (Candor's; Statuspage has none) ---


class SeriesFields(Fields):
    name: Text | None = Field(None, description="Every window's title, up to 255 characters.")
    message: Text | None = Field(
        None, description="The first entry of windows scheduled from now on (Markdown)."
    )
    rrule: Text | None = Field(
        None,
        description="An RFC 5545 RRULE without DTSTART, e.g. FREQ=WEEKLY;BYDAY=SU or "
        "FREQ=MONTHLY;BYDAY=1TU (the first Tuesday).",
    )
    time_zone: Text | None = Field(
        None, description="An IANA time zone the rule repeats in (default: the page's)."
    )
    starts_at: WallClock | None = Field(
        None,
        description="The first window's start, ISO 8601; without an offset, a wall-clock time "
        "in time_zone. A new series starts now or later.",
    )
    duration_minutes: Count | None = Field(
        None, description="Every window's length, 1 minute to a week."
    )
    excluded_dates: DayList | None = Field(
        None, description="Local dates without a window (replaces the list)."
    )
    component_ids: IdList | None = Field(None, description="Affected components of this page.")
    deliver_notifications: Boolean | None = None
    scheduled_remind_prior: Boolean | None = None
    remind_minutes_before: Count | None = None
    scheduled_auto_in_progress: Boolean | None = None
    scheduled_auto_completed: Boolean | None = None
    auto_transition_to_maintenance_state: Boolean | None = None
    auto_transition_to_operational_state: Boolean | None = None
    auto_transition_deliver_notifications_at_start: Boolean | None = None
    auto_transition_deliver_notifications_at_end: Boolean | None = None


class NewSeriesFields(SeriesFields):
    documented_required = ("name", "rrule", "starts_at", "duration_minutes")


class SeriesBody(Body):
    wrapper = "maintenance_series"
    maintenance_series: SeriesFields


class NewSeriesBody(Body):
    wrapper = "maintenance_series"
    maintenance_series: NewSeriesFields


# --- incident templates ---


class TemplateFields(Fields):
    name: Text | None = Field(None, description="The template's name, up to 255 characters.")
    title: Text | None = Field(None, description="The incident title it fills in.")
    body: Text | None = Field(None, description="The first message, up to 25000 characters.")
    update_status: Text | None = choice(POSTABLE_STATUSES, "The status it chooses.")
    impact: Text | None = choice(Impact.values, "Candor's addition: the impact it chooses.")
    component_ids: IdList | None = Field(None, description="Components of this page it ticks.")
    should_send_notifications: Boolean | None = Field(
        None, description='Whether "Notify subscribers" starts ticked (default true).'
    )
    # Accepted and ignored: Candor does not tweet and has no template groups.
    should_tweet: Boolean | None = None
    group_id: Text | None = None


class NewTemplateFields(TemplateFields):
    documented_required = ("name",)


class TemplateBody(Body):
    wrapper = "template"
    template: TemplateFields


class NewTemplateBody(Body):
    wrapper = "template"
    template: NewTemplateFields


# --- postmortems ---


class TimelineEntry(Fields):
    # Required: a missing one is refused first, with its own message, by _timeline below.
    at: Moment = Field(description="ISO 8601.")
    description: Text | None = None


def _timeline(value: Any) -> Any:
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        raise fail("Must be a list of {at, description} objects.")
    for entry in value:
        if entry.get("at") in (None, ""):
            raise fail("Every timeline entry needs a time (at).")
    return value


class PostmortemFields(Fields):
    title: Text | None = Field(None, description="Up to 255 characters.")
    summary: Text | None = None
    impact_description: Text | None = None
    root_cause: Text | None = None
    corrective_actions: Text | None = None
    body_draft: Text | None = Field(None, description="Free Markdown, kept as written.")
    timeline: list[TimelineEntry] | None = Field(None, description="Replaces the timeline.")

    _check_timeline = field_validator("timeline", mode="before")(_timeline)

    @property
    def sections(self) -> dict[str, str | None]:
        names = ("title", "summary", "impact_description", "root_cause", "corrective_actions")
        return {name: getattr(self, name) for name in names}


class PostmortemBody(Body):
    wrapper = "postmortem"
    postmortem: PostmortemFields


class PublishFields(Fields):
    notify_subscribers: Boolean | None = None
    # Accepted and ignored: Candor does not tweet.
    notify_twitter: Boolean | None = None
    custom_tweet: Text | None = None


class PublishBody(Body):
    wrapper = "postmortem"
    wrapper_required = False
    postmortem: PublishFields | None = None


class AnyBody(Body):
    """Any JSON object (usually {}), for actions that take no fields."""


# --- query strings ---


class SeriesEnd(Fields):
    notify: Boolean = Field(
        False,
        description="Tell subscribers, once each, that the series has ended (with the "
        "cancellation of its next window). Default false: the windows are cancelled silently.",
    )

    @field_validator("notify", mode="before")
    @classmethod
    def _named(cls, value: Any) -> Any:
        # A query's 400 carries one message: it names the parameter, as Whole's do.
        if value not in BOOLEAN_STRINGS and not isinstance(value, bool):
            raise fail("notify must be a boolean: true/false, t/f or 1/0.")
        return value


class IncidentSearch(Paging):
    q: Text | None = Field(None, description="Searches incident names.")
