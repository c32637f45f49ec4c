"""Inputs that are not plain files in plain directories: symlink loops, named pipes.

Each case could hang a careless reader, so every extraction here runs in a
daemon thread that must finish within a deadline; a regression fails the test
instead of blocking the suite.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import pytest

from linkcheck.extract import ExtractResult, extract_documents
from linkcheck.types import Document, SkippedInput

DEADLINE_SECONDS = 10
T = TypeVar("T")

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX files")


def finish(work: Callable[[], T]) -> T:
    """What ``work`` returns, failing the test if it runs past the deadline."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # handed to the test's thread
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(DEADLINE_SECONDS)
    if thread.is_alive():
        pytest.fail(f"still running after {DEADLINE_SECONDS} s")
    if failure:
        raise failure[0]
    return outcome[0]


def extract(inputs: Sequence[str]) -> list[ExtractResult]:
    return finish(lambda: list(extract_documents(inputs)))


def summary(results: list[ExtractResult]) -> list[tuple[str, str]]:
    return [
        (result.path, "read" if isinstance(result, Document) else getattr(result, "reason", ""))
        for result in results
    ]


@pytest.fixture
def looped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tree/a/b/f.md`` with a link from ``b`` back up to ``tree``; cwd is tmp_path."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tree" / "a" / "b").mkdir(parents=True)
    (tmp_path / "tree" / "a" / "b" / "f.md").write_text("https://example.com/t1\n")
    (tmp_path / "tree" / "a" / "b" / "up").symlink_to(Path("..", ".."))
    return tmp_path / "tree"


@pytest.mark.parametrize("pattern", ["tree/**/*.md", "tree/**", "tree/*/*/*", "tree/**/b"])
def test_a_pattern_does_not_follow_a_link_back_up_the_tree(looped: Path, pattern: str) -> None:
    assert summary(extract([pattern])) == [("tree/a/b/f.md", "read")]


def test_a_pattern_through_two_loops_ends(looped: Path) -> None:
    # Two links back up made a recursive glob walk ever longer paths.
    (looped / "abs").symlink_to(looped.resolve())
    assert summary(extract(["tree/**/*.md", str(looped.resolve() / "**" / "*.md")])) == [
        ("tree/a/b/f.md", "read")
    ]


def test_a_linked_directory_written_out_in_a_pattern_is_followed(looped: Path) -> None:
    # Only wildcards stop at links; a name the user wrote is taken as written.
    assert summary(extract(["tree/a/b/up/a/*/*.md"])) == [("tree/a/b/up/a/b/f.md", "read")]


def test_a_linked_file_found_by_a_pattern_or_walk_is_read(looped: Path) -> None:
    (looped / "g.md").symlink_to(Path("a", "b", "f.md"))
    assert summary(extract(["tree"])) == [("tree/a/b/f.md", "read"), ("tree/g.md", "read")]
    assert summary(extract(["tree/*.md"])) == [("tree/g.md", "read")]


@pytest.fixture
def with_pipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``docs/real.md`` and a named pipe ``docs/pipe.md`` nobody writes to; cwd is tmp_path."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "real.md").write_text("https://example.com/f\n")
    os.mkfifo(tmp_path / "docs" / "pipe.md")
    return tmp_path / "docs"


@pytest.mark.parametrize("inputs", [["docs"], ["docs/*.md"]])
def test_a_named_pipe_found_in_a_directory_or_by_a_pattern_is_skipped(
    with_pipe: Path, inputs: list[str]
) -> None:
    results = extract(inputs)
    assert results[0] == SkippedInput("docs/pipe.md", "not a regular file (a named pipe)")
    assert summary(results[1:]) == [("docs/real.md", "read")]


def test_a_named_pipe_named_outright_is_read(with_pipe: Path) -> None:
    # As with "<(command)" in a shell: the user asked for it, so it is waited for.
    def write() -> None:
        with (with_pipe / "pipe.md").open("w") as pipe:
            pipe.write("https://example.com/piped\n")

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    [document] = extract(["docs/pipe.md"])
    assert isinstance(document, Document)
    assert [c.url for c in document.citations] == ["https://example.com/piped"]
