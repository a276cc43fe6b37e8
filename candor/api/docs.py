"""The OpenAPI document and the browsable docs page; neither needs a key."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from candor.api.http import public
from candor.api.openapi import document


@public
def openapi_document(request: HttpRequest) -> HttpResponse:
    return JsonResponse(document())


@public
def docs_page(request: HttpRequest) -> HttpResponse:
    return render(request, "api/docs.html")
