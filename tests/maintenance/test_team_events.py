"""A maintenance reminder also reaches the team channels that chose to hear of it, once."""

from __future__ import annotations

from datetime import timedelta

from candor.core import scheduled, teamchannels
from tests.channels import formats
from tests.support.processes import drain


def test_the_maintenance_reminder_is_posted_to_the_team_once(page, schedule, receiver, fast):
    teamchannels.add_channel(
        page,
        by=None,
        mode="discord",
        name="#ops",
        endpoint=receiver.url("/ops"),
        events=["maintenance-reminder"],
    )
    window = schedule(
        start=timedelta(minutes=30), scheduled_remind_prior=True, remind_minutes_before=60
    )
    scheduled.run()
    scheduled.run()  # a second worker, or the next run: nothing more
    drain()

    _test_message, reminder = receiver.at("/ops")
    text = formats.all_text(formats.VALIDATE["discord"](reminder.json))
    assert "Maintenance begins in" in text and "Database upgrade" in text
    assert f"/manage/maintenance/{window.pk}/" in text
