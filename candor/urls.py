from django.urls import include, path

from candor import views
from candor.hooks import views as hooks

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("healthz.json", views.healthz_json, name="healthz-json"),
    path("metrics", views.metrics, name="metrics"),
    path("setup/<str:token>/", views.setup, name="setup"),
    path("hooks/alerts/<str:token>", hooks.receive, name="alert_hook"),
    path("manage/", include("candor.manage.urls")),
    path("v1/", include("candor.api.urls")),
    path("", include("candor.public.urls")),
]

# Error pages in the site's design (candor/errors.py).
handler404 = "candor.errors.not_found"
handler500 = "candor.errors.server_error"
