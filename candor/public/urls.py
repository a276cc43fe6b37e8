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
    path("maintenance.ics", views.document, name="maintenance-calendar"),
    path("maintenance/<str:component_id>.ics", views.document, name="component-calendar"),
    re_path(r"^api/v2/(?P<name>[a-z/-]+)(?:\.json)?$", views.document),
    path("updated.json", views.document, name="updated"),  # render/api.py: UPDATED_PATH
    path("logo.png", views.document, name="logo"),  # candor.core.images.LOGO_PATH
    path("favicon.ico", views.document, name="favicon"),  # images.FAVICON_PATH
    path("brand.css", views.document, name="brand-css"),  # render.load.BRAND_CSS_PATH
]
