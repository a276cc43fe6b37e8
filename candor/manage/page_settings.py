from django.http import Http404, HttpRequest, HttpResponse

from candor.manage.access import admin_required


@admin_required
def edit(request: HttpRequest) -> HttpResponse:
    raise Http404("Not built yet.")
