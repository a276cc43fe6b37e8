"""Project-level views that belong to no surface: health and first-run setup."""

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def setup(request: HttpRequest, token: str) -> HttpResponse:
    """Create the first administrator through the one-time link `candor serve` printed."""
    from django.contrib.auth import login
    from django.http import Http404
    from django.shortcuts import redirect, render

    from candor.core import setup as first_run
    from candor.forms import FirstAdminForm

    if not first_run.check_token(token):
        raise Http404("This setup link has been used or has expired.")
    form = FirstAdminForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = first_run.create_first_admin(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("/manage/")
    return render(request, "setup.html", {"form": form})
