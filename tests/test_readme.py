"""The README's examples and key list match the code, so the docs cannot drift silently."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from linkcheck.config import KEYS, load_settings
from linkcheck.types import ErrorKind
from tests.web import TestWeb

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_the_configuration_example_loads(tmp_path: Path) -> None:
    example = re.search(r"```toml\n(.*?)```", README, re.S)
    assert example is not None
    (tmp_path / "linkcheck.toml").write_text(example[1], encoding="utf-8")
    settings = load_settings({}, env={}, cwd=tmp_path)
    assert settings.db == f"sqlite:///{tmp_path / 'citations.db'}"
    assert "www.example.org" in settings.check.limits.hosts


def test_every_key_is_documented_and_every_documented_key_exists() -> None:
    listed = re.search(r"^Keys: (.*?)\.$", README, re.S | re.M)
    assert listed is not None
    documented = set(re.findall(r"`([a-z-]+)`", listed[1]))
    assert documented == set(KEYS)


def test_every_error_kind_a_report_can_hold_is_documented() -> None:
    listed = re.search(r"`error_kind`\s+is\s+one\s+of\s(.*?),\s+or\s+null\.", README, re.S)
    assert listed is not None
    assert set(re.findall(r"`([a-z_]+)`", listed[1])) == {str(kind) for kind in ErrorKind}


def test_the_python_example_runs_as_written(workdir: Path, live_web: TestWeb) -> None:
    example = re.search(r"```python\n(.*?)```", README, re.S)
    assert example is not None
    dead = live_web.url("/status/404")
    (workdir / "docs").mkdir()
    (workdir / "docs" / "a.md").write_text(f"<{dead}> and <{live_web.url('/ok')}>\n")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(example[1], "README.md", "exec"), {})
    lines = printed.getvalue().splitlines()
    assert lines[0] in ("{'alive': 1, 'dead': 1}", "{'dead': 1, 'alive': 1}")
    assert lines[1:] == [f"{dead} ['docs/a.md']"]
    assert (workdir / "citations.db").exists()
