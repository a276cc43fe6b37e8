# Each area of the management UI keeps its own URL module (and owner); this file only mounts them.
from django.urls import include, path

urlpatterns = [
    path("subscribers/", include("candor.manage.subscribers.urls")),
    path("api-keys/", include("candor.manage.apikeys.urls")),
    path("audit/", include("candor.manage.audit.urls")),
]
