"""Settings: declared and checked in candor/settings.py only, and importing them writes nothing."""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from candor.settings import envint

ROOT = Path(__file__).resolve().parent.parent
CANDOR = str(Path(sys.executable).with_name("candor"))


def run(code: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess:
    environment = dict(os.environ)
    for inherited in ("SECRET_KEY", "DATABASE_URL"):
        environment.pop(inherited, None)
    environment |= {"DJANGO_SETTINGS_MODULE": "candor.settings", "CANDOR_DATA_DIR": str(data_dir)}
    environment |= env
    return subprocess.run(code, env=environment, capture_output=True, text=True, timeout=120)


def test_importing_settings_creates_nothing(tmp_path):
    data = tmp_path / "data"
    result = run([sys.executable, "-c", "import candor.settings"], data)
    assert (result.returncode, result.stderr, data.exists()) == (0, "", False)


def test_candor_command_creates_the_data_directory_and_a_private_secret_key(tmp_path):
    data = tmp_path / "data"
    first = run([CANDOR, "check"], data)
    key = (data / "secret_key").read_text()
    second = run([CANDOR, "check"], data)
    assert (first.returncode, second.returncode) == (0, 0)
    assert stat.S_IMODE((data / "secret_key").stat().st_mode) == 0o600
    assert ((data / "secret_key").read_text(), len(key) >= 50) == (key, True)
    assert (data / "static").is_dir()


def test_secret_key_from_the_environment_writes_no_key_file(tmp_path):
    data = tmp_path / "data"
    result = run([CANDOR, "check"], data, SECRET_KEY="k" * 50)
    assert (result.returncode, (data / "secret_key").exists()) == (0, False)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CANDOR_WEB_WORKERS", "many", "CANDOR_WEB_WORKERS must be a whole number, not 'many'"),
        ("CANDOR_WEB_THREADS", "0", "CANDOR_WEB_THREADS must be at least 1, not '0'"),
        ("CANDOR_WORKER_THREADS", "2.5", "CANDOR_WORKER_THREADS must be a whole number"),
        ("CANDOR_EMAIL_BATCH", "-1", "CANDOR_EMAIL_BATCH must be at least 1"),
    ],
)
def test_counts_are_checked_when_settings_load(tmp_path, name, value, message):
    result = run([sys.executable, "-c", "import candor.settings"], tmp_path, **{name: value})
    assert result.returncode == 1
    assert message in result.stderr


def test_envint_reads_whole_numbers(monkeypatch):
    monkeypatch.setenv("CANDOR_TEST_COUNT", "12")
    monkeypatch.setenv("CANDOR_TEST_EMPTY", "")
    assert (envint("CANDOR_TEST_COUNT", 3), envint("CANDOR_TEST_EMPTY", 3)) == (12, 3)
    monkeypatch.setenv("CANDOR_TEST_COUNT", "1e3")
    with pytest.raises(ImproperlyConfigured):
        envint("CANDOR_TEST_COUNT", 3)


# The entry points name the settings module; nothing else reads the environment.
ENTRY_POINT = re.compile(r'os\.environ\.setdefault\("DJANGO_SETTINGS_MODULE", "candor\.settings"\)')


def test_only_settings_reads_the_environment_or_guesses_at_settings():
    found = []
    for path in sorted((ROOT / "candor").rglob("*.py")):
        if path.name == "settings.py" and path.parent.name == "candor":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            line = ENTRY_POINT.sub("", line)
            if re.search(r"os\.environ|os\.getenv|getattr\(settings\b", line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_every_setting_read_is_declared_in_settings():
    declared = set(
        re.findall(r"^([A-Z][A-Z0-9_]*)\b.*=", (ROOT / "candor/settings.py").read_text(), re.M)
    )
    read = {
        name
        for path in (ROOT / "candor").rglob("*.py")
        for name in re.findall(r"\bsettings\.([A-Z][A-Z0-9_]*)", path.read_text())
    }
    assert sorted(read - declared) == []


def test_settings_assign_every_name_plainly():
    assert "globals()" not in (ROOT / "candor" / "settings.py").read_text()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "CANDOR_PUBLISH_TARGETS",
            "ftp://example.com/site",
            "CANDOR_PUBLISH_TARGETS: 'ftp://example.com/site' must start with s3:// or file://",
        ),
        ("CANDOR_PUBLISH_TARGETS", "s3://", "CANDOR_PUBLISH_TARGETS: 's3://': '' is not a bucket"),
        (
            "CANDOR_PUBLISH_TARGETS",
            "file://relative/dir",
            "CANDOR_PUBLISH_TARGETS: 'file://relative/dir' must be file:///absolute/path",
        ),
        (
            "CANDOR_PUBLISH_TARGETS",
            "s3://status/site,s3://status/site/",
            "CANDOR_PUBLISH_TARGETS: 's3://status/site' is listed twice",
        ),
        ("CANDOR_PUBLISH_S3_ENDPOINT", "minio:9000", "CANDOR_PUBLISH_S3_ENDPOINT must be an http"),
        ("CANDOR_PUBLISH_S3_REGION", "EU West", "CANDOR_PUBLISH_S3_REGION must be a region name"),
    ],
)
def test_a_bad_publish_setting_stops_candor_at_start_naming_the_variable(
    tmp_path, name, value, message
):
    result = run([CANDOR, "check"], tmp_path, **{name: value})
    assert result.returncode == 1
    assert message in result.stderr


def test_publish_targets_are_read_in_their_canonical_form(tmp_path):
    code = "from django.conf import settings; print(settings.CANDOR_PUBLISH_TARGETS)"
    result = run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        tmp_path,
        CANDOR_PUBLISH_TARGETS=" s3://status-site/public/ , file:///srv/status/,s3://other-bucket",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "['s3://status-site/public', 'file:///srv/status', 's3://other-bucket']"
    )
