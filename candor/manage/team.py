"""Joining and signing in safely: accepting an invitation (the invitee chooses their password),
the second sign-in step (a TOTP or recovery code), and each operator's two-factor page."""

from __future__ import annotations

from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe

from candor.core import services
from candor.core.services import team
from candor.forms import SetPasswordForm, add_service_errors
from candor.manage.common import existing_managed_page

PENDING = "candor_two_factor_pending"
MAX_TRIES = 5
BACKEND = "django.contrib.auth.backends.ModelBackend"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text="The 6 digits your authenticator app shows, or one of your recovery codes.",
    )


class TwoStepLoginView(auth_views.LoginView):
    """The password first; a user with two-factor sign-in is then asked for a code before the
    session is theirs (nothing is logged in until then)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if team.two_factor_of(user) is None:
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "next": self.get_success_url(),
            "tries": 0,
        }
        return redirect("manage_login_two_factor")


login_view = TwoStepLoginView.as_view()


def login_two_factor(request: HttpRequest) -> HttpResponse:
    pending: dict[str, Any] = request.session.get(PENDING) or {}
    user = None
    if pending:
        user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        return redirect("manage_login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.verify_second_factor(user, form.cleaned_data["code"]):
            del request.session[PENDING]
            login(request, user, backend=BACKEND)
            target = pending["next"]
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = reverse("manage_incidents")
            return redirect(target)
        pending["tries"] += 1
        if pending["tries"] >= MAX_TRIES:
            del request.session[PENDING]
            messages.error(request, "Too many wrong codes. Log in again.")
            return redirect("manage_login")
        request.session[PENDING] = pending
        form.add_error("code", "That code is not right. Enter the 6 digits your app shows now.")
    return render(request, "registration/login_two_factor.html", {"form": form})


def qr_code(uri: str, username: str) -> SafeString:
    """The otpauth:// URI as an inline SVG QR code, drawn here: nothing is fetched and the
    policy holds (no style attribute, no data: image), and the secret never leaves the page."""
    svg = segno.make(uri, error="m", micro=False).svg_inline(
        scale=4,
        dark="#000",
        light="#fff",
        title=f"QR code to add {username}'s Candor sign-in to an authenticator app",
        svgclass="qr",
        lineclass="qr-dark",
    )
    # segno escapes the title; the rest is its own markup and numbers.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in on (scan or type the key, confirm with a code; the recovery
    codes are shown once) or off."""
    user = request.user
    device = team.two_factor_of(user)  # type: ignore[arg-type]
    codes: list[str] = []
    form = CodeForm(request.POST or None)
    pending = None
    if request.method == "POST" and request.POST.get("action") == "off" and device is not None:
        services.disable_two_factor(user, by=user)  # type: ignore[arg-type]
        messages.success(request, "Two-factor sign-in is off.")
        return redirect("manage_two_factor")
    if request.method == "POST" and request.POST.get("action") == "confirm" and form.is_valid():
        try:
            codes = services.confirm_two_factor(user, form.cleaned_data["code"])  # type: ignore[arg-type]
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            device = team.two_factor_of(user)  # type: ignore[arg-type]
    if device is None:
        from candor.core.models import TwoFactor

        pending = TwoFactor.objects.filter(user=user.pk, confirmed_at__isnull=True).first()
        if pending is None or request.method != "POST":
            pending = services.start_two_factor(user)  # type: ignore[arg-type]
    page = existing_managed_page()
    uri = team.provisioning_uri(pending) if pending else ""
    context: dict[str, Any] = {
        "device": device,
        "pending": pending,
        "uri": uri,
        "qr": qr_code(uri, user.get_username()) if uri else "",
        "form": form,
        "codes": codes,
        "required": team.required(page),
    }
    return render(request, "manage/two_factor.html", context)


class InvitationView(auth_views.PasswordResetConfirmView):
    """The invitation link: the invitee chooses their password, then logs in."""

    template_name = "registration/invitation.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("manage_login")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Welcome to Candor. Your password is set: log in.")
        return response


invitation = InvitationView.as_view()
