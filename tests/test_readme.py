"""The README shows what the tests prove: its API walk-through is the one tests/api runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"<!-- walkthrough:start -->\n(.*?)<!-- walkthrough:end -->", re.S)


def test_readme_walkthrough_is_the_tested_one():
    readme = BLOCK.search((ROOT / "README.md").read_text()).group(1)
    tested = BLOCK.search((ROOT / "docs" / "api.md").read_text()).group(1)
    assert readme == tested


def test_readme_images_exist():
    images = re.findall(r"\]\((docs/screenshots/[\w.-]+\.png)\)", (ROOT / "README.md").read_text())
    assert images and [i for i in images if not (ROOT / i).exists()] == []


def test_every_environment_variable_is_in_the_readme():
    source = (ROOT / "candor" / "settings.py").read_text()
    read = set(re.findall(r'\benv(?:bool|float|int|seconds)?\(\s*"([A-Z_]+)"', source))
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", (ROOT / "README.md").read_text(), re.M))
    assert read and sorted(read - documented) == []
