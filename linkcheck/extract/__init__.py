"""Extraction: documents in, :class:`~linkcheck.types.Document` values (with citations) out.

One reader per format (``article``, ``markdown``, ``html``, ``text``); this
module picks the reader and walks the inputs.  Extraction knows nothing of
HTTP or storage and does no I/O beyond reading its inputs.

Decisions a caller should know (details in the modules named):

* One :class:`~linkcheck.types.Citation` per normalized URL per document, with
  every line it occurs on; the strongest role wins (original > related >
  inline) and the first spelling is ``url_as_written`` (``found``).
* Malformed http(s) URLs (bad port, bad international name) stay citations,
  with ``url`` as written, so the checker reports them as ``invalid``; they
  are recognisable because :func:`linkcheck.urls.normalize_url` raises on
  them.  Non-http(s) and unresolvable relative links go to
  ``Document.ignored`` with a reason (``found``).
* ``www.example.com`` in text is read as ``http://www.example.com`` (``urls``).
* Text must be UTF-8, or UTF-16/32 with a byte order mark; there is no
  lenient fallback (``inputs`` says why).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import BinaryIO

from linkcheck.extract.article import read_article, read_dump
from linkcheck.extract.detect import detect_format, detect_other_format
from linkcheck.extract.found import Findings, assemble
from linkcheck.extract.html import read_html
from linkcheck.extract.inputs import (
    InputSource,
    UnusableInput,
    decode_text,
    read_source,
    resolve_inputs,
)
from linkcheck.extract.markdown import read_markdown
from linkcheck.extract.options import DEFAULT_EXTENSIONS, DEFAULT_MAX_BYTES, ExtractOptions
from linkcheck.extract.text import read_text
from linkcheck.types import Document, DocumentFormat, SkippedInput

__all__ = [
    "DEFAULT_EXTENSIONS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_OPTIONS",
    "ExtractOptions",
    "ExtractResult",
    "UnchangedCheck",
    "UnchangedInput",
    "content_hash",
    "detect_format",
    "extract_documents",
    "extract_text",
]

DEFAULT_OPTIONS = ExtractOptions()

#: ``is_unchanged(document_name, content_hash)``: True when the caller already
#: holds this exact content, read this same way, and need not have it parsed again.
UnchangedCheck = Callable[[str, str], bool]


def content_hash(data: bytes, options: ExtractOptions = DEFAULT_OPTIONS) -> str:
    """What a document is known by between scans: the SHA-256 of how it is read and of its bytes.

    How it is read comes first (:attr:`ExtractOptions.reading`): the same file read
    with code blocks this time, or by a release whose extraction rules changed,
    hashes differently, so a scan parses it again instead of keeping what an
    earlier reading found.
    """
    digest = hashlib.sha256(options.reading)
    digest.update(data)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class UnchangedInput:
    """An input whose content the caller already knows (``is_unchanged`` said so)."""

    path: str
    content_hash: str
    location: str | None = None


ExtractResult = Document | SkippedInput | UnchangedInput


def extract_documents(
    inputs: Sequence[str],
    options: ExtractOptions = DEFAULT_OPTIONS,
    *,
    stdin: BinaryIO | None = None,
    is_unchanged: UnchangedCheck | None = None,
) -> Iterator[ExtractResult]:
    """Read every input and yield one result per document, in a stable order.

    Names are checked at once: a path that does not exist and matches no glob
    raises :class:`~linkcheck.errors.InputError` here, before anything is
    yielded.  Inputs that cannot be read as text come out as
    :class:`~linkcheck.types.SkippedInput`.
    """
    sources = resolve_inputs(inputs, options.extensions)
    return _extract_all(sources, options, stdin, is_unchanged)


def _extract_all(
    sources: list[InputSource],
    options: ExtractOptions,
    stdin: BinaryIO | None,
    is_unchanged: UnchangedCheck | None,
) -> Iterator[ExtractResult]:
    for source in sources:
        yield _extract_one(source, options, stdin or sys.stdin.buffer, is_unchanged)


def _extract_one(
    source: InputSource,
    options: ExtractOptions,
    stdin: BinaryIO,
    is_unchanged: UnchangedCheck | None,
) -> ExtractResult:
    try:
        data = read_source(source, options.max_bytes, stdin)
    except UnusableInput as exc:
        return SkippedInput(source.name, str(exc))
    key = content_hash(data, options)
    if is_unchanged is not None and is_unchanged(source.name, key):
        return UnchangedInput(source.name, key, source.location)
    try:
        text = decode_text(data)
    except UnusableInput as exc:
        return SkippedInput(source.name, str(exc))
    return _parse(text, source.name, key, options.format, options, source.location)


def extract_text(
    text: str,
    document: str,
    format: DocumentFormat | None = None,
    options: ExtractOptions = DEFAULT_OPTIONS,
) -> Document:
    """Extract the citations of ``text``, named ``document``.

    The format is ``format``, else ``options.format``, else detected.  The
    content hash is :func:`content_hash` of the text's UTF-8 encoding.
    """
    if format is not None:
        options = replace(options, format=format)
    key = content_hash(text.encode("utf-8", "surrogatepass"), options)
    return _parse(text, document, key, options.format, options)


def _parse(
    text: str,
    document: str,
    content_hash: str,
    format: DocumentFormat | None,
    options: ExtractOptions,
    location: str | None = None,
) -> Document:
    # One line-break convention for every reader, so line numbers agree with editors.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if format is None:
        # An article dump is recognised by its marker whatever its name: reading
        # it straight away spares searching for the marker a second time.
        dump = read_dump(text)
        if dump is not None:
            return assemble(document, DocumentFormat.ARTICLE, content_hash, dump, location)
        format = detect_other_format(text, None if document == "-" else document)
    return assemble(document, format, content_hash, _read(format, text, options), location)


def _read(format: DocumentFormat, text: str, options: ExtractOptions) -> Findings:
    match format:
        case DocumentFormat.ARTICLE:
            return read_article(text)
        case DocumentFormat.MARKDOWN:
            return read_markdown(text, include_code_blocks=options.include_code_blocks)
        case DocumentFormat.HTML:
            return read_html(text)
        case DocumentFormat.TEXT:
            return read_text(text)
