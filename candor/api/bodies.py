"""Every request body and query string of the management API, declared once.

The handlers receive these models already read (candor.api.http.read_body/read_query), and the
OpenAPI document (candor.api.openapi) is generated from them. A body is wrapped, as in
Statuspage (`{"incident": {...}}`): the wrapper is the one field of type Fields named by
`wrapper`; other fields of a Body sit beside it.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field, field_validator

from candor.api.fields import (
    ID_LIST,
    AnyObject,
    Boolean,
    Day,
    Fields,
    IdList,
    Moment,
    StatusMap,
    Text,
    Whole,
    choice,
    fail,
    statuses,
)
from candor.core.enums import POSTABLE_STATUSES, ComponentStatus, Impact

# Statuspage's subscriber types; Candor has email and webhook, the others always count 0.
SUBSCRIBER_TYPES = ("email", "sms", "webhook", "integration_partner", "slack")
SUBSCRIBER_STATES = ("active", "unconfirmed", "quarantined", "unsubscribed", "all")
SORT_FIELDS = ("primary", "created_at", "quarantined_at", "relevance")
SORT_DIRECTIONS = ("asc", "desc")
# Statuspage's maintenance statuses: refused until Candor has scheduled maintenances.
MAINTENANCE_STATUSES = ("scheduled", "in_progress", "verifying", "completed")


class Body(Fields):
    wrapper: ClassVar[str | None] = None
    # Publishing a postmortem takes an empty body as well as {"postmortem": {...}}.
    wrapper_required: ClassVar[bool] = True


# --- pages ---


class PageFields(Fields):
    name: Text | None = Field(None, description="Up to 255 characters.")
    url: Text | None = Field(None, description="The public address, http(s).")
    time_zone: Text | None = Field(None, description="An IANA time zone, e.g. Europe/Paris.")
    support_url: Text | None = None


class PageBody(Body):
    wrapper = "page"
    page: PageFields


# --- components and groups ---


class ComponentFields(Fields):
    name: Text | None = Field(None, description="Up to 255 characters.")
    description: Text | None = Field(None, description="Up to 2000 characters.")
    status: Text | None = choice(
        [*ComponentStatus.values, ""],
        'The baseline status; open incidents may show a worse one. "" changes nothing.',
    )
    group_id: Text | None = Field(
        None, description='A component group of this page; null or "" ungroups.'
    )
    showcase: Boolean | None = None
    only_show_if_degraded: Boolean | None = None
    start_date: Day | None = None


class NewComponentFields(ComponentFields):
    documented_required = ("name",)


class ComponentBody(Body):
    wrapper = "component"
    component: ComponentFields


class NewComponentBody(Body):
    wrapper = "component"
    component: NewComponentFields


class GroupFields(Fields):
    name: Text | None = Field(None, description="Up to 255 characters.")
    description: Text | None = Field(None, description="Up to 2000 characters.")
    components: IdList | None = Field(None, description="Component ids of this page, in order.")


class NewGroupFields(GroupFields):
    documented_required = ("name",)


class GroupBody(Body):
    wrapper = "component_group"
    component_group: GroupFields
    # Statuspage's spec puts `description` beside the wrapper; it is accepted inside as well.
    description: Text | None = Field(
        None, description="Also accepted beside the wrapper, as in Statuspage."
    )

    @property
    def group_description(self) -> str | None:
        inside = self.component_group.description
        return inside if inside is not None else self.description


class NewGroupBody(GroupBody):
    component_group: NewGroupFields


# --- incidents ---


class IncidentFields(Fields):
    name: Text | None = Field(None, description="Up to 255 characters.")
    status: Text | None = choice(POSTABLE_STATUSES)
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

    @field_validator("status")
    @classmethod
    def _postable(cls, status: str | None) -> str | None:
        if status == "":
            raise fail("Give a status, or leave the field out.")
        if status in MAINTENANCE_STATUSES:
            raise fail("Candor has no scheduled maintenances yet.")
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
    # Accepted and ignored: an edit notifies nobody again, and Candor does not tweet.
    deliver_notifications: Boolean | None = None
    wants_twitter_update: Boolean | None = None


class IncidentUpdateBody(Body):
    wrapper = "incident_update"
    incident_update: IncidentUpdateFields


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


# --- subscribers ---


class SubscriberFields(Fields):
    email: Text | None = Field(
        None, description="Email address; for a webhook, the contact told of trouble."
    )
    endpoint: Text | None = Field(
        None, description="A webhook URL (http or https); makes a webhook subscriber."
    )
    component_ids: IdList | None = Field(
        None, description="Components of this page; none means all."
    )
    skip_confirmation_notification: Boolean | None = None
    phone_number: Text | None = Field(None, description="SMS is not supported: refused.")
    phone_country: Text | None = Field(None, description="SMS is not supported: refused.")
    page_access_user: Text | None = Field(None, description="Accepted and ignored.")


class SubscriberBody(Body):
    wrapper = "subscriber"
    subscriber: SubscriberFields


class SubscriberComponents(Fields):
    component_ids: IdList | None = None


class SubscriberEditBody(Body):
    wrapper = "subscriber"
    subscriber: SubscriberComponents


def _selection(value: Any) -> Any:
    if value == "all":
        return value
    if not isinstance(value, list) or not all(isinstance(i, str) for i in value):
        raise fail('Give a list of subscriber ids, or "all".')
    return value


class SelectionBody(Body):
    """Not wrapped: `subscribers` is a list of ids or "all"; `type` and `state` narrow it."""

    subscribers: Any = Field(
        None,
        description='Subscriber ids of this page, or "all".',
        json_schema_extra={"anyOf": [ID_LIST, {"type": "string", "enum": ["all"]}]},
    )
    type: Text | None = choice(SUBSCRIBER_TYPES)
    state: Text | None = choice(SUBSCRIBER_STATES)
    # Candor sends no goodbye mail.
    skip_unsubscription_notification: Boolean | None = None
    documented_required = ("subscribers",)

    _check_selection = field_validator("subscribers", mode="before")(_selection)


# --- query strings ---


class Paging(Fields):
    page: Annotated[int, Whole("page", 1, 100_000)] = Field(1, description="From 1.")
    per_page: Annotated[int, Whole("per_page", 1, 100)] = Field(100, description="Default 100.")
    limit: Annotated[int, Whole("limit", 1, 100)] | None = Field(
        None, description="Alias of per_page."
    )

    def window(self) -> tuple[int, int]:
        """(offset, count) from Statuspage's `page` and `per_page` (`limit` wins)."""
        count = self.per_page if self.limit is None else self.limit
        return (self.page - 1) * count, count


class IncidentSearch(Paging):
    q: Text | None = Field(None, description="Searches incident names.")


class SubscriberFilter(Fields):
    type: Text | None = choice(SUBSCRIBER_TYPES, "Only this type.")
    state: Text | None = choice(SUBSCRIBER_STATES, "Default active.")


class SubscriberSearch(SubscriberFilter):
    q: Text | None = Field(None, description="Searches addresses and endpoints.")
    limit: Annotated[int, Whole("limit", 1, 100)] = Field(100, description="Default 100.")
    # Statuspage: page 0 is the first.
    page: Annotated[int, Whole("page", 0, 100_000)] = Field(0, description="From 0.")
    sort_field: Text | None = choice(SORT_FIELDS, "Default created_at.")
    sort_direction: Text | None = choice(SORT_DIRECTIONS, "Default desc.")
