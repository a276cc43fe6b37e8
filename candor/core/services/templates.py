"""Incident templates and update snippets: prepared text an operator picks mid-outage.

They are private to the team (nothing public changes), so no page version is bumped.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import EllipsisType

from django.db import transaction

from candor.core.enums import Impact, IncidentStatus
from candor.core.models import Component, IncidentTemplate, Page, UpdateSnippet
from candor.core.services.base import Actor, audit, check_choice, check_text, fail, now
from candor.core.services.incidents import MAX_MESSAGE, check_status


def _components(page: Page, components: Iterable[Component]) -> list[Component]:
    chosen = list(dict.fromkeys(components))
    for component in chosen:
        if component.page_id != page.pk:
            raise fail("components", f"{component.name} belongs to another page.")
    return chosen


@transaction.atomic
def save_incident_template(
    page: Page,
    *,
    by: Actor,
    template: IncidentTemplate | None = None,
    name: str | None = None,
    title: str | None = None,
    status: str | None = None,
    impact: str | None = None,
    body: str | None = None,
    components: Iterable[Component] | None = None,
    notify: bool | None = None,
) -> IncidentTemplate:
    """Create a template (`template` None) or change the given fields of one."""
    creating = template is None
    if creating or name is not None:
        name = check_text("name", name or "", required=True)
    if title is not None:
        title = check_text("title", title)
    if status is not None:
        status = check_status(status)
    if impact is not None:
        impact = check_choice("impact", impact, Impact.values, "impact")
    if body is not None:
        body = check_text("body", body, max_length=MAX_MESSAGE, multiline=True)
    chosen = None if components is None else _components(page, components)
    at = now()
    if template is None:
        template = IncidentTemplate(page=page, created_at=at, status=IncidentStatus.INVESTIGATING)
    elif template.page_id != page.pk:
        raise fail("template", "This template belongs to another page.")
    for field, value in (
        ("name", name),
        ("title", title),
        ("status", status),
        ("impact", impact),
        ("body", body),
        ("notify", notify),
    ):
        if value is not None:
            setattr(template, field, value)
    template.updated_at = at
    template.save()
    if chosen is not None:
        template.components.set(chosen)
    action = "created" if creating else "changed"
    audit(page, by, "template.save", template, f"Template {template.name} {action}")
    return template


@transaction.atomic
def delete_incident_template(template: IncidentTemplate, *, by: Actor) -> None:
    audit(template.page, by, "template.delete", template, f"Deleted template {template.name}")
    template.delete()


@transaction.atomic
def save_snippet(
    page: Page,
    *,
    by: Actor,
    snippet: UpdateSnippet | None = None,
    name: str | None = None,
    status: str | EllipsisType = ...,
    body: str | None = None,
) -> UpdateSnippet:
    """Create an update snippet (`snippet` None) or change the given fields of one; a status of
    "" leaves the operator's chosen status alone when the snippet is picked."""
    creating = snippet is None
    if creating or name is not None:
        name = check_text("name", name or "", required=True)
    if creating or body is not None:
        body = check_text("body", body or "", required=True, max_length=MAX_MESSAGE, multiline=True)
    if status is not ... and status:
        status = check_status(status)
    at = now()
    if snippet is None:
        snippet = UpdateSnippet(page=page, created_at=at)
    elif snippet.page_id != page.pk:
        raise fail("snippet", "This snippet belongs to another page.")
    if name is not None:
        snippet.name = name
    if body is not None:
        snippet.body = body
    if status is not ...:
        snippet.status = status or ""
    snippet.updated_at = at
    snippet.save()
    action = "created" if creating else "changed"
    audit(page, by, "snippet.save", snippet, f"Snippet {snippet.name} {action}")
    return snippet


@transaction.atomic
def delete_snippet(snippet: UpdateSnippet, *, by: Actor) -> None:
    audit(snippet.page, by, "snippet.delete", snippet, f"Deleted snippet {snippet.name}")
    snippet.delete()
