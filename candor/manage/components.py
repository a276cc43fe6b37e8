"""The Components tab: components and groups, baseline statuses, order, and what drives them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from candor.core import services
from candor.core.enums import ACTIVE_STATUSES, ComponentStatus
from candor.core.models import AffectedComponent, Alert, Component, ComponentGroup, Page
from candor.core.queries import components_by_group
from candor.core.services import ordering
from candor.forms import add_service_errors
from candor.manage.access import responder_required
from candor.manage.common import actor, managed_page, on_managed_page


class ComponentForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=255, widget=forms.TextInput(attrs={"autofocus": True})
    )
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
    name = forms.CharField(
        label="Name", max_length=255, widget=forms.TextInput(attrs={"autofocus": True})
    )
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


def _alerts(page: Page) -> dict[str, list[Alert]]:
    """Per component, the firing monitoring alerts holding it (one layer of its status)."""
    rows = Alert.objects.filter(component__page=page, acting=True, layer=True).select_related(
        "integration"
    )
    held: dict[str, list[Alert]] = {}
    for row in rows:
        held.setdefault(str(row.component_id), []).append(row)
    return held


@responder_required
def component_list(request: HttpRequest) -> HttpResponse:
    page = managed_page(request)
    return render(
        request,
        "manage/components/list.html",
        {
            "page": page,
            "groups": components_by_group(page),
            "drivers": _drivers(page),
            "alerts": _alerts(page),
            "statuses": ComponentStatus.choices,
            "moved": (request.GET.get("moved"), request.GET.get("direction")),
        },
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


@responder_required
@require_POST
def component_status(request: HttpRequest, component_id: str) -> HttpResponse:
    """The inline status control of the Components tab: set one baseline status."""
    component = on_managed_page(request, Component.objects.all(), pk=component_id)
    status = request.POST.get("status", "")
    try:
        services.set_baseline_status(component, by=actor(request), status=status)
    except ValidationError as error:
        messages.error(request, f"{component.name}: {' '.join(error.messages)}")
    else:
        label = ComponentStatus(status).label
        messages.success(request, f"{component.name}: baseline status set to {label}.")
    return redirect(f"{reverse('manage_components')}#row-{component.pk}")


@responder_required
def reorder(request: HttpRequest) -> HttpResponse:
    """Move a group or a component one place up or down the list as shown (the arrows, the
    keyboard alternative to dragging), or drop it above another row (drag and drop); the
    message says where it went."""
    if request.method != "POST":
        return redirect("manage_components")
    page = managed_page(request)
    kind, target, direction = (request.POST.get(k, "") for k in ("kind", "id", "direction"))
    kind = ordering.GROUP if kind == ordering.GROUP else ordering.COMPONENT
    item: Component | ComponentGroup
    if kind == ordering.GROUP:
        item = on_managed_page(request, ComponentGroup.objects.all(), pk=target)
    else:
        item = on_managed_page(request, Component.objects.all(), pk=target)
    layout = ordering.current_layout(page)
    if "before" in request.POST:
        changed = ordering.place_before(layout, kind, item.pk, request.POST["before"] or None)
        how = f"Moved {item.name}"
    else:
        direction = "up" if direction == "up" else "down"
        changed = ordering.move(layout, kind, item.pk, direction)
        how = f"Moved {item.name} {direction}"
    # No #fragment: browsers skip autofocus when the address targets an element, and the
    # moved item's arrow takes the focus (and scrolls into view) so that Enter moves it on.
    anchor = f"{reverse('manage_components')}?moved={item.pk}&direction={direction}"
    if changed is None:
        end = "top" if direction == "up" else "bottom"
        where = "already there" if "before" in request.POST else f"already at the {end}"
        messages.info(request, f"{item.name} is {where}; nothing moved.")
        return redirect(anchor)
    summary = f"{how}: now {ordering.describe(changed, kind, item.pk)}."
    try:
        services.arrange_components(page, by=actor(request), layout=changed, summary=summary)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, summary)
    return redirect(anchor)
