"""Turning the inputs a user names into documents' bytes, and bytes into text.

* Inputs are files, directories (walked recursively in sorted order, keeping
  files with the chosen extensions and skipping hidden entries), glob
  patterns (``**`` recurses; see ``globbing``), and ``-`` for standard input.
  An existing path is never read as a pattern.  A name that is neither raises
  :class:`~linkcheck.errors.InputError` before anything is read.
* Neither a walk nor a pattern enters symlinked directories, so a link back up
  the tree neither repeats files nor loops.
* A file found by a walk or a pattern is read only if it is a regular file:
  opening a named pipe would wait for a writer for ever, and a device may
  never end.  Such entries are skipped with a reason.  A path named outright
  is read whatever it is, so ``/dev/stdin`` and ``<(command)`` work.
* Documents are named relative to the current directory when they lie inside
  it, else by their absolute path, with ``/`` separators: the same file gets
  the same name however it was spelled, run after run.
* Inputs that cannot be used are reported as :class:`SkippedInput` with a
  reason, never raised: unreadable files, files over the size limit (checked
  before reading, and reads never take more than limit + 1 bytes), binary
  files, and text that is not UTF-8 (or UTF-16/32 with a byte order mark).

There is deliberately no lenient fallback such as cp1252 for text that is not
UTF-8.  A wrong guess does not fail: it silently turns every non-ASCII
character into something else, and a mangled international host or path then
shows up as a dead link -- a false report about someone else's site.  A clear
"convert it to UTF-8" is the honest answer.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from linkcheck.errors import InputError
from linkcheck.escapes import escape_surrogates
from linkcheck.extract.globbing import glob_paths, has_magic
from linkcheck.pages import meta_charset
from linkcheck.sizes import byte_size

STDIN_NAME = "-"

_BYTE_ORDER_MARKS = (  # UTF-32 first: its little-endian mark begins like UTF-16's
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_SNIFF_CHARS = 4096
_MAX_CONTROL_SHARE = 0.1
#: Control characters that text does not hold: all below 0x20 but tab, line
#: feed, vertical tab, form feed, carriage return and escape (ANSI colours).
_BINARY_CONTROL = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f]")


class UnusableInput(Exception):
    """An input that is skipped; the message is the reason shown to the user."""


@dataclass(frozen=True, slots=True)
class InputSource:
    """One document to read: a file, or standard input when ``path`` is None.

    ``found`` is True for a file a directory walk or a pattern found, which is
    read only if it is a regular file; a path the user named is read whatever it is.
    ``location`` is where the file really is (see :func:`file_location`), set by
    :func:`resolve_inputs`; standard input has none.
    """

    name: str
    path: Path | None
    found: bool = False
    location: str | None = None


def file_location(path: Path, real_folders: dict[str, str] | None = None) -> str:
    """Where a file really is: its folder with every symlink and ``..`` resolved, then
    its own name (a symlinked file keeps it).  Two spellings of one file (through a
    symlinked folder, ``sym/..``) give one location; the document's name stays as
    written, relative to the working directory.  ``real_folders`` caches the folders
    resolved so far, for a walk of many files in few folders.
    """
    written = os.path.dirname(path) or "."  # noqa: PTH120
    cache = {} if real_folders is None else real_folders
    folder = cache.get(written)
    if folder is None:
        folder = cache[written] = os.path.realpath(written).rstrip("/")
    return escape_surrogates(f"{folder}/{path.name}")


def folder_location(folder: Path) -> str:
    """Where a folder really is, ending in ``/``: what its files' locations begin with."""
    real = escape_surrogates(Path(os.path.realpath(folder)).as_posix())  # as file_location
    return real if real.endswith("/") else real + "/"


def resolve_inputs(inputs: Sequence[str], extensions: frozenset[str]) -> list[InputSource]:
    """Every document the inputs name, in order, each once: a file reached by two
    spellings (a folder and a symlink to it) is read once, under the first."""
    sources: dict[str, InputSource] = {}
    real_folders: dict[str, str] = {}
    for raw in inputs:
        for source in _expand(raw, extensions):
            if source.path is not None:
                source = replace(source, location=file_location(source.path, real_folders))
            sources.setdefault(source.location or source.name, source)
    return list(sources.values())


def _expand(raw: str, extensions: frozenset[str]) -> Iterator[InputSource]:
    if raw == STDIN_NAME:
        yield InputSource(STDIN_NAME, None)
        return
    path = Path(raw)
    if path.is_dir():
        yield from _walk(path, extensions)
    elif path.exists():
        yield _file(path)
    elif has_magic(raw):
        matches = glob_paths(raw)
        if not matches:
            raise InputError(f"{raw}: no file matches this pattern")
        for match in map(Path, matches):
            yield from _walk(match, extensions) if match.is_dir() else (_file(match, found=True),)
    elif path.is_symlink():  # exists() follows it: the link is there, its target is not
        raise InputError(f"{raw}: a symbolic link to nothing (its target is missing, or it loops)")
    else:
        raise InputError(f"{raw}: no such file or directory")


