from django.urls import path

from candor.manage.integrations import views

urlpatterns = [
    path("", views.integration_list, name="manage_integrations"),
    path("new/", views.integration_create, name="manage_integration_create"),
    path("<str:integration_id>/", views.integration_detail, name="manage_integration"),
    path("<str:integration_id>/edit/", views.integration_edit, name="manage_integration_edit"),
    path(
        "<str:integration_id>/revoke/", views.integration_revoke, name="manage_integration_revoke"
    ),
    path(
        "<str:integration_id>/unfreeze/",
        views.integration_unfreeze,
        name="manage_integration_unfreeze",
    ),
]
