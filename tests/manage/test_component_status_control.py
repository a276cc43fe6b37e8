"""The inline status control of the Components tab, without a browser."""

from candor.core.models import AuditEntry, Component


def test_component_status_control_sets_the_baseline(client_as_bob, make_component):
    email = make_component("Email")
    response = client_as_bob.post(
        f"/manage/components/{email.pk}/status/", {"status": "major_outage"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/manage/components/#row-{email.pk}"
    assert Component.objects.get(pk=email.pk).baseline_status == "major_outage"


def test_component_status_control_refuses_a_bad_status_and_writes_nothing(
    client_as_bob, make_component
):
    email = make_component("Email")
    response = client_as_bob.post(
        f"/manage/components/{email.pk}/status/", {"status": "on_fire"}, follow=True
    )
    assert "Email: &#x27;on_fire&#x27; is not a valid component status" in response.text
    assert Component.objects.get(pk=email.pk).baseline_status == "operational"
    assert not AuditEntry.objects.filter(action="component.update").exists()


def test_component_status_control_is_post_only(client_as_bob, make_component):
    email = make_component("Email")
    assert client_as_bob.get(f"/manage/components/{email.pk}/status/").status_code == 405
