"""Bodies and query strings of subscribers."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator

from candor.api.bodies.base import (
    SORT_DIRECTIONS,
    SORT_FIELDS,
    SUBSCRIBER_MODES,
    SUBSCRIBER_STATES,
    SUBSCRIBER_TYPES,
    Body,
)
from candor.api.fields import ID_LIST, Boolean, Fields, IdList, Text, Whole, choice, fail

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
