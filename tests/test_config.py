"""Settings: defaults < file < environment < flags, and clear errors for every bad value."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.cli import app
from linkcheck.config import find_config_file, load_settings
from linkcheck.errors import ConfigError
from linkcheck.types import Verdict
from tests.web import TestWeb


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_any_layer(tmp_path: Path) -> None:
    settings = load_settings({}, env={}, cwd=tmp_path)
    assert settings.db == "sqlite:///linkcheck.db"
    assert settings.fail_on == {Verdict.DEAD, Verdict.SOFT_404}
    assert settings.check.limits.concurrency == 64
    assert settings.source is None


def test_each_layer_overrides_the_one_below(tmp_path: Path) -> None:
    write(tmp_path / "linkcheck.toml", "concurrency = 10\nhost-concurrency = 3\ntimeout = 5\n")
    env = {"LINKCHECK_HOST_CONCURRENCY": "2", "LINKCHECK_TIMEOUT": "7"}
    settings = load_settings({"timeout": 9.0}, env=env, cwd=tmp_path)
    assert settings.check.limits.concurrency == 10  # file
    assert settings.check.limits.per_host_concurrency == 2  # environment beats file
    assert settings.check.total_timeout == 9.0  # flag beats environment
    assert settings.source == str(tmp_path / "linkcheck.toml")


def test_file_is_found_from_the_working_directory_upward(tmp_path: Path) -> None:
    write(tmp_path / "linkcheck.toml", 'fail-on = ["dead"]\n')
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_config_file(nested) == tmp_path / "linkcheck.toml"
    assert load_settings({}, env={}, cwd=nested).fail_on == {Verdict.DEAD}


def test_pyproject_tool_table_is_read(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.linkcheck]\nretries = 0\n')
    settings = load_settings({}, env={}, cwd=tmp_path)
    assert settings.check.retry.max_attempts == 1


def test_pyproject_without_our_table_is_passed_over(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert find_config_file(tmp_path) is None


def test_per_host_overrides(tmp_path: Path) -> None:
    write(
        tmp_path / "linkcheck.toml",
        """
