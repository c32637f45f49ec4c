"""``linkcheck extract``: the citations found, as text or JSON, written as documents arrive."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from linkcheck.report.summary import lines_text
from linkcheck.report.visible import visible
from linkcheck.types import Citation, Document


def write_citations(documents: Iterable[Document], format: str, stream: TextIO) -> None:
    """Write every citation of ``documents``; memory stays flat however many there are."""
    if format == "json":
        _write_json(documents, stream)
    elif format == "text":
        for document in documents:
            stream.write(_document_text(document))
    else:
        raise ValueError(f"citations come as text or json, not {format!r}")


def citation_json(citation: Citation) -> dict[str, object]:
    return {
        "url": citation.url,
        "url_as_written": citation.url_as_written,
        "document": citation.document,
        "lines": list(citation.lines),
        "role": citation.role.value,
        "title": citation.title,
        "cited_at": citation.cited_at.isoformat() if citation.cited_at else None,
        "fragment": citation.fragment,
    }


def _write_json(documents: Iterable[Document], stream: TextIO) -> None:
    """A JSON list, one citation object per line."""
    separator = "\n  "
    stream.write("[")
    for document in documents:
        for citation in document.citations:
            stream.write(separator + json.dumps(citation_json(citation), ensure_ascii=False))
            separator = ",\n  "
    stream.write("\n]\n")


def _document_text(document: Document) -> str:
    cited = f", cited {document.cited_at.isoformat()}" if document.cited_at else ""
    count = len(document.citations)
    lines = [
        f"{document.path} ({document.format.value}{cited}): "
        f"{count} citation{'' if count == 1 else 's'}"
    ]
    for citation in document.citations:
        where = lines_text(citation.lines)
        title = f"  “{citation.title}”" if citation.title else ""
        lines.append(f"  {where:>9}  {citation.role.value:<8}  {citation.url}{title}")
    # Each line is layout around values (paths, URLs, titles) that may hold control characters.
    return "\n".join(map(visible, lines)) + "\n"
