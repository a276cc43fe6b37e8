"""Ending a series with "Tell subscribers": one notice per subscriber (the cancellation of the
next window, saying the series has ended), never one per cancelled window; off by default.
Counted on a real SMTP server after the worker has sent everything."""

import pytest

from candor.core.models import Delivery, MaintenanceSeries
from tests.api.conftest import Api
from tests.support.processes import drain


@pytest.fixture
def readers(daily, subscribe, make_component):
    """Subscribed after the series was made (so no creation notices): one to the series'
    component, one to everything, one to another component only."""
    database = daily.components.get()
    subscribe("db@example.com", components=[database])
    subscribe("all@example.com")
    subscribe("api@example.com", components=[make_component("API")])
    return daily


def sent(smtp) -> dict[str, list[str]]:
    drain()
    by_address: dict[str, list[str]] = {}
    for message in list(smtp.messages):
        by_address.setdefault(message["To"], []).append(message.get_body(("plain",)).get_content())
    return by_address


def test_the_end_page_offers_tell_subscribers_unticked(client_as_alice, readers):
    html = client_as_alice.get(f"/manage/maintenance/series/{readers.pk}/end/").content.decode()
    assert '<input type="checkbox" name="notify" id="id_notify" aria-describedby' in html
    assert 'name="notify" id="id_notify" checked' not in html
    assert "Tell subscribers" in html


def test_ticked_each_matching_subscriber_gets_one_notice_that_the_series_ended(
    client_as_alice, readers, smtp, fast
):
    doomed = readers.occurrences.filter(status="scheduled").order_by("scheduled_for")
    count = doomed.count()
    first = doomed.first()
    assert count >= 20

    response = client_as_alice.post(
        f"/manage/maintenance/series/{readers.pk}/end/", {"notify": "on"}, follow=True
    )
    assert "Subscribers are told once" in response.content.decode()

    mail = sent(smtp)
    assert sorted(mail) == ["all@example.com", "db@example.com"]
    for address in ("db@example.com", "all@example.com"):
        (body,) = mail[address]
        assert "Nightly backup has ended" in body
        assert f"its {count - 1} later windows will not take place" in body
    # The one notice rides on the next window's cancellation; the others were cancelled mute.
    assert set(Delivery.objects.values_list("update__incident", flat=True)) == {first.pk}
    assert not readers.occurrences.filter(status="scheduled").exists()


def test_unticked_the_windows_are_cancelled_without_a_notice(client_as_alice, readers, smtp, fast):
    response = client_as_alice.post(f"/manage/maintenance/series/{readers.pk}/end/", follow=True)
    assert "Series ended" in response.content.decode()
    assert "Subscribers are told" not in response.content.decode()
    assert sent(smtp) == {}
    assert not Delivery.objects.exists()
    assert not readers.occurrences.filter(status="scheduled").exists()


def test_the_api_tells_subscribers_only_when_asked(key_of_page, page, readers, smtp, fast):
    api = Api(key_of_page)
    path = f"pages/{page.pk}/maintenance_series/{readers.pk}"

    refused = api.delete(f"{path}?notify=maybe")
    assert refused.status_code == 400, refused.content
    assert refused.json() == {"error": "notify must be a boolean: true/false, t/f or 1/0."}
    assert MaintenanceSeries.objects.get(pk=readers.pk).ended_at is None
    assert readers.occurrences.filter(status="cancelled").count() == 0

    response = api.delete(f"{path}?notify=true")
    assert response.status_code == 200, response.content
    mail = sent(smtp)
    assert {address: len(bodies) for address, bodies in mail.items()} == {
        "db@example.com": 1,
        "all@example.com": 1,
    }


def test_the_api_default_is_silent(key_of_page, page, readers, smtp, fast):
    response = Api(key_of_page).delete(f"pages/{page.pk}/maintenance_series/{readers.pk}")
    assert response.status_code == 200, response.content
    assert response.json()["occurrences_cancelled"] >= 20
    assert sent(smtp) == {}
