"""What every management view shares: the page being managed, service errors onto forms."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from candor.core import services
from candor.core.models import Page


def default_page() -> Page:
    return Page.objects.filter(is_default=True).first() or services.ensure_default_page()


def add_service_errors(
    form: forms.Form, error: ValidationError, aliases: dict | None = None
) -> None:
    """Put a service's ValidationError next to the matching form field (or on top of the form)."""
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        name = aliases.get(field, field)
        form.add_error(name if name in form.fields else None, errors)


def actor(request: HttpRequest) -> User:
    """The signed-in user, as services want it (every management view requires a login)."""
    return cast(User, request.user)
