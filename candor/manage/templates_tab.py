"""The Templates tab: incident templates (they prefill Create Incident) and update snippets
(they prefill Post Update)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from candor.core import services
from candor.core.enums import Impact
from candor.core.models import Component, IncidentTemplate, Page, UpdateSnippet
from candor.forms import add_service_errors
from candor.manage.access import responder_required
from candor.manage.common import actor, managed_page, on_managed_page
from candor.manage.incident_forms import STATUS_CHOICES


class TemplateForm(forms.Form):
    name = forms.CharField(
        label="Template name",
        max_length=255,
        help_text='How you find it, e.g. "Email delays".',
        widget=forms.TextInput(attrs={"autofocus": True}),
    )
    title = forms.CharField(label="Incident title", max_length=255, required=False)
    status = forms.ChoiceField(label="Status", choices=STATUS_CHOICES, widget=forms.RadioSelect)
    impact = forms.ChoiceField(label="Impact", choices=Impact.choices, widget=forms.RadioSelect)
    components = forms.MultipleChoiceField(
        label="Affected Components", required=False, widget=forms.CheckboxSelectMultiple
    )
    body = forms.CharField(
        label="Initial Message",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Markdown is supported.",
    )
    notify = forms.BooleanField(label="Notify subscribers", required=False, initial=True)

    def __init__(self, *args: Any, page: Page, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by_id = {c.pk: c for c in Component.objects.filter(page=page).select_related("group")}
        self.fields["components"].choices = [  # type: ignore[attr-defined]
            (c.pk, c.display_name) for c in self.by_id.values()
        ]

    def chosen_components(self) -> list[Component]:
        return [self.by_id[pk] for pk in self.cleaned_data["components"]]


class SnippetForm(forms.Form):
    name = forms.CharField(
        label="Snippet name", max_length=255, widget=forms.TextInput(attrs={"autofocus": True})
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Keep the status chosen"), *STATUS_CHOICES],
        help_text="The status it picks in Post Update, if any.",
    )
    body = forms.CharField(
        label="Update Message",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Markdown is supported.",
    )


@responder_required
def template_list(request: HttpRequest) -> HttpResponse:
    page = managed_page(request)
    return render(
        request,
        "manage/templates/list.html",
        {
            "page": page,
            "templates": IncidentTemplate.objects.filter(page=page).prefetch_related("components"),
            "snippets": UpdateSnippet.objects.filter(page=page),
        },
    )


@responder_required
def template_edit(request: HttpRequest, template_id: str | None = None) -> HttpResponse:
    page = managed_page(request)
    template = None
    initial: dict[str, Any] = {"status": "investigating", "impact": "none", "notify": True}
    if template_id is not None:
        template = on_managed_page(request, IncidentTemplate.objects.all(), pk=template_id)
        initial = {
            "name": template.name,
            "title": template.title,
            "status": template.status,
            "impact": template.impact,
            "body": template.body,
            "notify": template.notify,
            "components": [c.pk for c in template.components.all()],
        }
    form = TemplateForm(request.POST or None, page=page, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_incident_template(
                page,
                by=actor(request),
                template=template,
                name=data["name"],
                title=data["title"],
                status=data["status"],
                impact=data["impact"],
                body=data["body"],
                components=form.chosen_components(),
                notify=data["notify"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Template “{saved.name}” saved.")
            return redirect("manage_templates")
    return render(
        request,
        "manage/templates/template_form.html",
        {"page": page, "form": form, "template": template},
    )


@responder_required
def snippet_edit(request: HttpRequest, snippet_id: str | None = None) -> HttpResponse:
    page = managed_page(request)
    snippet = None
    initial: dict[str, Any] = {}
    if snippet_id is not None:
        snippet = on_managed_page(request, UpdateSnippet.objects.all(), pk=snippet_id)
        initial = {"name": snippet.name, "status": snippet.status, "body": snippet.body}
    form = SnippetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_snippet(
                page,
                by=actor(request),
                snippet=snippet,
                name=data["name"],
                status=data["status"],
                body=data["body"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Snippet “{saved.name}” saved.")
            return redirect("manage_templates")
    return render(
        request,
        "manage/templates/snippet_form.html",
        {"page": page, "form": form, "snippet": snippet},
    )


@responder_required
def template_delete(request: HttpRequest, template_id: str) -> HttpResponse:
    template = on_managed_page(request, IncidentTemplate.objects.all(), pk=template_id)
    if request.method == "POST":
        services.delete_incident_template(template, by=actor(request))
        messages.success(request, f"Template “{template.name}” deleted.")
        return redirect("manage_templates")
    return render(
        request,
        "manage/templates/delete.html",
        {"page": template.page, "kind": "template", "obj": template},
    )


@responder_required
def snippet_delete(request: HttpRequest, snippet_id: str) -> HttpResponse:
    snippet = on_managed_page(request, UpdateSnippet.objects.all(), pk=snippet_id)
    if request.method == "POST":
        services.delete_snippet(snippet, by=actor(request))
        messages.success(request, f"Snippet “{snippet.name}” deleted.")
        return redirect("manage_templates")
    return render(
        request,
        "manage/templates/delete.html",
        {"page": snippet.page, "kind": "snippet", "obj": snippet},
    )
