"""Settings: defaults < configuration file < environment < command-line flags.

Every option has one flat key, spelt the same everywhere: ``host-concurrency``
in ``linkcheck.toml`` (or ``[tool.linkcheck]`` in ``pyproject.toml``), the
environment variable ``LINKCHECK_HOST_CONCURRENCY``, and the flag
``--host-concurrency``.  Per-host overrides live in ``[hosts."example.org"]``
tables of the file.  An unknown key or a bad value is a :class:`ConfigError`
naming the file (or variable) and the key.

This module turns those layers into the options types each component owns
(``CheckOptions``, ``ArchiveOptions``, ``ExtractOptions``); the components
themselves know nothing of files or environment variables.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from linkcheck.archive.options import ArchiveOptions
from linkcheck.check.options import CheckOptions
from linkcheck.check.scheduler import HostLimits, Limits
from linkcheck.errors import ConfigError
from linkcheck.extract import DEFAULT_EXTENSIONS, DEFAULT_MAX_BYTES, ExtractOptions
from linkcheck.report import FORMATS
from linkcheck.states import DeathPolicy
from linkcheck.store.db import describe
from linkcheck.types import Verdict

DEFAULT_DB = "sqlite:///linkcheck.db"
CONFIG_FILE = "linkcheck.toml"
ENV_PREFIX = "LINKCHECK_"
E = TypeVar("E", bound=StrEnum)
ENVIRONMENT = "environment"
FLAGS = "command line"

# --------------------------------------------------------------------------- value parsers
# Each takes what TOML, the environment (always a string) or a flag gives, and
# returns the typed value or raises ValueError with a message for the user.


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _integer(minimum: int) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f"expected a whole number, got {value!r}")
        try:
            number = int(value)
        except ValueError:
            raise ValueError(f"expected a whole number, got {value!r}") from None
        if number < minimum:
            raise ValueError(f"must be at least {minimum}, got {number}")
        return number

    return parse


def _number(minimum: float, *, strict: bool = False) -> Callable[[object], float]:
    def parse(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError(f"expected a number, got {value!r}")
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"expected a number, got {value!r}") from None
        if not math.isfinite(number):  # nan would pass every comparison below
            raise ValueError(f"expected a finite number, got {value!r}")
        if number < minimum or (strict and number == minimum):
            relation = "greater than" if strict else "at least"
            raise ValueError(f"must be {relation} {minimum:g}, got {number:g}")
        return number

    return parse


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def _items(value: object) -> list[str]:
    """A list from TOML, or a comma-separated string from the environment or a flag."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple) and all(isinstance(v, str | int) for v in value):
        return [str(v).strip() for v in value]
    raise ValueError(f"expected a list or a comma-separated string, got {value!r}")


def _non_empty(items: list[str]) -> tuple[str, ...]:
    if not items:
        raise ValueError("name at least one")
    return tuple(items)


def parse_names(kind: type[E], value: object, noun: str) -> frozenset[E]:
    """Members of the StrEnum ``kind`` from a list or a comma-separated string."""
    known = {member.value for member in kind}
    chosen = _items(value)
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise ValueError(f"unknown {noun} {unknown[0]!r}; choose from {', '.join(sorted(known))}")
    return frozenset(kind(name) for name in chosen)


def _verdicts(value: object) -> frozenset[Verdict]:
    return parse_names(Verdict, value, "verdict")


def _status_codes(value: object) -> frozenset[int]:
    codes: set[int] = set()
    for item in _items(value):
        if not item.isdigit() or not 100 <= int(item) <= 999:
            raise ValueError(f"{item!r} is not an HTTP status code")
        codes.add(int(item))
    return frozenset(codes)


