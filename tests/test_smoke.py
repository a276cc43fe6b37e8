from django.core.management import call_command

from candor.core.models import Component, Incident, IncidentUpdate, Page, Postmortem


def test_healthz_answers_ok_when_database_answers(client, db):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")


def test_demo_is_idempotent(db):
    call_command("demo")
    counts = (
        Page.objects.count(),
        Component.objects.count(),
        Incident.objects.count(),
        IncidentUpdate.objects.count(),
        Postmortem.objects.count(),
    )
    call_command("demo")
    again = (
        Page.objects.count(),
        Component.objects.count(),
        Incident.objects.count(),
        IncidentUpdate.objects.count(),
        Postmortem.objects.count(),
    )
    assert counts == again == (1, 7, 2, 6, 1)
