from django.urls import path

from candor.manage.apikeys import views

urlpatterns = [
    path("", views.key_list, name="manage_api_keys"),
    path("new/", views.key_create, name="manage_api_key_create"),
    path("<int:key_id>/revoke/", views.key_revoke, name="manage_api_key_revoke"),
]
