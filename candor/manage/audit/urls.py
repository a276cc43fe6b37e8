from django.urls import path

from candor.manage.audit import views

urlpatterns = [path("", views.audit_log, name="manage_audit")]
