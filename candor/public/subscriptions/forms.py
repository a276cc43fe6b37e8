"""The subscription forms. Components are offered as the status page shows them: ungrouped
components and groups in display order, each group with a "whole group" choice that stands for
all of its components (ticked groups are expanded into their components when the form is clean)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from candor.core.models import Component, ComponentGroup, Page
from candor.core.queries import components_by_group


@dataclass
class Choice:
    pk: str
    name: str
    checked: bool


@dataclass
class GroupRow:
    """One row of the picker: a group with its components, or one ungrouped component."""

    group: Choice | None
    components: list[Choice]


class _Components(forms.Form):
    """The component and whole-group choices every subscription form shares."""

    def __init__(self, page: Page, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page = page
        self.fields["components"] = forms.ModelMultipleChoiceField(
            queryset=Component.objects.filter(page=page),
            required=False,
            label="Components",
            help_text="Leave all unticked to hear about everything.",
        )
        self.fields["groups"] = forms.ModelMultipleChoiceField(
            queryset=ComponentGroup.objects.filter(page=page), required=False, label="Groups"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = {c.pk: c for c in data.get("components") or []}
        for group in data.get("groups") or []:
            for component in Component.objects.filter(group=group):
                chosen.setdefault(component.pk, component)
        data["components"] = list(chosen.values())
        return data

    def _selected(self, name: str) -> set[str]:
        if self.is_bound:
            return {str(v) for v in self.data.getlist(self.add_prefix(name))}  # type: ignore[attr-defined]
        initial = self.initial.get(name) or []
        return {str(getattr(v, "pk", v)) for v in initial}

    def component_rows(self) -> list[GroupRow]:
        """The picker's rows, in the status page's order, with what is ticked now."""
        components = self._selected("components")
        groups = self._selected("groups")
        rows = []
        for group, members in components_by_group(self.page):
            if group is not None and not members:
                continue
            every = bool(members) and all(c.pk in components for c in members)
            rows.append(
                GroupRow(
                    Choice(group.pk, group.name, group.pk in groups or every) if group else None,
                    [Choice(c.pk, c.name, c.pk in components) for c in members],
                )
            )
        return rows


class EmailForm(_Components):
    email = forms.CharField(label="Email address", max_length=254)


class WebhookForm(_Components):
    endpoint = forms.CharField(label="Webhook URL", max_length=2000)
    email = forms.CharField(
        label="Contact email",
        max_length=254,
        help_text="Told if the endpoint keeps failing.",
    )


class ComponentsForm(_Components):
    maintenance_notices = forms.BooleanField(
        label="Scheduled maintenance notices",
        required=False,
        help_text="Announcements, reminders, starts and ends of maintenance windows.",
    )


class ChatForm(_Components):
    """Slack, Microsoft Teams or Discord: the incoming-webhook URL of one channel."""

    endpoint = forms.CharField(label="Incoming-webhook URL", max_length=2000)
    email = forms.CharField(
        label="Contact email (optional)",
        max_length=254,
        required=False,
        help_text="Told if the channel's webhook is removed or keeps failing.",
    )

    def __init__(self, page: Page, mode: str, label: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(page, *args, **kwargs)
        self.mode = mode
        self.label = label
        self.fields["endpoint"].label = f"{label} webhook URL"