def _walk(top: Path, extensions: frozenset[str]) -> Iterator[InputSource]:
    found: list[Path] = []
    for directory, subdirectories, files in os.walk(top):
        subdirectories[:] = [name for name in subdirectories if not name.startswith(".")]
        found.extend(
            Path(directory, name)
            for name in files
            if not name.startswith(".") and Path(name).suffix.lower() in extensions
        )
    # Sorted as a whole, so the order does not depend on the file system.
    for path in sorted(found):
        yield _file(path, found=True)


def _file(path: Path, *, found: bool = False) -> InputSource:
    return InputSource(document_name(path), path, found)


def document_name(path: Path) -> str:
    """The stable name of a document: relative to the current directory if inside it."""
    # Lexical, not resolve(): a symlinked folder keeps the name the user sees.
    absolute = Path(os.path.abspath(path))  # noqa: PTH100
    try:
        return escape_surrogates(absolute.relative_to(Path.cwd()).as_posix())
    except ValueError:
        return escape_surrogates(absolute.as_posix())


# --------------------------------------------------------------------------- reading


def read_source(source: InputSource, max_bytes: int, stdin: BinaryIO) -> bytes:
    """The raw bytes of ``source``; raises :class:`UnusableInput` saying why not."""
    try:
        if source.path is None:
            data = stdin.read(max_bytes + 1)
        else:
            with _open(source.path, found=source.found) as handle:
                status = os.fstat(handle.fileno())
                size = status.st_size if stat.S_ISREG(status.st_mode) else None
                if size is None and source.found:
                    raise UnusableInput(f"not a regular file ({_kind(status.st_mode)})")
                if size is not None and size > max_bytes:
                    raise UnusableInput(_too_large(max_bytes, size))
                data = _read_at_most(handle, max_bytes + 1, size)
    except OSError as exc:
        raise UnusableInput(f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise UnusableInput(_too_large(max_bytes))
    return data


def _open(path: Path, *, found: bool) -> BinaryIO:
    """``path`` opened for reading; a found one without waiting, whatever it turns out to be.

    A found path is opened non-blocking, since opening a named pipe for reading
    otherwise waits for a writer, and checked on the open file (no race with a
    rename); it is only read once it proved to be a regular file, where
    non-blocking changes nothing.
    """
    if not found:
        return path.open("rb")
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    return os.fdopen(descriptor, "rb")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a directory" if stat.S_ISDIR(mode) else "an unusual kind of file"


def _read_at_most(handle: BinaryIO, limit: int, size: int | None) -> bytes:
    """At most ``limit`` bytes of ``handle``, a file ``size`` bytes long if known.

    ``read(limit)`` makes Python allocate ``limit`` bytes up front, 10 MiB by
    default, for every file however small.  A file of known size is asked for
    that size plus one byte, which shows whether it grew since it was measured;
    only then is it read on, up to the limit.
    """
    if size is None:
        return handle.read(limit)
    data = handle.read(min(size + 1, limit))
    if len(data) > size:
        data += handle.read(limit - len(data))
    return data


def _too_large(max_bytes: int, size: int | None = None) -> str:
    actual = f" ({byte_size(size)})" if size is not None else ""
    limit = byte_size(max_bytes)
    return f"larger than the {limit} size limit{actual}; raise it with the max-file-size setting"


def decode_text(data: bytes) -> str:
    """Decode ``data`` as UTF-8 (or UTF-16/32 with a byte order mark, or the legacy
    charset an HTML page names in a ``<meta>`` when it is not UTF-8).

    Raises :class:`UnusableInput` when the bytes are not text we read.
    """
    for mark, codec in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                raise UnusableInput(f"not valid {codec} text despite its byte order mark") from None
    if b"\x00" in data:
        raise UnusableInput("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        declared = meta_charset(data)  # an HTML page saved in its own legacy charset
        if declared is None or declared == "utf-8":
            raise UnusableInput(
                f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "convert it to UTF-8"
            ) from None
        text = data.decode(declared, "replace")
    if _mostly_controls(text[:_SNIFF_CHARS]):
        raise UnusableInput("binary file (mostly control characters)")
    return text


def _mostly_controls(sample: str) -> bool:
    controls = len(_BINARY_CONTROL.findall(sample))
    return bool(sample) and controls / len(sample) > _MAX_CONTROL_SHARE