def _patterns(value: object) -> tuple[str, ...]:
    patterns = _items(value) if not isinstance(value, str) else [value]
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"bad regular expression {pattern!r}: {error}") from None
    return tuple(patterns)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> timedelta:
    """``90``, ``90s``, ``15m``, ``12h``, ``7d`` or ``2w``: at most a century."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match[1]) * _UNIT_SECONDS[match[2]]
    else:
        raise ValueError(f"expected a duration such as 90s, 15m, 12h or 7d, got {value!r}")
    # Dates are reckoned back from now by it: beyond a century they leave the calendar.
    if not math.isfinite(seconds) or abs(seconds) > _LONGEST_DURATION.total_seconds():
        raise ValueError(f"expected a duration of at most 100 years, got {value!r}")
    return timedelta(seconds=seconds)


_LONGEST_DURATION = timedelta(days=36_525)


def _positive(duration: timedelta) -> timedelta:
    if duration <= timedelta(0):
        raise ValueError("must be longer than 0")
    return duration


def _choice(options: tuple[str, ...]) -> Callable[[object], str]:
    def parse(value: object) -> str:
        if value not in options:
            raise ValueError(f"choose one of {', '.join(options)}, got {value!r}")
        return str(value)

    return parse


def _http_url(value: object) -> str:
    text = _text(value).rstrip("/")
    if not re.match(r"^https?://[^/\s]+", text):
        raise ValueError(f"expected an http(s) URL, got {value!r}")
    return text


def _extensions(value: object) -> frozenset[str]:
    return frozenset(e if e.startswith(".") else f".{e}" for e in _items(value))


# --------------------------------------------------------------------------- the keys

#: Every key, with its parser.  The CLI's flags use the same names.
KEYS: Mapping[str, Callable[[object], Any]] = {
    "db": _text,
    "format": _choice(FORMATS),
    "fail-on": _verdicts,
    "concurrency": _integer(1),
    "host-concurrency": _integer(1),
    "host-interval": _number(0.0),
    "timeout": _number(0.0, strict=True),
    "connect-timeout": _number(0.0, strict=True),
    "retries": _integer(0),
    "host-down-after": _integer(0),
    "max-redirects": _integer(0),
    "user-agent": _text,
    "accept": _status_codes,
    "exclude": _patterns,
    "exclude-private": _boolean,
    "head": _boolean,
    "insecure": _boolean,
    "max-age": parse_duration,
    "limit": _integer(1),
    "budget": lambda v: _positive(parse_duration(v)),
    "wait": parse_duration,
    "confirm-checks": _integer(1),
    "confirm-days": _number(0.0),
    "reparse": _boolean,
    "archive": _boolean,
    "archive-verdicts": _verdicts,
    "refresh": _boolean,
    "wayback-url": _http_url,
    "archive-rate": _number(0.0, strict=True),
    "archive-timeout": _number(0.0, strict=True),
    "save-within": parse_duration,
    "save-daily-cap": _integer(1),
    "save-poll-interval": _number(0.0, strict=True),
    "extensions": _extensions,
    "include-code": _boolean,
    "max-file-size": _integer(1),
    "ignore": _patterns,
    # Names that must resolve when the network works: tells NXDOMAIN from no network.
    "network-canaries": lambda v: _non_empty(_items(v)),
}

#: Keys of a ``[hosts."name"]`` table.
HOST_KEYS: Mapping[str, Callable[[object], Any]] = {
    "concurrency": _integer(1),
    "interval": _number(0.0),
    "accept": _status_codes,
    "headers": lambda v: _headers(v),
}


def _headers(value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError("expected a table of header names to string values")
    return dict(value)


@dataclass(frozen=True, slots=True)
class HostSettings:
    concurrency: int | None = None
    interval: float | None = None
    accept: frozenset[int] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run needs, already validated."""

    db: str = DEFAULT_DB
    format: str = "text"
    fail_on: frozenset[Verdict] = frozenset({Verdict.DEAD, Verdict.SOFT_404})
    max_age: timedelta | None = None
    limit: int | None = None
    reparse: bool = False
    archive_failures: bool = False
    archive_verdicts: frozenset[Verdict] = frozenset({Verdict.DEAD, Verdict.SOFT_404})
    refresh_snapshots: bool = False
    ignore: tuple[str, ...] = ()
    #: stop checking after this long; what is left stays due for the next run
    budget: timedelta | None = None
    #: how long to wait for another run holding the database (0: refuse at once)
    wait: float = 0.0
    death_policy: DeathPolicy = field(default_factory=DeathPolicy)
    extract: ExtractOptions = field(default_factory=ExtractOptions)
    check: CheckOptions = field(default_factory=CheckOptions)
    archive: ArchiveOptions = field(default_factory=ArchiveOptions)
    source: str | None = None  # the configuration file used, if any

    def describe(self) -> dict[str, object]:
        """A JSON-safe summary for the run row (no credentials)."""
        return {
            "db": describe(self.db),
            "fail_on": sorted(v.value for v in self.fail_on),
            "max_age_seconds": self.max_age.total_seconds() if self.max_age else None,
            "limit": self.limit,
            "config": self.source,
        }


