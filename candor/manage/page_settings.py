"""Page settings: name, public URL, time zone, support link, logo, the stale-incident flag."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from candor.core import images, services
from candor.forms import add_service_errors
from candor.manage.access import admin_required
from candor.manage.common import actor, managed_page


@dataclass(frozen=True)
class PublicLogo:
    """The current logo as the file widget links it: where visitors get it (media/ is unserved)."""

    url: str = images.LOGO_PATH

    def __str__(self) -> str:
        return self.url.lstrip("/")


def _time_zones() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class PageSettingsForm(forms.Form):
    name = forms.CharField(label="Name", max_length=255, help_text="Shown at the top of the page.")
    url = forms.URLField(
        label="Public URL",
        required=False,
        max_length=255,
        assume_scheme="https",
        help_text="Where visitors read this status page, e.g. https://status.example.com.",
    )
    time_zone = forms.ChoiceField(
        label="Time zone", help_text="Times on the public page and here are shown in it."
    )
    support_url = forms.URLField(
        label="Support link",
        required=False,
        max_length=255,
        assume_scheme="https",
        help_text="Where visitors can ask for help.",
    )
    logo = forms.FileField(
        label="Logo",
        required=False,
        help_text=f"{images.FORMATS}, up to 512 KB.",
        widget=forms.ClearableFileInput,
    )
    stale_after_minutes = forms.IntegerField(
        label="Flag incidents without an update after (minutes)",
        min_value=5,
        max_value=24 * 60,
        help_text="An active incident with no update for this long is flagged on the "
        "Incidents tab.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = _time_zones()  # type: ignore[attr-defined]

    # The logo's content is checked by services.update_page (by its bytes, whatever its name).


@admin_required
def edit(request: HttpRequest) -> HttpResponse:
    page = managed_page(request)
    initial = {
        "name": page.name,
        "url": page.url,
        "time_zone": page.time_zone,
        "support_url": page.support_url,
        "logo": PublicLogo() if page.logo else None,
        "stale_after_minutes": page.stale_after_minutes,
    }
    form = PageSettingsForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        logo = fields.pop("logo")
        if logo is False:  # "Clear" ticked
            fields["logo"] = ""
        elif isinstance(logo, UploadedFile):
            fields["logo"] = logo
        try:
            services.update_page(page, by=actor(request), **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Page settings saved.")
            return redirect("manage_settings")
    return render(request, "manage/settings.html", {"page": page, "form": form})
