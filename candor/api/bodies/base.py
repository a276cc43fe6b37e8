"""What every body and list shares: the wrapped Body, paging, and the vocabularies."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from candor.api.fields import Fields, Whole
from candor.core.enums import MAINTENANCE_POSTABLE

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