def sqlite_file(db: str) -> str | None:
    """The file path of a file-backed SQLite URL (as written); None for anything else."""
    prefix = "sqlite:///"
    name = db.removeprefix(prefix)
    if not db.startswith(prefix) or not name or name.startswith(":memory:"):
        return None
    return name


def _relative_to(db: str, folder: Path) -> str:
    """A relative SQLite path is the configuration file's neighbour, wherever linkcheck runs.

    (Only when it came from the file: a path given on the command line or in the
    environment stays relative to the working directory, as users expect.)
    """
    name = sqlite_file(db)
    if name is None or Path(name).is_absolute():
        return db
    return f"sqlite:///{folder / name}"


def find_config_file(start: Path) -> Path | None:
    """The nearest linkcheck.toml, or pyproject.toml with [tool.linkcheck], upward."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "linkcheck" in _read_toml(pyproject).get("tool", {}):
            return pyproject
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None


def _file_layer(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The (options, hosts) tables of a configuration file."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("linkcheck", {})
    hosts = data.pop("hosts", {})
    if not isinstance(hosts, dict):
        raise ConfigError(f"{path}: hosts: expected tables of per-host settings")
    return data, hosts


def _env_layer(env: Mapping[str, str]) -> dict[str, str]:
    """LINKCHECK_* variables that name a key.  Others (credentials) are read elsewhere."""
    layer: dict[str, str] = {}
    for key in KEYS:
        name = ENV_PREFIX + key.upper().replace("-", "_")
        if name in env:
            layer[key] = env[name]
    return layer


def _parse_layer(raw: Mapping[str, Any], origin: str) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for name, value in raw.items():
        key = name.replace("_", "-")
        parser = KEYS.get(key)
        if parser is None:
            raise ConfigError(f"{origin}: unknown key {name!r}{_suggest(key, KEYS)}")
        try:
            parsed[key] = parser(value)
        except ValueError as error:
            raise ConfigError(f"{origin}: {_spelling(key, origin)}: {error}") from None
    return parsed


def _spelling(key: str, origin: str) -> str:
    """The key as the user wrote it in that layer: a flag, a variable or a file key."""
    if origin == FLAGS:
        return f"--{key}"
    if origin == ENVIRONMENT:
        return ENV_PREFIX + key.upper().replace("-", "_")
    return key


def _parse_hosts(raw: Mapping[str, Any], origin: str) -> dict[str, HostSettings]:
    hosts: dict[str, HostSettings] = {}
    for host, table in raw.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{origin}: hosts.{host}: expected a table")
        values: dict[str, Any] = {}
        for name, value in table.items():
            parser = HOST_KEYS.get(name)
            if parser is None:
                raise ConfigError(
                    f"{origin}: hosts.{host}: unknown key {name!r}{_suggest(name, HOST_KEYS)}"
                )
            try:
                values[name] = parser(value)
            except ValueError as error:
                raise ConfigError(f"{origin}: hosts.{host}.{name}: {error}") from None
        hosts[host.lower()] = HostSettings(**values)
    return hosts


def _suggest(key: str, known: Mapping[str, object]) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def load_settings(
    flags: Mapping[str, Any],
    *,
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Merge defaults < file < environment < flags into validated :class:`Settings`.

    ``flags`` uses the keys' Python spelling (``host_concurrency``); ``None``
    values must be left out by the caller (they mean "not given").
    """
    env = os.environ if env is None else env
    path = config_file or find_config_file(cwd or Path.cwd())
    if config_file is not None and not config_file.is_file():
        raise ConfigError(f"{config_file}: no such configuration file")
    values: dict[str, Any] = {}
    hosts: dict[str, HostSettings] = {}
    if path is not None:
        file_values, file_hosts = _file_layer(path)
        values.update(_parse_layer(file_values, str(path)))
        if "db" in values:
            values["db"] = _relative_to(values["db"], path.parent)
        hosts = _parse_hosts(file_hosts, str(path))
    values.update(_parse_layer(_env_layer(env), ENVIRONMENT))
    values.update(_parse_layer(flags, FLAGS))
    return _build(values, hosts, env, str(path) if path else None)


