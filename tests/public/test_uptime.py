from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from candor.core import services
from candor.core.uptime import page_uptime


@pytest.fixture
def clock():
    # Noon today in UTC (the default page's zone), so yesterday is a whole day.
    now = timezone.now()
    return now.replace(hour=12, minute=0, second=0, microsecond=0)


def outage(page, component, start, end, impact="critical"):
    incident = services.declare_incident(
        page, by=None, name="Outage", impact=impact, components=[component], display_at=start
    )
    services.post_update(incident, by=None, status="resolved", display_at=end)
    return incident


def uptime(page, component, at):
    component.refresh_from_db()
    return page_uptime(page, [component], days=90, at=at)[component.pk]


def yesterday_at(clock, hour):
    return clock - timedelta(days=1) + timedelta(hours=hour - 12)


@pytest.fixture
def component(default_page, clock):
    started = (clock - timedelta(days=30)).date()
    return services.create_component(default_page, by=None, name="Help Desk", start_date=started)


def test_uptime_counts_a_major_outage_fully(default_page, component, clock):
    start = yesterday_at(clock, 10)
    outage(default_page, component, start, start + timedelta(hours=2))
    record = uptime(default_page, component, clock + timedelta(days=1))
    day = record.days[-3]
    assert (day.date, day.worst, day.seconds) == (
        start.date(),
        "major_outage",
        {"major_outage": 7200.0},
    )
    assert day.ratio({"major_outage": 1.0}) == pytest.approx(1 - 7200 / 86400)


def test_uptime_weighs_a_partial_outage_at_three_tenths(default_page, component, clock):
    start = yesterday_at(clock, 0)
    outage(default_page, component, start, start + timedelta(hours=10), impact="major")
    day = uptime(default_page, component, clock).days[-2]
    assert day.seconds == {"partial_outage": 36000.0}
    assert day.ratio({"partial_outage": 0.3}) == pytest.approx(1 - 0.3 * 36000 / 86400)


def test_uptime_lays_retroactive_windows_over_the_live_log(default_page, component, clock):
    start = yesterday_at(clock, 8)
    services.declare_incident(
        default_page,
        by=None,
        name="Documented afterwards",
        status="resolved",
        impact="critical",
        components=[component],
        started_at=start,
        resolved_at=start + timedelta(minutes=30),
    )
    record = uptime(default_page, component, clock)
    assert record.days[-2].seconds == {"major_outage": 1800.0}
    assert record.days[-1].seconds == {}


def test_uptime_forgets_a_deleted_retroactive_incident(default_page, component, clock):
    start = yesterday_at(clock, 8)
    incident = services.declare_incident(
        default_page,
        by=None,
        name="Documented afterwards",
        status="resolved",
        impact="critical",
        components=[component],
        started_at=start,
        resolved_at=start + timedelta(minutes=30),
    )
    services.delete_incident(incident, by=None)
    assert uptime(default_page, component, clock).days[-2].seconds == {}


def test_uptime_leaves_maintenance_out(settings, default_page, component, clock):
    now = timezone.now()
    services.update_component(component, by=None, status="under_maintenance")
    record = uptime(default_page, component, now + timedelta(hours=1))
    # The hour may straddle midnight: count it over the last two days.
    held = sum(day.seconds.get("under_maintenance", 0) for day in record.days[-2:])
    assert held == pytest.approx(3600, abs=5)
    assert record.ratio == 1.0


def test_uptime_weights_are_a_setting(settings, default_page, component, clock):
    start = yesterday_at(clock, 0)
    outage(default_page, component, start, start + timedelta(hours=12), impact="minor")
    assert uptime(default_page, component, clock).ratio == 1.0  # degraded weighs 0
    settings.CANDOR_UPTIME_WEIGHTS = {"degraded_performance": 1.0}
    assert uptime(default_page, component, clock).ratio < 1.0


def test_uptime_has_no_data_before_the_component_existed(default_page):
    component = services.create_component(default_page, by=None, name="New")
    record = uptime(default_page, component, timezone.now())
    assert [d.worst for d in record.days[:89]] == [None] * 89
    assert record.days[-1].worst == "operational"


def test_uptime_days_follow_the_page_time_zone(default_page, component):
    services.update_page(default_page, by=None, time_zone="Pacific/Auckland")
    default_page.refresh_from_db()
    at = datetime(2026, 6, 1, 11, 30, tzinfo=UTC)  # 23:30 in Auckland
    record = page_uptime(default_page, [component], days=3, at=at)[component.pk]
    assert [d.date.isoformat() for d in record.days] == ["2026-05-30", "2026-05-31", "2026-06-01"]


def test_uptime_weights_come_from_the_environment_fail_loud():
    from django.core.exceptions import ImproperlyConfigured

    from candor.settings import _uptime_weights

    assert _uptime_weights("partial_outage=0.5, degraded_performance=0.1") == {
        "major_outage": 1.0,
        "partial_outage": 0.5,
        "degraded_performance": 0.1,
    }
    with pytest.raises(ImproperlyConfigured):
        _uptime_weights("partial_outage=2")
