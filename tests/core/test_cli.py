"""The `candor` command, settings from the environment, /healthz and first-run setup."""

import hashlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command
from django.db import connection

from candor.core.models import ApiKey

CANDOR = str(Path(sys.executable).with_name("candor"))


def candor(
    *args: str, env: dict[str, str] | None = None, data_dir: Path
) -> subprocess.CompletedProcess:
    environment = {**os.environ, "CANDOR_DATA_DIR": str(data_dir), **(env or {})}
    for inherited in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        environment.pop(inherited, None)
    return subprocess.run(
        [CANDOR, *args], env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def test_apikey_create_prints_key_on_last_line_and_stores_only_its_hash(db, capsys):
    call_command("apikey", "create", "--name", "monitoring")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    stored = ApiKey.objects.get()
    assert len(key) >= 43  # 32 random bytes, URL-safe base64, plus the prefix
    assert (stored.name, stored.key_hash) == (
        "monitoring",
        hashlib.sha256(key.encode()).hexdigest(),
    )
    assert key not in {stored.prefix, stored.name, stored.key_hash}


def test_check_deploy_is_clean_with_secret_key_and_https_base_url(tmp_path):
    env = {"SECRET_KEY": secrets.token_urlsafe(50), "CANDOR_BASE_URL": "https://status.example.com"}
    result = candor("check", "--deploy", "--fail-level", "WARNING", env=env, data_dir=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_on_plain_http(tmp_path):
    env = {"SECRET_KEY": secrets.token_urlsafe(50), "CANDOR_BASE_URL": "http://status.example.com"}
    result = candor("check", "--deploy", "--fail-level", "WARNING", env=env, data_dir=tmp_path)
    assert result.returncode == 1
    assert "SESSION_COOKIE_SECURE" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CANDOR_DEBUG", "maybe"),
        ("CANDOR_API_RATE_LIMIT", "fast"),
        ("CANDOR_BASE_URL", "status.example.com"),
        ("EMAIL_URL", "mail.example.com"),
        ("DATABASE_URL", "mysql://localhost/candor"),
    ],
)
def test_bad_setting_stops_candor_with_a_message_naming_it(tmp_path, variable, value):
    result = candor("check", env={variable: value}, data_dir=tmp_path)
    assert result.returncode != 0
    assert variable in result.stderr


def test_debug_is_off_unless_candor_debug_is_1(tmp_path):
    script = "from django.conf import settings; print(settings.DEBUG)"
    assert candor("shell", "-c", script, data_dir=tmp_path).stdout.strip().endswith("False")
    on = candor("shell", "-c", script, env={"CANDOR_DEBUG": "1"}, data_dir=tmp_path)
    assert on.stdout.strip().endswith("True")


@pytest.mark.postgres_only
def test_healthz_answers_503_when_postgresql_does_not_answer(client, db):
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = free_port()  # nothing listens there
    connection.settings_dict["OPTIONS"] = {**saved.get("OPTIONS", {}), "connect_timeout": 2}
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert response.status_code == 503


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_migrates_answers_healthz_and_prints_one_time_setup_link(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "CANDOR_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "CANDOR_WEB_WORKERS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = open(tmp_path / "serve.log", "w+")  # noqa: SIM115 - read back below
    server = subprocess.Popen(
        [CANDOR, "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and status != 200:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code
            except httpx.TransportError:
                time.sleep(0.3)
        assert status == 200
        output = (tmp_path / "serve.log").read_text()
        link = re.search(r"http://127\.0\.0\.1:8000(/setup/[\w-]+/)", output)
        assert link is not None, output
        setup_url = f"http://127.0.0.1:{port}{link.group(1)}"
        assert httpx.get(setup_url, timeout=5).status_code == 200
        assert (
            httpx.get(f"http://127.0.0.1:{port}/setup/guessed-token/", timeout=5).status_code == 404
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
