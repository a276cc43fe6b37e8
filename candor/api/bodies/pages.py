"""Bodies of pages (with their branding), components, groups and integrations."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, PlainValidator, WithJsonSchema

from candor.api.bodies.base import Body
from candor.api.fields import AnyObject, Boolean, Day, Fields, IdList, Text, choice, fail
from candor.core import branding
from candor.core.enums import ComponentStatus

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
