"""The Components tab: components and groups, baseline statuses, order, and what drives them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from candor.core import services
from candor.core.enums import ACTIVE_STATUSES, ComponentStatus
from candor.core.models import AffectedComponent, Component, ComponentGroup, Page
from candor.core.queries import components_by_group
from candor.forms import add_service_errors
from candor.manage.access import responder_required
from candor.manage.common import actor, managed_page, on_managed_page


class ComponentForm(forms.Form):
    name = forms.CharField(label="Name", max_length=255)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional; shown to visitors next to the name.",
    )
    group = forms.ModelChoiceField(
        label="Group",
        queryset=ComponentGroup.objects.none(),
        required=False,
        empty_label="No group",
    )
    status = forms.ChoiceField(
        label="Baseline status",
        choices=ComponentStatus.choices,
        initial=ComponentStatus.OPERATIONAL,
        help_text="Set by you. Open incidents can make the status shown worse, never better; "
        "when they are resolved the component returns to this status.",
    )
    showcase = forms.BooleanField(label="Show on the public page", required=False, initial=True)
    only_show_if_degraded = forms.BooleanField(
        label="Only show when it is not operational", required=False
    )

    def __init__(self, *args: Any, page: Page, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = ComponentGroup.objects.filter(page=page)  # type: ignore[attr-defined]


class GroupForm(forms.Form):
    name = forms.CharField(label="Name", max_length=255)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _drivers(page: Page) -> dict[str, list[AffectedComponent]]:
    """Per component, the open incidents imposing a status on it."""
    rows = AffectedComponent.objects.filter(
        component__page=page, incident__status__in=ACTIVE_STATUSES, incident__backfilled=False
    ).select_related("incident")
    drivers: dict[str, list[AffectedComponent]] = {}
    for row in rows:
        drivers.setdefault(row.component_id, []).append(row)
    return drivers


@responder_required
def component_list(request: HttpRequest) -> HttpResponse:
    page = managed_page(request)
    return render(
        request,
        "manage/components/list.html",
        {"page": page, "groups": components_by_group(page), "drivers": _drivers(page)},
    )


@responder_required
def component_create(request: HttpRequest) -> HttpResponse:
    page = managed_page(request)
    initial = {"group": request.GET.get("group")}
    form = ComponentForm(request.POST or None, page=page, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            component = services.create_component(page, by=actor(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Component “{component.name}” created.")
            return redirect("manage_components")
    return render(request, "manage/components/form.html", {"page": page, "form": form})


@responder_required
def component_edit(request: HttpRequest, component_id: str) -> HttpResponse:
    page = managed_page(request)
    component = on_managed_page(request, Component.objects.all(), pk=component_id)
    initial = {
        "name": component.name,
        "description": component.description,
        "group": component.group_id,
        "status": component.baseline_status,
        "showcase": component.showcase,
        "only_show_if_degraded": component.only_show_if_degraded,
    }
    form = ComponentForm(request.POST or None, page=page, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_component(component, by=actor(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Component “{form.cleaned_data['name']}” saved.")
            return redirect("manage_components")
    drivers = _drivers(page).get(component.pk, [])
    return render(
        request,
        "manage/components/form.html",
        {"page": page, "form": form, "component": component, "drivers": drivers},
    )


@responder_required
def component_delete(request: HttpRequest, component_id: str) -> HttpResponse:
    page = managed_page(request)
    component = on_managed_page(request, Component.objects.all(), pk=component_id)
    if request.method == "POST":
        services.delete_component(component, by=actor(request))
        messages.success(request, f"Component “{component.name}” deleted.")
        return redirect("manage_components")
    return render(
        request,
        "manage/components/delete.html",
        {"page": page, "object": component, "kind": "component"},
    )


@responder_required
def group_create(request: HttpRequest) -> HttpResponse:
    page = managed_page(request)
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.create_group(page, by=actor(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Group “{group.name}” created.")
            return redirect("manage_components")
    return render(request, "manage/components/group_form.html", {"page": page, "form": form})


@responder_required
def group_edit(request: HttpRequest, group_id: str) -> HttpResponse:
    page = managed_page(request)
    group = on_managed_page(request, ComponentGroup.objects.all(), pk=group_id)
    initial = {"name": group.name, "description": group.description}
    form = GroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_group(group, by=actor(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Group “{form.cleaned_data['name']}” saved.")
            return redirect("manage_components")
    return render(
        request, "manage/components/group_form.html", {"page": page, "form": form, "group": group}
    )


@responder_required
def group_delete(request: HttpRequest, group_id: str) -> HttpResponse:
    page = managed_page(request)
    group = on_managed_page(request, ComponentGroup.objects.all(), pk=group_id)
    if request.method == "POST":
        services.delete_group(group, by=actor(request))
        messages.success(request, f"Group “{group.name}” deleted; its components are kept.")
        return redirect("manage_components")
    return render(
        request, "manage/components/delete.html", {"page": page, "object": group, "kind": "group"}
    )


def _swap(ids: list[str], target: str, direction: str) -> list[str] | None:
    if target not in ids:
        return None
    i = ids.index(target)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(ids):
        return None
    ids[i], ids[j] = ids[j], ids[i]
    return ids


@responder_required
def reorder(request: HttpRequest) -> HttpResponse:
    """Move a component within its group, or a group among groups, one place up or down."""
    if request.method != "POST":
        return redirect("manage_components")
    page = managed_page(request)
    kind, target, direction = (request.POST.get(k, "") for k in ("kind", "id", "direction"))
    if kind == "group":
        ids = list(ComponentGroup.objects.filter(page=page).values_list("pk", flat=True))
        order = _swap(ids, target, direction)
        if order is not None:
            services.reorder_groups(page, by=actor(request), order=order)
    else:
        component = on_managed_page(request, Component.objects.all(), pk=target)
        siblings = Component.objects.filter(page=page, group_id=component.group_id)
        order = _swap(list(siblings.values_list("pk", flat=True)), target, direction)
        if order is not None:
            services.reorder_components(
                page, by=actor(request), order=[(pk, component.group_id) for pk in order]
            )
    return redirect("manage_components")
