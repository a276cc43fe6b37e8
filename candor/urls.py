from django.urls import include, path

from candor import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("healthz.json", views.healthz_json, name="healthz-json"),
    path("metrics", views.metrics, name="metrics"),
    path("setup/<str:token>/", views.setup, name="setup"),
    path("manage/", include("candor.manage.urls")),
    path("v1/", include("candor.api.urls")),
    path("", include("candor.public.urls")),
]
