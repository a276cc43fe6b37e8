from django.urls import path

from candor.public.subscriptions import views

urlpatterns = [
    path("", views.subscribe, name="subscribe"),
    path("confirm/<str:token>/", views.confirm, name="subscribe_confirm"),
    path("manage/<str:token>/", views.manage, name="subscribe_manage"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="subscribe_unsubscribe"),
]
