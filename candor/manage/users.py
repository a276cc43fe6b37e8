from django.http import Http404, HttpRequest, HttpResponse

from candor.manage.access import admin_required


@admin_required
def user_list(request: HttpRequest) -> HttpResponse:
    raise Http404("Not built yet.")


@admin_required
def user_create(request: HttpRequest) -> HttpResponse:
    raise Http404("Not built yet.")


@admin_required
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    raise Http404("Not built yet.")
