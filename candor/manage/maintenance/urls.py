from django.urls import path

from candor.manage.maintenance import calendar, series_views, views

urlpatterns = [
    path("", views.maintenance_list, name="manage_maintenance"),
    path("new/", views.maintenance_schedule, name="manage_maintenance_schedule"),
    path("calendar/", calendar.maintenance_calendar, name="manage_maintenance_calendar"),
    path(
        "series/<str:series_id>/",
        series_views.series_detail,
        name="manage_maintenance_series",
    ),
    path(
        "series/<str:series_id>/edit/",
        series_views.series_edit,
        name="manage_maintenance_series_edit",
    ),
    path(
        "series/<str:series_id>/end/",
        series_views.series_end,
        name="manage_maintenance_series_end",
    ),
    path("<str:incident_id>/", views.maintenance_detail, name="manage_maintenance_detail"),
    path(
        "<str:incident_id>/<str:action>/",
        views.maintenance_action,
        name="manage_maintenance_action",
    ),
]
