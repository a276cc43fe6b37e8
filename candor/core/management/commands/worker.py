import signal

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from candor.core import housekeeping, scheduled, teamchannels
from candor.core.jobs import Job
from candor.core.services import alerts
from candor.core.worker import Worker
from candor.public.publish import ledger as publishing


def jobs() -> list[Job]:
    """Everything the worker does on a clock besides sending (see candor/core/jobs.py)."""
    return [
        Job("housekeeping", housekeeping.run, every=30.0),
        # Woken by the NOTIFY of the commit that stored a payload; SQLite has none between
        # processes, so it polls there, four times a second: a payload is acted on within the
        # second the hook promises (a 1 s poll plus processing reached 1.2 s, make bench-alerts).
        # Timers (hold-down, clear delay) come back as its next due time.
        Job(
            "alerts", alerts.run, every=0.25 if connection.vendor == "sqlite" else 5.0, on_wake=True
        ),
        # Runs when its next step is due, and when a commit wakes the worker (PostgreSQL's
        # NOTIFY: a new window is timed at once). SQLite has no NOTIFY between processes, so
        # it also looks every 5 s: a window created seconds ahead still starts within 5 s.
        Job("maintenance", scheduled.run, every=5.0, on_wake=True),
        Job("failing-channels", teamchannels.check_failing_channels, every=60.0),
        # The public site to CANDOR_PUBLISH_TARGETS, as soon as new documents are stored.
        Job(
            "publish",
            publishing.run,
            every=60.0,
            on_wake=True,
            channels=publishing.WAKE_CHANNELS,
        ),
    ]


class Command(BaseCommand):
    help = "Send notifications: claim due deliveries, send them, retry on schedule. SIGTERM stops."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--threads", type=int, default=None, help="email threads, one SMTP connection each (4)"
        )
        parser.add_argument(
            "--webhook-threads", type=int, default=None, help="webhook requests at once (16)"
        )
        parser.add_argument("--once", action="store_true", help="send what is due now, then exit")

    def handle(
        self,
        *args: object,
        threads: int | None,
        webhook_threads: int | None,
        once: bool,
        **options: object,
    ) -> None:
        worker = Worker(threads, webhook_threads=webhook_threads)
        if once:
            worker.drain(timeout=3600)
            worker.finish()
            self.stdout.write(f"sent {worker.sent}, failed {worker.failed}")
            return
        signal.signal(signal.SIGTERM, worker.stop)
        signal.signal(signal.SIGINT, worker.stop)
        worker.run(jobs=jobs())
