from django.urls import path

from candor.manage.subscribers import views

urlpatterns = [
    path("", views.index, name="manage_subscribers"),
    path("add/", views.add, name="manage_subscriber_add"),
    path("<str:subscriber_id>/remove/", views.remove, name="manage_subscriber_remove"),
    path("<str:subscriber_id>/resend/", views.resend, name="manage_subscriber_resend"),
    path("<str:subscriber_id>/reactivate/", views.reactivate, name="manage_subscriber_reactivate"),
    path("deliveries/<str:update_id>/", views.deliveries, name="manage_deliveries"),
    path("deliveries/<str:update_id>/retry/", views.retry, name="manage_deliveries_retry"),
]
