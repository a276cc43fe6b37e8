"""docs/api.md's curl walk-through, run as written (bash, curl, jq) against a live Candor."""

import json
import os
import re
import subprocess
from pathlib import Path

from candor.core import apikeys, services
from candor.core.models import AuditEntry, Component, Incident

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _walkthrough() -> tuple[str, list[str]]:
    text = DOC.read_text()
    block = re.search(r"<!-- walkthrough:start -->\n```sh\n(.*?)```", text, re.S).group(1)
    # The reader sets CANDOR and KEY; the test sets them to the live server and a fresh key.
    script = "\n".join(line for line in block.splitlines() if not line.startswith("export "))
    printed = re.search(r"The last command prints:\n\n```\n(.*?)```", text, re.S).group(1)
    return script, printed.splitlines()


def test_walkthrough_drives_the_example_update_sequence(live_server, transactional_db):
    page = services.create_page(by=None, name="Acme Status")
    # The README's reader makes the key with `candor apikey create`: an ownerless key, as here.
    _, key = apikeys.create_api_key(by=None, name="walkthrough", page=page)
    script, expected_tail = _walkthrough()

    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env={**os.environ, "CANDOR": live_server.url, "KEY": key},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    written = [json.loads(line) for line in lines[: -len(expected_tail)]]
    assert [("error" in obj) for obj in written] == [False] * 5
    assert lines[-len(expected_tail) :] == expected_tail
    incident = Incident.objects.get()
    assert (incident.name, incident.status, incident.impact) == (
        "Help Desk Ticket Submission Disrupted",
        "postmortem",
        "critical",
    )
    assert Component.objects.get(name="Help Desk").status == "operational"
    assert set(
        AuditEntry.objects.filter(api_key__isnull=False).values_list("action", flat=True)
    ) == {
        "component.create",
        "incident.create",
        "incident.update",
        "postmortem.save",
        "postmortem.publish",
    }
