"""Forms of the Incidents tab, with the seed's labels. They shape input; services decide."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms

from candor.core.enums import (
    IMPACT_HELP,
    INCIDENT_IMPACTS,
    INCIDENT_STATUS_HELP,
    POSTABLE_STATUSES,
    ComponentStatus,
    Impact,
    IncidentStatus,
)
from candor.core.models import Component, Incident, IncidentTemplate, Page
from candor.core.queries import components_by_group
from candor.forms import LocalDateTimeField

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
IMPACT_CHOICES = [(i, Impact(i).label) for i in INCIDENT_IMPACTS]
STATUS_CHOICES = [(s, IncidentStatus(s).label) for s in POSTABLE_STATUSES]
FOLLOW_IMPACT = "Set by impact"


def idempotency_key() -> forms.CharField:
    """A key drawn when the form is shown: submitted twice (a double click), it posts once."""
    return forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


def new_key() -> str:
    return secrets.token_urlsafe(24)


class ComponentRow:
    """One line of the Affected Components list: the tick box and its status select."""

    def __init__(self, component: Component, checked: bool, locked: bool, field: Any) -> None:
        self.component = component
        self.checked = checked
        self.locked = locked  # already affected: stays affected
        self.status_field = field


class ComponentChoiceForm(forms.Form):
    """Adds Affected Components: a tick box per component, and the status it should get."""

    def add_component_fields(self, page: Page, locked: dict[str, str | None]) -> None:
        self.page = page
        self.locked = locked
        self.groups = components_by_group(page)
        components = [c for _, cs in self.groups for c in cs]
        self.components_by_id = {c.pk: c for c in components}
        self.fields["components"] = forms.MultipleChoiceField(
            label="Affected Components",
            required=False,
            choices=[(c.pk, c.name) for c in components],
            widget=forms.CheckboxSelectMultiple,
        )
        for component in components:
            self.fields[f"status_{component.pk}"] = forms.ChoiceField(
                label=f"Status of {component.name}",
                required=False,
                choices=[("", FOLLOW_IMPACT), *ComponentStatus.choices],
                initial=locked.get(component.pk) or "",
            )

    def component_rows(self) -> list[tuple[Any, list[ComponentRow]]]:
        if self.is_bound:
            chosen = set(self.data.getlist("components")) | set(self.locked)  # type: ignore[attr-defined]
        else:
            chosen = set(self.initial.get("components", [])) | set(self.locked)
        return [
            (
                group,
                [
                    ComponentRow(c, c.pk in chosen, c.pk in self.locked, self[f"status_{c.pk}"])
                    for c in components
                ],
            )
            for group, components in self.groups
            if components
        ]

    def component_choice(self) -> dict[Component, str | None]:
        ids = list(dict.fromkeys([*self.locked, *self.cleaned_data.get("components", [])]))
        return {
            self.components_by_id[pk]: self.cleaned_data.get(f"status_{pk}") or None
            for pk in ids
            if pk in self.components_by_id
        }


class IncidentCreateForm(ComponentChoiceForm):
    name = forms.CharField(
        label="Title",
        max_length=255,
        # The first thing an operator types: no 13 Tabs to reach it.
        widget=forms.TextInput(attrs={"autofocus": True}),
        help_text='Short, clear description of the problem, e.g. "Help Desk Ticket Submission '
        'Disrupted".',
    )
    status = forms.ChoiceField(
        label="Status",
        choices=STATUS_CHOICES,
        initial=IncidentStatus.INVESTIGATING,
        widget=forms.RadioSelect,
    )
    impact = forms.ChoiceField(label="Impact", choices=IMPACT_CHOICES, widget=forms.RadioSelect)
    message = forms.CharField(
        label="Initial Message",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "data-preview": ""}),
        help_text="First update text visible to clients immediately. Markdown is supported.",
    )
    started_at = LocalDateTimeField(label="Started at", required=False, widget=DATETIME_WIDGET)
    resolved_at = LocalDateTimeField(label="Resolved at", required=False, widget=DATETIME_WIDGET)
    notify = forms.BooleanField(label="Notify subscribers", required=False, initial=True)
    key = idempotency_key()

    def __init__(self, *args: Any, page: Page, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("key", new_key())
        self.add_component_fields(page, {})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        missing = not data.get("started_at") and "started_at" not in self.errors
        if data.get("status") == IncidentStatus.RESOLVED and missing:
            self.add_error("started_at", "A retroactive incident needs the time it started.")
        return data


class PostUpdateForm(ComponentChoiceForm):
    status = forms.ChoiceField(label="Status", choices=STATUS_CHOICES, widget=forms.RadioSelect)
    message = forms.CharField(
        label="Update Message",
        widget=forms.Textarea(attrs={"rows": 5, "data-preview": ""}),
        help_text="What you know now. Markdown is supported.",
    )
    impact = forms.ChoiceField(label="Impact", choices=IMPACT_CHOICES, widget=forms.RadioSelect)
    notify = forms.BooleanField(label="Notify subscribers", required=False, initial=True)
    key = idempotency_key()

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "status": incident.status
                if incident.status in POSTABLE_STATUSES
                else IncidentStatus.RESOLVED,
                "impact": incident.impact,
                "key": new_key(),
            },
        )
        super().__init__(*args, **kwargs)
        locked = {
            a.component_id: (a.status if a.manual else None)
            for a in incident.affected.select_related("component")
        }
        self.add_component_fields(incident.page, locked)


def impact_choices_with_help() -> list[tuple[str, str, str]]:
    return [(value, label, IMPACT_HELP[value]) for value, label in IMPACT_CHOICES]


def status_choices_with_help() -> list[tuple[str, str, str]]:
    return [(value, label, INCIDENT_STATUS_HELP[value]) for value, label in STATUS_CHOICES]


def template_initial(template: IncidentTemplate) -> dict[str, Any]:
    """Create Incident filled in from a template; everything stays editable."""
    return {
        "name": template.title,
        "status": template.status,
        "impact": template.impact,
        "message": template.body,
        "notify": template.notify,
        "components": [c.pk for c in template.components.all()],
        "key": new_key(),
    }
