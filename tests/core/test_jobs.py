"""The worker's timed jobs run when due, when woken if they ask to, and survive failures."""

from __future__ import annotations

import threading

import pytest

from candor.core.jobs import Job, Schedule
from candor.core.worker import Worker


def test_a_job_runs_again_when_it_says_it_is_due() -> None:
    runs: list[str] = []
    schedule = Schedule([Job("soon", lambda: runs.append("soon") or 0.0, every=60)])
    schedule.run_due()
    schedule.run_due()
    assert runs == ["soon", "soon"]
    assert schedule.seconds_to_next() == pytest.approx(0.0, abs=0.05)


def test_a_job_waits_for_its_interval_unless_woken() -> None:
    runs: list[str] = []
    lazy = Job("lazy", lambda: runs.append("lazy"), every=60)
    eager = Job("eager", lambda: runs.append("eager"), every=60, on_wake=True)
    schedule = Schedule([lazy, eager])
    schedule.run_due()
    schedule.run_due()
    assert runs == ["lazy", "eager"]
    schedule.run_due(woke=True)
    assert runs == ["lazy", "eager", "eager"]
    assert 59 < schedule.seconds_to_next() <= 60


def test_a_failing_job_does_not_stop_the_others_and_runs_again_after_its_interval() -> None:
    runs: list[str] = []

    def broken() -> float:
        raise RuntimeError("boom")

    schedule = Schedule([Job("broken", broken, every=5), Job("fine", lambda: runs.append("x"))])
    schedule.run_due()
    assert runs == ["x"]
    assert 4 < schedule.seconds_to_next() <= 5


@pytest.mark.django_db(transaction=True)
def test_the_worker_wakes_for_the_next_due_job_rather_than_its_poll() -> None:
    worker = Worker(1)
    seen = threading.Event()
    times: list[float] = []

    def job() -> float:
        import time

        times.append(time.monotonic())
        if len(times) == 3:
            seen.set()
            worker.stop()
        return 0.05

    thread = threading.Thread(target=worker.run, kwargs={"poll": 30.0, "jobs": [Job("j", job)]})
    thread.start()
    assert seen.wait(10), "the job did not run three times: the worker slept through its poll"
    thread.join(10)
    assert not thread.is_alive()
