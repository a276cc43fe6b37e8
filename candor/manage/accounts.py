"""Signing in and out, and password resets by email: Django's auth views with Candor's pages.

Failed logins are throttled by django-axes per (username, IP) pair (see settings), so an attacker
elsewhere cannot lock an administrator out.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.messages.views import SuccessMessageMixin
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

login = auth_views.LoginView.as_view(
    template_name="registration/login.html", redirect_authenticated_user=True
)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    response = auth_views.LogoutView.as_view(next_page=reverse_lazy("manage_login"))(request)
    messages.success(request, "You have logged out.")
    return response


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("manage_incidents")
    success_message = "Your password has been changed."


password_change = PasswordChangeView.as_view()

password_reset = auth_views.PasswordResetView.as_view(
    template_name="registration/password_reset_form.html",
    email_template_name="registration/password_reset_email.txt",
    subject_template_name="registration/password_reset_subject.txt",
    success_url=reverse_lazy("manage_password_reset_done"),
    extra_email_context={"base_url": settings.BASE_URL},
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="registration/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="registration/password_reset_confirm.html",
    success_url=reverse_lazy("manage_password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/password_reset_complete.html"
)
