"""Small template helpers shared by every management page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from candor.core.enums import ComponentStatus, Impact, IncidentStatus
from candor.core.models import Page

register = template.Library()

_LABELS: dict[str, str] = {
    **dict(ComponentStatus.choices),
    **dict(IncidentStatus.choices),
}


@register.simple_tag(takes_context=True)
def tab(context: dict[str, Any], href: str, label: str) -> SafeString:
    """One navigation tab, marked as the current page when the path is under it."""
    path = context["request"].path
    if href == "/manage/":
        current = path == href or path.startswith("/manage/incidents/")
    elif href == "/manage/templates/":
        current = path.startswith(href) or path.startswith("/manage/snippets/")
    else:
        current = path.startswith(href)
    aria = mark_safe(' aria-current="page"') if current else ""  # noqa: S308 - a constant
    return format_html('<li><a href="{}"{}>{}</a></li>', href, aria, label)


@register.simple_tag(takes_context=True)
def current_page(context: dict[str, Any]) -> Page | None:
    page = context.get("page")
    if isinstance(page, Page):
        return page
    from candor.manage.common import existing_managed_page

    return existing_managed_page()


@register.simple_tag
def status_badge(status: str) -> SafeString:
    """A status as a badge: the word is always written, the colour only supports it."""
    return format_html(
        '<span class="badge badge-{}">{}</span>', status, _LABELS.get(status, status)
    )


@register.simple_tag
def impact_badge(impact: str) -> SafeString:
    label = dict(Impact.choices).get(impact, impact)
    return format_html('<span class="badge impact-{}">{} impact</span>', impact, label)


@register.filter
def get_item(mapping: dict[str, Any] | None, key: str) -> Any:
    return (mapping or {}).get(key)
