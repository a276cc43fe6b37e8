"""timefmt.place(): the one rule that puts a wall-clock time in a zone, across clock changes."""

from datetime import UTC, datetime

import pytest

from candor.core import timefmt
from tests.maintenance.clock import BERLIN

SPRING = datetime(2027, 3, 28, 2, 30)  # Berlin skips 02:00-03:00
AUTUMN = datetime(2027, 10, 31, 2, 30)  # Berlin has 02:00-03:00 twice


def test_an_ordinary_time_keeps_its_zone():
    placed = timefmt.place(datetime(2027, 7, 1, 9, 0), BERLIN)
    assert (placed.tzinfo, placed.astimezone(UTC)) == (
        BERLIN,
        datetime(2027, 7, 1, 7, 0, tzinfo=UTC),
    )


def test_the_repeated_hour_is_its_first_pass():
    placed = timefmt.place(AUTUMN, BERLIN)
    assert placed.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # still +02:00
    assert placed == placed.astimezone(UTC)  # a fixed offset: equal to itself sent back in UTC


def test_a_skipped_time_is_refused_by_default():
    with pytest.raises(ValueError, match="There is no 02:30 on 28 March 2027 .* clocks go forward"):
        timefmt.place(SPRING, BERLIN)


def test_a_skipped_time_a_rule_made_is_placed_an_hour_later():
    placed = timefmt.place(SPRING, BERLIN, skipped="later")
    assert placed.replace(tzinfo=None) == datetime(2027, 3, 28, 3, 30)
    assert placed.astimezone(UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