def _build(
    v: Mapping[str, Any],
    hosts: Mapping[str, HostSettings],
    env: Mapping[str, str],
    source: str | None,
) -> Settings:
    defaults = Settings()
    return Settings(
        db=v.get("db", defaults.db),
        format=v.get("format", defaults.format),
        fail_on=v.get("fail-on", defaults.fail_on),
        max_age=v.get("max-age"),
        limit=v.get("limit"),
        reparse=v.get("reparse", False),
        archive_failures=v.get("archive", False),
        archive_verdicts=v.get("archive-verdicts", defaults.archive_verdicts),
        refresh_snapshots=v.get("refresh", False),
        ignore=v.get("ignore", ()),
        budget=v.get("budget"),
        wait=v["wait"].total_seconds() if "wait" in v else 0.0,
        death_policy=DeathPolicy(
            confirm_checks=v.get("confirm-checks", defaults.death_policy.confirm_checks),
            confirm_days=v.get("confirm-days", defaults.death_policy.confirm_days),
        ),
        extract=ExtractOptions(
            extensions=v.get("extensions", DEFAULT_EXTENSIONS),
            max_bytes=v.get("max-file-size", DEFAULT_MAX_BYTES),
            include_code_blocks=v.get("include-code", False),
        ),
        check=_check_options(v, hosts),
        archive=_archive_options(v, env),
        source=source,
    )


def _check_options(v: Mapping[str, Any], hosts: Mapping[str, HostSettings]) -> CheckOptions:
    base = CheckOptions()
    limits = Limits(
        concurrency=v.get("concurrency", base.limits.concurrency),
        per_host_concurrency=v.get("host-concurrency", base.limits.per_host_concurrency),
        per_host_interval=v.get("host-interval", base.limits.per_host_interval),
        hosts={
            name: HostLimits(concurrency=h.concurrency, interval=h.interval)
            for name, h in hosts.items()
            if h.concurrency is not None or h.interval is not None
        },
    )
    total = v.get("timeout", base.total_timeout)
    return CheckOptions(
        connect_timeout=min(v.get("connect-timeout", base.connect_timeout), total),
        read_timeout=min(base.read_timeout, total),
        total_timeout=total,
        max_redirects=v.get("max-redirects", base.max_redirects),
        user_agent=v.get("user-agent", base.user_agent),
        head_first=v.get("head", base.head_first),
        retry=replace(base.retry, max_attempts=1 + v.get("retries", base.retry.max_attempts - 1)),
        accepted_statuses=v.get("accept", base.accepted_statuses),
        host_accepted_statuses={n: h.accept for n, h in hosts.items() if h.accept},
        exclude=v.get("exclude", base.exclude),
        exclude_private=v.get("exclude-private", base.exclude_private),
        limits=limits,
        host_headers={n: h.headers for n, h in hosts.items() if h.headers},
        verify_tls=not v.get("insecure", False),
        network_canaries=v.get("network-canaries", base.network_canaries),
        host_down_after=v.get("host-down-after", base.host_down_after),
    )


def _archive_options(v: Mapping[str, Any], env: Mapping[str, str]) -> ArchiveOptions:
    base = ArchiveOptions()
    return ArchiveOptions(
        base_url=v.get("wayback-url", base.base_url),
        cdx_rate=v.get("archive-rate", base.cdx_rate),
        call_timeout=v.get("archive-timeout", base.call_timeout),
        save_if_not_archived_within=v.get("save-within", base.save_if_not_archived_within),
        save_daily_cap=v.get("save-daily-cap", base.save_daily_cap),
        save_poll_interval=v.get("save-poll-interval", base.save_poll_interval),
        access_key=env.get("LINKCHECK_WAYBACK_ACCESS_KEY") or None,
        secret_key=env.get("LINKCHECK_WAYBACK_SECRET_KEY") or None,
    )
