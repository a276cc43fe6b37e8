"""Who may do what in the management UI: Administrators are superusers, the rest Responders."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from candor.core.roles import ADMINISTRATOR, acting_role

View = Callable[..., HttpResponse]


def is_administrator(user: Any) -> bool:
    return bool(user.is_authenticated and acting_role(user) == ADMINISTRATOR)


def responder_required(view: View) -> View:
    """Any signed-in, active user: Responders and Administrators."""
    return login_required(view)


def admin_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_administrator(request.user):
            raise PermissionDenied("Only administrators can do this.")
        return view(request, *args, **kwargs)

    return wrapper
