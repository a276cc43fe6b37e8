"""The worker runs the publish job when new public documents are stored, not on its clock."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from candor.core.jobs import Job
from candor.core.management.commands.worker import jobs
from candor.core.worker import Worker
from candor.public.documents import CHANNEL
from tests.support.processes import wait_until


def test_the_publish_job_wakes_on_the_public_channel():
    job = next(j for j in jobs() if j.name == "publish")
    assert (job.on_wake, job.channels) == (True, (CHANNEL,))


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_notify_on_a_jobs_channel_wakes_the_worker_for_it():
    runs: list[int] = []
    worker = Worker(1)
    job = Job("watch", lambda: runs.append(1), every=3600.0, on_wake=True, channels=(CHANNEL,))
    thread = threading.Thread(target=worker.run, kwargs={"poll": 3600.0, "jobs": [job]})
    thread.start()
    try:
        wait_until(lambda: len(runs) >= 1, timeout=10)
        # The listener wakes the worker once when it connects: wait for that to pass.
        wait_until(lambda: len(runs) >= 2, timeout=10)
        before = len(runs)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, "page"])
        wait_until(lambda: len(runs) > before, timeout=20)
    finally:
        worker.stop()
        thread.join(10)
    assert not thread.is_alive()
