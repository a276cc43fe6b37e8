"""API keys (Administrators only): create one for a page or every page, see it once, revoke it."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from candor.core import apikeys
from candor.core.models import ApiKey, Page
from candor.forms import add_service_errors
from candor.manage.access import admin_required
from candor.manage.common import actor

EVERY_PAGE = ""


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="Who or what uses it, e.g. “Monitoring” or “Chat bot”.",
    )
    page = forms.ChoiceField(
        label="Pages it may change",
        required=False,
        help_text="A key for one page cannot see or change any other page.",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        pages = [(p.pk, p.name) for p in Page.objects.all()]
        self.fields["page"].choices = [(EVERY_PAGE, "Every page"), *pages]  # type: ignore[attr-defined]
        if pages:
            self.fields["page"].initial = pages[0][0]


@admin_required
def key_list(request: HttpRequest) -> HttpResponse:
    keys = ApiKey.objects.select_related("page", "created_by").order_by("revoked_at", "-created_at")
    return render(request, "manage/apikeys/list.html", {"keys": keys})


@admin_required
def key_create(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        page_id = form.cleaned_data["page"]
        page = Page.objects.filter(pk=page_id).first() if page_id else None
        try:
            key, plain = apikeys.create_api_key(
                by=actor(request), name=form.cleaned_data["name"], page=page
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Rendered, not redirected: the key is never kept, so it can be shown only now.
            response = render(
                request,
                "manage/apikeys/created.html",
                {"key": key, "plain": plain, "base_url": settings.BASE_URL},
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "manage/apikeys/form.html", {"form": form})


@admin_required
def key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    key = get_object_or_404(ApiKey.objects.select_related("page"), pk=key_id)
    if request.method == "POST":
        apikeys.revoke_api_key(key, by=actor(request))
        messages.success(request, f"Revoked the API key “{key.name}”. It stops working at once.")
        return redirect("manage_api_keys")
    return render(request, "manage/apikeys/revoke.html", {"key": key})
