"""Page settings: name, public URL, time zone, support link, logo, the stale-incident flag, the
branding (colours, favicon, header and footer links, about text, custom CSS), and how the
published copies of the public site are doing (docs/publishing.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from candor.core import branding, images, services
from candor.forms import TimeZoneField, add_service_errors
from candor.manage.access import admin_required
from candor.manage.common import actor, managed_page
from candor.public.publish.ledger import statuses


@dataclass(frozen=True)
class PublicLogo:
    """The current logo as the file widget links it: where visitors get it (media/ is unserved)."""

    url: str = images.LOGO_PATH

    def __str__(self) -> str:
        return self.url.lstrip("/")


def _colour(label: str, scheme: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=7,
        help_text=f"Links and buttons in the {scheme} scheme, as #rrggbb; empty keeps Candor's. "
        "Checked for AA contrast (4.5:1) when saved.",
        widget=forms.TextInput(
            attrs={"placeholder": "#0a58ca" if scheme == "light" else "#6cb6ff"}
        ),
    )


def _links(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One link a line: label | address, e.g. Docs | https://docs.example.com "
        f"(at most {branding.MAX_LINKS}).",
    )


class PageSettingsForm(forms.Form):
    name = forms.CharField(label="Name", max_length=255, help_text="Shown at the top of the page.")
    url = forms.URLField(
        label="Public URL",
        required=False,
        max_length=255,
        assume_scheme="https",
        help_text="Where visitors read this status page, e.g. https://status.example.com.",
    )
    time_zone = TimeZoneField(
        help_text="Type to search, e.g. Berlin or New_York. Times on the public page, in emails "
        "and here are shown in it.",
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
    accent_light = _colour("Accent colour (light scheme)", "light")
    accent_dark = _colour("Accent colour (dark scheme)", "dark")
    favicon = forms.FileField(
        label="Favicon",
        required=False,
        help_text=f"The icon in browser tabs: a square {images.FORMATS} image, up to 512 KB. "
        "Empty uses Candor's.",
        widget=forms.ClearableFileInput,
    )
    header_links = _links("Header links")
    footer_links = _links("Footer links")
    about = forms.CharField(
        label="About",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown above the components on the public page. Markdown is supported.",
    )
    custom_css = forms.CharField(
        label="Custom CSS",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text="Optional rules served with the public pages (no @import, nothing from other "
        "sites). The status colours stay Candor's.",
    )
    stale_after_minutes = forms.IntegerField(
        label="Flag incidents without an update after (minutes)",
        min_value=5,
        max_value=24 * 60,
        help_text="An active incident with no update for this long is flagged on the "
        "Incidents tab.",
    )

    def __init__(self, *args: Any, current_zone: str = "UTC", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone = self.fields["time_zone"]
        assert isinstance(zone, TimeZoneField)
        zone.current = current_zone

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
        "favicon": PublicLogo(images.FAVICON_PATH) if page.favicon else None,
        "stale_after_minutes": page.stale_after_minutes,
        "accent_light": page.accent_light,
        "accent_dark": page.accent_dark,
        "header_links": branding.links_text(page.header_links),
        "footer_links": branding.links_text(page.footer_links),
        "about": page.about,
        "custom_css": page.custom_css,
    }
    form = PageSettingsForm(
        request.POST if request.method == "POST" else None,
        request.FILES or None,
        initial=initial,
        current_zone=page.time_zone,
    )
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        for name in ("logo", "favicon"):
            upload = fields.pop(name)
            if upload is False:  # "Clear" ticked
                fields[name] = ""
            elif isinstance(upload, UploadedFile):
                fields[name] = upload
        try:
            services.update_page(page, by=actor(request), **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Page settings saved.")
            return redirect("manage_settings")
    context = {
        "page": page,
        "form": form,
        "targets": statuses(page),
        "is_default": page.is_default,
    }
    return render(request, "manage/settings.html", context)
