"""Statuspage's management API v1; every path also answers with a `.json` suffix."""

from collections.abc import Callable

from django.http import HttpResponse
from django.urls import URLPattern, re_path

from candor.api import docs
from candor.api.http import endpoint, not_found
from candor.api.views import components as c
from candor.api.views import incidents as i
from candor.api.views import integrations as ig
from candor.api.views import maintenance as m
from candor.api.views import pages as p
from candor.api.views import postmortems as pm
from candor.api.views import series as ms
from candor.api.views import subscribers as s
from candor.api.views import templates as t

PAGE = r"pages/(?P<page_id>[^/]+?)"
INCIDENT = PAGE + r"/incidents/(?P<incident_id>[^/]+?)"
SUBSCRIBERS = PAGE + r"/subscribers"
SUBSCRIBER = SUBSCRIBERS + r"/(?P<subscriber_id>[^/]+?)"


def route(pattern: str, view: Callable[..., HttpResponse]) -> URLPattern:
    return re_path(rf"^{pattern}(?:\.json)?$", view)


urlpatterns = [
    re_path(r"^openapi\.json$", docs.openapi_document, name="api-openapi"),
    re_path(r"^docs/?$", docs.docs_page, name="api-docs"),
    route(r"pages", endpoint(GET=p.list_pages)),
    route(PAGE, endpoint(GET=p.get_page, PATCH=p.update_page, PUT=p.update_page)),
    route(PAGE + r"/components", endpoint(GET=c.list_components, POST=c.create_component)),
    route(
        PAGE + r"/components/(?P<component_id>[^/]+?)",
        endpoint(
            GET=c.get_component,
            PATCH=c.update_component,
            PUT=c.update_component,
            DELETE=c.delete_component,
        ),
    ),
    route(PAGE + r"/component-groups", endpoint(GET=c.list_groups, POST=c.create_group)),
    route(
        PAGE + r"/component-groups/(?P<component_group_id>[^/]+?)",
        endpoint(GET=c.get_group, PATCH=c.update_group, PUT=c.update_group, DELETE=c.delete_group),
    ),
    route(PAGE + r"/incidents", endpoint(GET=i.list_incidents, POST=i.create_incident)),
    route(PAGE + r"/incidents/unresolved", endpoint(GET=i.list_unresolved)),
    route(PAGE + r"/incidents/upcoming", endpoint(GET=m.list_upcoming)),
    route(PAGE + r"/incidents/scheduled", endpoint(GET=m.list_scheduled)),
    route(PAGE + r"/incidents/active_maintenance", endpoint(GET=m.list_active)),
    route(PAGE + r"/maintenance_series", endpoint(GET=ms.list_series, POST=ms.create_series)),
    route(
        PAGE + r"/maintenance_series/(?P<series_id>[^/]+?)",
        endpoint(GET=ms.get_series, PATCH=ms.update_series, DELETE=ms.end_series),
    ),
    route(
        INCIDENT,
        endpoint(
            GET=i.get_incident,
            PATCH=i.update_incident,
            PUT=i.update_incident,
            DELETE=i.delete_incident,
        ),
    ),
    route(
        INCIDENT + r"/incident_updates/(?P<incident_update_id>[^/]+?)",
        endpoint(
            PATCH=i.update_incident_update,
            PUT=i.update_incident_update,
            DELETE=i.delete_incident_update,
        ),
    ),
    route(
        INCIDENT + r"/postmortem",
        endpoint(GET=pm.get_postmortem, PUT=pm.save_postmortem, DELETE=pm.delete_postmortem),
    ),
    route(INCIDENT + r"/postmortem/publish", endpoint(PUT=pm.publish_postmortem)),
    route(INCIDENT + r"/postmortem/revert", endpoint(PUT=pm.revert_postmortem)),
    route(PAGE + r"/integrations", endpoint(GET=ig.list_integrations, POST=ig.create_integration)),
    route(
        PAGE + r"/integrations/(?P<integration_id>[^/]+?)",
        endpoint(GET=ig.get_integration, DELETE=ig.revoke_integration),
    ),
    route(PAGE + r"/incident_templates", endpoint(GET=t.list_templates, POST=t.create_template)),
    route(
        PAGE + r"/incident_templates/(?P<template_id>[^/]+?)",
        endpoint(
            GET=t.get_template,
            PATCH=t.update_template,
            PUT=t.update_template,
            DELETE=t.delete_template,
        ),
    ),
    route(SUBSCRIBERS, endpoint(GET=s.list_subscribers, POST=s.create_subscriber)),
    route(SUBSCRIBERS + r"/count", endpoint(GET=s.count_subscribers)),
    route(SUBSCRIBERS + r"/histogram_by_state", endpoint(GET=s.histogram_by_state)),
    route(SUBSCRIBERS + r"/unsubscribe", endpoint(POST=s.bulk_unsubscribe)),
    route(SUBSCRIBERS + r"/reactivate", endpoint(POST=s.bulk_reactivate)),
    route(SUBSCRIBERS + r"/resend_confirmation", endpoint(POST=s.bulk_resend_confirmation)),
    route(
        SUBSCRIBER,
        endpoint(GET=s.get_subscriber, PATCH=s.update_subscriber, DELETE=s.delete_subscriber),
    ),
    route(SUBSCRIBER + r"/resend_confirmation", endpoint(POST=s.resend_confirmation)),
    re_path(r"^(?P<rest>.*)$", not_found),
]
