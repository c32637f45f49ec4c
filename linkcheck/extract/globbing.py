"""Glob patterns as inputs, with ``**`` that does not follow symlinked directories.

The standard library's recursive glob (before Python 3.13) follows symlinked
directories under ``**``: one link back up the tree (``a/b/up -> ../..``) makes
it list the same file dozens of times, and two such links make it run for ever.
Walking a directory (``os.walk``) does not follow them, so neither do the
wildcards here: ``**`` matches the directory it stands in and every directory
below it reached without crossing a symlink, and ``*``, ``?`` and ``[...]``
never match a symlinked directory.  So every real directory is visited at
most once per pattern, and no file comes out under two names.

The rest is ``glob.glob`` as users know it: ``*``, ``?`` and ``[...]`` match
within one path component (case-sensitively, through ``fnmatch``), they do not
match names starting with ``.`` unless the pattern component does, ``**``
skips hidden directories, and a ``**`` at the end matches files too.  A
component without wildcards is taken as written, so a symlinked directory
written out in a pattern (``docs/linked/*.md``) is read like one named outright.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path

_MAGIC = re.compile(r"[*?\[]")
_RECURSIVE = "**"


def has_magic(pattern: str) -> bool:
    """Whether ``pattern`` holds a wildcard, so it is a pattern and not a name."""
    return _MAGIC.search(pattern) is not None


def glob_paths(pattern: str) -> list[str]:
    """The paths ``pattern`` matches, sorted, each once, spelled from the pattern's start."""
    absolute = pattern.startswith("/")
    components = [component for component in pattern.split("/") if component]
    paths = ["/" if absolute else ""]
    for position, component in enumerate(components):
        last = position == len(components) - 1
        paths = [found for base in paths for found in _matches(base, component, last=last)]
    return sorted(set(paths) - {""})


def _matches(base: str, component: str, *, last: bool) -> Iterator[str]:
    if component == _RECURSIVE:
        yield from _below(base, files_too=last)
    elif has_magic(component):
        yield from _matching_entries(base, component, directories_only=not last)
    else:
        path = _join(base, component)
        if os.path.lexists(path) if last else Path(path).is_dir():
            yield path


def _matching_entries(base: str, component: str, *, directories_only: bool) -> Iterator[str]:
    hidden_too = component.startswith(".")
    for entry in _entries(base):
        if entry.name.startswith(".") and not hidden_too:
            continue
        if not fnmatchcase(entry.name, component) or _is_linked_dir(entry):
            continue
        if not directories_only or _is_dir(entry, follow_symlinks=False):
            yield _join(base, entry.name)


def _below(base: str, *, files_too: bool) -> Iterator[str]:
    """``base`` and every non-hidden directory under it, and files if asked, not through symlinks.

    Symlinked directories are neither entered nor matched, so each real
    directory is listed at most once.
    """
    yield base
    pending = [base]
    while pending:
        directory = pending.pop()
        for entry in _entries(directory):
            if entry.name.startswith("."):
                continue
            path = _join(directory, entry.name)
            if _is_dir(entry, follow_symlinks=False):
                pending.append(path)
                yield path
            elif files_too and not _is_linked_dir(entry):
                yield path


def _entries(directory: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory or ".") as entries:
            return list(entries)
    except OSError:
        return []  # gone, unreadable or not a directory: it matches nothing, as in glob


def _is_dir(entry: os.DirEntry[str], *, follow_symlinks: bool) -> bool:
    try:
        return entry.is_dir(follow_symlinks=follow_symlinks)
    except OSError:
        return False


def _is_linked_dir(entry: os.DirEntry[str]) -> bool:
    return entry.is_symlink() and _is_dir(entry, follow_symlinks=True)


def _join(base: str, name: str) -> str:
    if not base:
        return name
    return base + name if base.endswith("/") else f"{base}/{name}"
