"""Headless Chromium for the HTML report test, driven from the command line.

Debian's ``chromium`` package, no WebDriver and no Python dependency: the
browser loads the file, and ``--dump-dom`` prints the DOM it built, while
``--screenshot`` saves what it painted.  Every call has a timeout.
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_SECONDS = 90
#: Flags that keep a headless run quiet, offline and free of first-run work.
QUIET_FLAGS = (
    "--headless",
    "--no-sandbox",  # the CI container runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
)


def find_chromium() -> str | None:
    for name in CANDIDATES:
        path = shutil.which(name)
        if path is not None:
            return path
    return None


def _run(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, *QUIET_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=True,
    )


def dump_dom(binary: str, page: Path, profile: Path) -> str:
    """The DOM Chromium built from ``page``, serialized back to HTML."""
    return _run(binary, profile, "--dump-dom", page.resolve().as_uri()).stdout


def screenshot(binary: str, page: Path, png: Path, profile: Path, size: tuple[int, int]) -> None:
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    _run(
        binary,
        profile,
        f"--screenshot={png.resolve()}",
        f"--window-size={size[0]},{size[1]}",
        page.resolve().as_uri(),
    )


class _TextCollector(HTMLParser):
    """Text a reader sees: no head, styles or titles, nothing inside a closed <details>."""

    SILENT = frozenset({"head", "style", "script", "title", "template"})
    VOID = frozenset({"br", "meta", "link", "img", "hr", "input", "wbr", "col", "source"})
    #: Tags that flow within a line; any other tag boundary separates words.
    INLINE = frozenset({"a", "code", "em", "strong", "b", "i", "abbr", "small"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # [tag, hides its content now, is a closed <details>]
        self.stack: list[list[object]] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.INLINE:
            self.parts.append(" ")
        if tag in self.VOID:
            return
        closed = tag == "details" and "open" not in dict(attrs)
        if tag == "summary" and self.stack and self.stack[-1][0] == "details":
            self.stack[-1][1] = False  # a closed <details> still shows its summary
        self.stack.append([tag, tag in self.SILENT or closed, closed])

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.INLINE:
            self.parts.append(" ")
        while self.stack:
            popped = self.stack.pop()
            if popped[0] == tag:
                break
        if tag == "summary" and self.stack and self.stack[-1][0] == "details":
            self.stack[-1][1] = self.stack[-1][2]

    def handle_data(self, data: str) -> None:
        if not any(entry[1] for entry in self.stack):
            self.parts.append(data)


def visible_text(dom: str) -> str:
    """The DOM's visible text with whitespace collapsed, for assertions on what a reader sees."""
    collector = _TextCollector()
    collector.feed(dom)
    return " ".join("".join(collector.parts).split())
