"""The `candor` command: Candor's own commands (serve, apikey, demo, ...) and every Django one."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candor.settings")
    from django.core.management import execute_from_command_line

    from candor.datadir import prepare

    prepare()  # every command may need the data directory and the secret key
    execute_from_command_line(["candor", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