[hosts."Slow.Example.org"]
concurrency = 1
interval = 2.5
accept = [403]
headers = { "X-Token" = "secret" }
""",
    )
    check = load_settings({}, env={}, cwd=tmp_path).check
    host = check.limits.hosts["slow.example.org"]
    assert (host.concurrency, host.interval) == (1, 2.5)
    assert check.accepted_for("slow.example.org") == {403}
    assert check.host_headers["slow.example.org"] == {"X-Token": "secret"}


def test_values_of_every_type_are_parsed(tmp_path: Path) -> None:
    env = {
        "LINKCHECK_MAX_AGE": "12h",
        "LINKCHECK_ACCEPT": "200, 403",
        "LINKCHECK_EXCLUDE_PRIVATE": "yes",
        "LINKCHECK_EXTENSIONS": "md,txt",
        "LINKCHECK_WAYBACK_URL": "http://127.0.0.1:9/",
        "LINKCHECK_HOST_DOWN_AFTER": "0",
    }
    settings = load_settings({"exclude": [r"^https://skip\."]}, env=env, cwd=tmp_path)
    assert settings.check.host_down_after == 0
    assert settings.max_age == timedelta(hours=12)
    assert settings.check.accepted_statuses == {200, 403}
    assert settings.check.exclude_private is True
    assert settings.extract.extensions == {".md", ".txt"}
    assert settings.archive.base_url == "http://127.0.0.1:9"
    assert settings.check.exclude == (r"^https://skip\.",)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("concurency = 3", "unknown key 'concurency' (did you mean 'concurrency'?)"),
        ('concurrency = "many"', "concurrency: expected a whole number"),
        ("concurrency = 0", "concurrency: must be at least 1"),
        ("host-interval = -1", "host-interval: must be at least 0"),
        ("host-down-after = -1", "host-down-after: must be at least 0"),
        ("timeout = 0", "timeout: must be greater than 0"),
        ("timeout = inf", "timeout: expected a finite number"),
        ("host-interval = nan", "host-interval: expected a finite number"),
        ('max-age = "99999999d"', "max-age: expected a duration of at most 100 years"),
        ('exclude-private = "perhaps"', "exclude-private: expected true or false"),
        ('fail-on = ["dead", "gone"]', "fail-on: unknown verdict 'gone'"),
        ("accept = [200, 1000]", "accept: '1000' is not an HTTP status code"),
        ('exclude = ["(unclosed"]', "exclude: bad regular expression"),
        ('max-age = "a week"', "max-age: expected a duration"),
        ('format = "pdf"', "format: choose one of"),
        ('wayback-url = "ftp://archive"', "wayback-url: expected an http(s) URL"),
        ('hosts = "x"', "hosts: expected tables"),
        ('[hosts."a.org"]\nspeed = 1', "hosts.a.org: unknown key 'speed'"),
        ('[hosts."a.org"]\nconcurrency = -2', "hosts.a.org.concurrency: must be at least 1"),
        ("concurrency = ", "not valid TOML"),
    ],
)
def test_bad_values_name_the_file_and_key(tmp_path: Path, toml: str, message: str) -> None:
    config = write(tmp_path / "linkcheck.toml", toml + "\n")
    with pytest.raises(ConfigError) as caught:
        load_settings({}, env={}, cwd=tmp_path)
    assert str(config) in str(caught.value)
    assert message in str(caught.value)


def test_bad_environment_value_names_the_variable_source(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"environment: LINKCHECK_CONCURRENCY: expected a whole"):
        load_settings({}, env={"LINKCHECK_CONCURRENCY": "lots"}, cwd=tmp_path)


def test_cli_turns_a_bad_file_into_exit_2(workdir: Path) -> None:
    write(workdir / "linkcheck.toml", "retries = -1\n")
    (workdir / "a.md").write_text("https://example.org/\n")
    result = CliRunner().invoke(app, ["check", "a.md"])
    assert result.exit_code == 2
    assert "linkcheck.toml: retries: must be at least 0" in result.stderr


def test_explicit_config_file_must_exist(workdir: Path) -> None:
    result = CliRunner().invoke(app, ["scan", ".", "--config", "missing.toml"])
    assert result.exit_code == 2
    assert "missing.toml" in result.stderr


def test_a_relative_database_in_the_file_lives_beside_the_file(tmp_path: Path) -> None:
    write(tmp_path / "linkcheck.toml", 'db = "sqlite:///citations.db"\n')
    nested = tmp_path / "sub"
    nested.mkdir()
    from_file = load_settings({}, env={}, cwd=nested)
    assert from_file.db == f"sqlite:///{tmp_path / 'citations.db'}"
    from_flag = load_settings({"db": "sqlite:///here.db"}, env={}, cwd=nested)
    assert from_flag.db == "sqlite:///here.db"


def test_flag_errors_name_the_flag() -> None:
    with pytest.raises(ConfigError, match="command line: --fail-on: unknown verdict"):
        load_settings({"fail_on": "deadish"}, env={}, cwd=Path("/"))


@pytest.mark.parametrize(("key", "value"), [("network_canaries", ""), ("budget", "0s")])
def test_values_that_would_disable_a_safeguard_are_refused(key: str, value: str) -> None:
    with pytest.raises(ConfigError):
        load_settings({key: value}, env={}, cwd=Path("/"))


def test_the_run_record_never_holds_a_database_password() -> None:
    settings = load_settings(
        {"db": "postgresql://ann:s3cret@db.example/links"}, env={}, cwd=Path("/")
    )
    assert "s3cret" not in str(settings.describe())


@pytest.mark.parametrize(
    "args",
    [
        ["check", "a.md", "--timeout", "nan"],
        ["check", "a.md", "--host-interval", "nan"],
        ["check", "a.md", "--max-age", "99999999d"],
        ["report", "--since", "99999999d"],
    ],
)
def test_values_no_clock_can_hold_are_bad_usage_not_a_crash(
    workdir: Path, live_web: TestWeb, args: list[str]
) -> None:
    # nan passes every comparison, and a date a million years back leaves the
    # calendar: both used to end in a traceback with exit 1 ("failing links").
    (workdir / "a.md").write_text(live_web.url("/ok") + "\n")
    assert CliRunner().invoke(app, ["check", "a.md"]).exit_code == 0  # a run to report on
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert args[-2] in result.stderr  # the flag is named
