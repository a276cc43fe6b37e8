"""Who may do what in the management UI: Administrators are superusers, the rest Responders."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from candor.core.roles import ADMINISTRATOR, acting_role

View = Callable[..., HttpResponse]


def is_administrator(user: Any) -> bool:
    return bool(user.is_authenticated and acting_role(user) == ADMINISTRATOR)


def needs_two_factor(request: HttpRequest) -> bool:
    """Two-factor sign-in is required and this operator has not set it up yet."""
    page = getattr(request, "candor_page", None)
    if page is None or not page.require_two_factor:
        return False
    from candor.core.services.team import two_factor_of

    return two_factor_of(request.user) is None  # type: ignore[arg-type]


def responder_required(view: View) -> View:
    """Any signed-in, active user: Responders and Administrators (set up for two-factor sign-in
    first, when an administrator requires it)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if needs_two_factor(request):
            return redirect("manage_two_factor")
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if needs_two_factor(request):
            return redirect("manage_two_factor")
        if not is_administrator(request.user):
            raise PermissionDenied("Only administrators can do this.")
        return view(request, *args, **kwargs)

    return wrapper
