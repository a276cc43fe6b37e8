# Each area of the management UI keeps its own URL module (and owner); this file only mounts them.
from django.urls import include, path

from candor.manage import accounts, components, incidents, page_settings, postmortems, users

urlpatterns = [
    path("", incidents.incident_list, name="manage_incidents"),
    path("incidents/new/", incidents.incident_create, name="manage_incident_create"),
    path("incidents/preview/", incidents.markdown_preview, name="manage_markdown_preview"),
    path("incidents/<str:incident_id>/", incidents.incident_detail, name="manage_incident"),
    path(
        "incidents/<str:incident_id>/update/",
        incidents.incident_update,
        name="manage_incident_update",
    ),
    path(
        "incidents/<str:incident_id>/rename/",
        incidents.incident_rename,
        name="manage_incident_rename",
    ),
    path(
        "incidents/<str:incident_id>/delete/",
        incidents.incident_delete,
        name="manage_incident_delete",
    ),
    path("incidents/<str:incident_id>/postmortem/", postmortems.edit, name="manage_postmortem"),
    path("components/", components.component_list, name="manage_components"),
    path("components/new/", components.component_create, name="manage_component_create"),
    path("components/reorder/", components.reorder, name="manage_components_reorder"),
    path("components/<str:component_id>/", components.component_edit, name="manage_component"),
    path(
        "components/<str:component_id>/delete/",
        components.component_delete,
        name="manage_component_delete",
    ),
    path("groups/new/", components.group_create, name="manage_group_create"),
    path("groups/<str:group_id>/", components.group_edit, name="manage_group"),
    path("groups/<str:group_id>/delete/", components.group_delete, name="manage_group_delete"),
    path("settings/", page_settings.edit, name="manage_settings"),
    path("users/", users.user_list, name="manage_users"),
    path("users/new/", users.user_create, name="manage_user_create"),
    path("users/<int:user_id>/", users.user_edit, name="manage_user"),
    path("login/", accounts.login, name="manage_login"),
    path("logout/", accounts.logout, name="manage_logout"),
    path("password/", accounts.password_change, name="manage_password_change"),
    path("password-reset/", accounts.password_reset, name="manage_password_reset"),
    path("password-reset/sent/", accounts.password_reset_done, name="manage_password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        accounts.password_reset_confirm,
        name="manage_password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        accounts.password_reset_complete,
        name="manage_password_reset_complete",
    ),
    path("subscribers/", include("candor.manage.subscribers.urls")),
    path("api-keys/", include("candor.manage.apikeys.urls")),
    path("audit/", include("candor.manage.audit.urls")),
]
