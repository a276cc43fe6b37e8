from django.urls import include, path, re_path

from candor.public import views

urlpatterns = [
    # Subscribing, confirming, managing and unsubscribing (the notifications area).
    path("subscribe/", include("candor.public.subscriptions.urls")),
    path("whoami", views.whoami, name="whoami"),
    # Every other public URL is a stored document (candor.public.render builds them).
    path("", views.document, name="status"),
    path("history", views.document, name="history"),
    path("history/<int:number>", views.document),
    path("history.atom", views.document, name="history-atom"),
    path("history.rss", views.document, name="history-rss"),
    path("incidents/<str:incident_id>", views.document, name="incident"),
    path("incidents/<str:incident_id>/postmortem", views.document, name="postmortem"),
    re_path(r"^api/v2/(?P<name>[a-z/-]+)(?:\.json)?$", views.document),
    path("logo.png", views.document, name="logo"),  # candor.core.images.LOGO_PATH
]
