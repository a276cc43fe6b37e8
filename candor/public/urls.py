from django.urls import include, path

urlpatterns = [
    # Subscribing, confirming, managing and unsubscribing (the notifications area).
    path("subscribe/", include("candor.public.subscriptions.urls")),
]
