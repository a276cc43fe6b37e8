from django.core.management.base import BaseCommand

from candor.core.housekeeping import prune


class Command(BaseCommand):
    help = "Remove deliveries older than 90 days and subscribers quarantined for 90 days."

    def handle(self, *args: object, **options: object) -> None:
        for what, count in prune().items():
            self.stdout.write(f"removed {count} {what}")
