from django.http import Http404, HttpRequest, HttpResponse

from candor.manage.access import responder_required


@responder_required
def edit(request: HttpRequest, incident_id: str) -> HttpResponse:
    raise Http404("Not built yet.")
