"""Signing in and out, and password resets by email: Django's auth views with Candor's pages.

Failed logins are throttled by django-axes per (username, IP) pair (see settings), so an attacker
elsewhere cannot lock an administrator out. Password resets are throttled per client IP and per
address, and their mail goes through the delivery ledger like every other. The client IP is
candor.clientip's, as for every throttle.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.messages.views import SuccessMessageMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from candor.clientip import client_ip
from candor.core import throttles
from candor.core.models import DeliveryKind
from candor.core.notifications import enqueue_mail
from candor.forms import PasswordChangeForm, SetPasswordForm

# Logging in is candor/manage/team.py's (a second step for two-factor sign-in).


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    response = auth_views.LogoutView.as_view(next_page=reverse_lazy("manage_login"))(request)
    messages.success(request, "You have logged out.")
    return response


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("manage_incidents")
    success_message = "Your password has been changed."


password_change = PasswordChangeView.as_view()


class LedgerPasswordResetForm(PasswordResetForm):
    """Django's form, whose mail goes into the delivery ledger instead of over SMTP from the
    request: the worker composes it (a fresh token then) and sends it with the usual retries."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        enqueue_mail(DeliveryKind.PASSWORD_RESET, user=context["user"])


class PasswordResetView(auth_views.PasswordResetView):
    """Over the per-IP limit: 429. Over the per-address limit: the usual answer and no mail, so
    the limit says nothing about whether an account uses the address."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ip = client_ip(request)
        if ip and not throttles.take(f"reset-ip:{ip}", throttles.RESET_PER_IP_PER_HOUR):
            return render(request, "registration/password_reset_throttled.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        address = form.cleaned_data["email"].strip().lower()
        if throttles.take(f"reset-email:{address}", throttles.RESET_PER_ADDRESS_PER_HOUR):
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())


password_reset = PasswordResetView.as_view(
    template_name="registration/password_reset_form.html",
    form_class=LedgerPasswordResetForm,
    success_url=reverse_lazy("manage_password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="registration/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="registration/password_reset_confirm.html",
    form_class=SetPasswordForm,
    success_url=reverse_lazy("manage_password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/password_reset_complete.html"
)
