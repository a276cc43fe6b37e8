from django.http import Http404, HttpRequest, HttpResponse

from candor.manage.access import responder_required


@responder_required
def component_list(request: HttpRequest) -> HttpResponse:
    raise Http404("Not built yet.")


@responder_required
def component_create(request: HttpRequest) -> HttpResponse:
    raise Http404("Not built yet.")


@responder_required
def reorder(request: HttpRequest) -> HttpResponse:
    raise Http404("Not built yet.")


@responder_required
def component_edit(request: HttpRequest, component_id: str) -> HttpResponse:
    raise Http404("Not built yet.")


@responder_required
def component_delete(request: HttpRequest, component_id: str) -> HttpResponse:
    raise Http404("Not built yet.")


@responder_required
def group_create(request: HttpRequest) -> HttpResponse:
    raise Http404("Not built yet.")


@responder_required
def group_edit(request: HttpRequest, group_id: str) -> HttpResponse:
    raise Http404("Not built yet.")


@responder_required
def group_delete(request: HttpRequest, group_id: str) -> HttpResponse:
    raise Http404("Not built yet.")
