"""Every request body and query string of the management API, declared once.

The handlers receive these models already read (candor.api.http.read_body/read_query), and the
OpenAPI document (candor.api.openapi) is generated from them. A body is wrapped, as in
Statuspage (`{"incident": {...}}`): the wrapper is the one field of type Fields named by
`wrapper`; other fields of a Body sit beside it.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field, PlainValidator, WithJsonSchema, field_validator

from candor.api.fields import (
    BOOLEAN_STRINGS,
    ID_LIST,
    AnyObject,
    Boolean,
    Count,
    Day,
    DayList,
    Fields,
    IdList,
    Moment,
    StatusMap,
    Text,
    WallClock,
    Whole,
    choice,
    fail,
    statuses,
)
from candor.core import branding
from candor.core.enums import MAINTENANCE_POSTABLE, POSTABLE_STATUSES, ComponentStatus, Impact

# Statuspage's subscriber types and Candor's chat channels; sms and integration_partner
# always count 0.
SUBSCRIBER_TYPES = ("email", "sms", "webhook", "integration_partner", "slack", "teams", "discord")
# What `mode` may say when adding a subscriber.
SUBSCRIBER_MODES = ("email", "webhook", "slack", "teams", "discord")
SUBSCRIBER_STATES = ("active", "unconfirmed", "quarantined", "unsubscribed", "all")
SORT_FIELDS = ("primary", "created_at", "quarantined_at", "relevance")
SORT_DIRECTIONS = ("asc", "desc")
# Statuspage's maintenance statuses, and Candor's `cancelled` (calls a window off).
MAINTENANCE_STATUSES = (*MAINTENANCE_POSTABLE, "cancelled")


class Body(Fields):
    wrapper: ClassVar[str | None] = None
    # Publishing a postmortem takes an empty body as well as {"postmortem": {...}}.
    wrapper_required: ClassVar[bool] = True


# --- pages ---


def _links(value: Any) -> list[dict[str, str]]:
    # Form fields: page[candor_branding][header_links][][label]=…; [] arrives as [""].
    if not isinstance(value, list):
        raise fail("Must be a list of {label, url} objects.")
    links = [v for v in value if v != ""]
    for link in links:
        if not (
            isinstance(link, dict)
            and isinstance(link.get("label"), str)
            and isinstance(link.get("url"), str)
        ):
            raise fail("Must be a list of {label, url} objects, each with both as text.")
    return [{"label": link["label"], "url": link["url"]} for link in links]


LINK: dict[str, Any] = {
    "type": "object",
    "properties": {"label": {"type": "string"}, "url": {"type": "string"}},
    "required": ["label", "url"],
}
Links = Annotated[
    list[dict[str, str]],
    PlainValidator(_links),
    WithJsonSchema({"type": "array", "items": LINK}),
]


def _read_only(value: Any) -> None:
    if value is None:
        return None  # null is "not given", as everywhere
    raise fail(
        "Read-only in the API: an Administrator changes it signed in, on the Users tab "
        "(an API key cannot turn off the sign-in protection)."
    )


class BrandingFields(Fields):
    """Candor's extension: Page settings' branding, checked as the settings form checks it."""

    accent_light: Text | None = Field(
        None,
        description='Links and buttons in the light scheme, "#rrggbb"; "" for Candor\'s. '
        "Refused below 4.5:1 contrast (WCAG AA) against the light backgrounds.",
    )
    accent_dark: Text | None = Field(
        None,
        description='The same for the dark scheme; "" for Candor\'s. Refused below 4.5:1 '
        "against the dark backgrounds.",
    )
    header_links: Links | None = Field(
        None,
        description=f"Replaces the header's links: label (up to 60 characters) and http(s) or "
        f"/path url (up to 500); at most {branding.MAX_LINKS}; [] removes them.",
    )
    footer_links: Links | None = Field(None, description="The footer's, as header_links.")
    about: Text | None = Field(
        None, description='Markdown shown above the components, up to 5000 characters; "" clears.'
    )
    custom_css: Text | None = Field(
        None,
        description=f"Served as /brand.css, up to {branding.MAX_CSS // 1000} KB: no @import, "
        "no url() of another site, no '</'; \"\" clears.",
    )


class PageFields(Fields):
    name: Text | None = Field(None, description="Up to 255 characters.")
    url: Text | None = Field(None, description="The public address, http(s).")
    time_zone: Text | None = Field(None, description="An IANA time zone, e.g. Europe/Paris.")
    support_url: Text | None = None
    candor_branding: BrandingFields | None = Field(
        None,
        description="Candor's extension: only the fields given change. The logo and favicon "
        "are uploaded in Page settings, not here.",
    )
    require_two_factor: Annotated[
        Any,
        PlainValidator(_read_only),
        WithJsonSchema({"type": "boolean", "readOnly": True}),
    ] = Field(None, description="Read-only (see the Page object): sending it is refused.")


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


# --- integrations ---


class IntegrationFields(Fields):
    documented_required = ("name", "kind")
    name: Text | None = Field(None, description="Up to 100 characters.")
    kind: Text | None = choice(["alertmanager", "grafana", "generic"], "What sends the alerts.")
    mode: Text | None = choice(
        ["status", "propose", "incident"], "What its alerts do (default status)."
    )
    rules: Text | None = Field(
        None, description="Lines of MATCHERS -> COMPONENT[: STATUS], first match wins."
    )
    severity_map: AnyObject | None = Field(
        None, description="severity label value -> component status, over the defaults."
    )
    hold_down_seconds: int | None = Field(None, ge=0, le=86400)
    clear_delay_seconds: int | None = Field(None, ge=0, le=86400)
    flap_limit: int | None = Field(None, ge=1, le=10000)
    bearer_token: Text | None = Field(None, description="Require this Bearer token.")
    hmac_secret: Text | None = Field(None, description="Require Grafana's HMAC signature.")


class IntegrationBody(Body):
    wrapper = "integration"
    integration: IntegrationFields


# --- subscribers ---


class SubscriberFields(Fields):
    email: Text | None = Field(
        None, description="Email address; for a webhook, the contact told of trouble."
    )
    endpoint: Text | None = Field(
        None,
        description="A webhook URL (http or https); makes a webhook subscriber, or with `mode` "
        "slack, teams or discord, the service's incoming-webhook URL.",
    )
    mode: Text | None = choice(
        SUBSCRIBER_MODES,
        "email, webhook, or a chat channel (slack, teams, discord: a test message is posted "
        "first, and a URL that does not take it is refused). Default: webhook with an "
        "endpoint, else email.",
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
