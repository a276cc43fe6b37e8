import signal

from django.core.management.base import BaseCommand, CommandParser

from candor.core import housekeeping
from candor.core.worker import Worker


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
        worker.run(housekeeping=housekeeping.run)
