import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from candor.core import setup
from candor.core.services import ensure_default_page


class Command(BaseCommand):
    help = "Apply migrations, then run Candor's production web server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("CANDOR_WEB_WORKERS", "0")) or (os.cpu_count() or 1),
            help="web server processes (default: one per CPU)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("CANDOR_WEB_THREADS", "0")) or 4,
            help="Python threads per process (default 4; see docs/performance.md)",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the delivery worker beside it"
        )

    def handle(
        self,
        *args: object,
        host: str,
        port: int,
        workers: int,
        threads: int,
        no_worker: bool = False,
        **options: object,
    ) -> None:
        from granian import Granian

        call_command("migrate", interactive=False, verbosity=0)
        ensure_default_page()
        if setup.needs_setup():
            token = setup.issue_token()
            self.stdout.write(
                "\nNo administrator exists yet. Open this one-time link to create one:\n\n"
                f"    {settings.BASE_URL}/setup/{token}/\n\n"
                "(It was printed only here; it stops working once an account exists.)\n"
            )
        self.stdout.write(f"Candor is serving on http://{host}:{port}/ (Ctrl-C stops it)")
        connections.close_all()  # the web workers open their own
        os.environ["CANDOR_WEB_PROCESS"] = "1"  # candor.wsgi: each web process starts listening
        # One delivery worker beside the web server; `candor worker` alone scales out.
        worker = (
            None if no_worker else subprocess.Popen([sys.executable, "-m", "candor.cli", "worker"])
        )
        try:
            Granian(
                "candor.wsgi:application",
                address=host,
                port=port,
                interface="wsgi",  # type: ignore[arg-type]
                workers=workers,
                # A few threads per process: the GIL runs one at a time, and the public pages are
                # answered in microseconds from memory; more threads only add contention and tail
                # latency (docs/performance.md), while a few keep slow management requests apart.
                blocking_threads=threads,
                backpressure=threads * 16,
                respawn_failed_workers=True,
                log_access=False,
            ).serve()
        finally:
            if worker is not None:
                stop_worker(worker)


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets the worker finish what it is sending; a stuck one is killed after 35 s."""
    if worker.poll() is None:
        worker.terminate()
    try:
        worker.wait(timeout=35)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
