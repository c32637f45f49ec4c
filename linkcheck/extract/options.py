"""What extraction reads and how: the options type with its defaults."""

from __future__ import annotations

from dataclasses import dataclass

from linkcheck.errors import ConfigError
from linkcheck.types import DocumentFormat

#: Extensions read when walking a directory.  Article dumps are ``.txt``;
#: reStructuredText is read as plain text (its ``<https://...>`` links are bare URLs).
DEFAULT_EXTENSIONS: frozenset[str] = frozenset(
    {".txt", ".text", ".md", ".markdown", ".mdown", ".mkd", ".html", ".htm", ".xhtml", ".rst"}
)
#: Larger inputs are skipped without being read: citations live in documents, not dumps.
DEFAULT_MAX_BYTES: int = 10 * 1024 * 1024
#: The version of the extraction rules.  Raise it with every change to what documents
#: yield: each stored document is then read again by the next scan instead of being
#: passed over as unchanged (see :attr:`ExtractOptions.reading`).
#: 2: URLs after "_" emphasis, dump URLs wrapped after punctuation.  3: entities in
#: attributes and link targets as HTML and CommonMark decode them; footnotes, tables
#: and comments in Markdown; no link of its own glued onto a listed URL; CJK text and
#: zero-width characters around bare URLs.
EXTRACTION_RULES = 3


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """``extensions`` filter directory walks (not files named explicitly or by a glob);
    they are compared case-insensitively, with or without the leading dot.
    ``format`` forces one format for every input instead of detecting it."""

    extensions: frozenset[str] = DEFAULT_EXTENSIONS
    max_bytes: int = DEFAULT_MAX_BYTES
    include_code_blocks: bool = False
    format: DocumentFormat | None = None

    def __post_init__(self) -> None:
        if self.max_bytes <= 0:
            raise ConfigError(f"the input size limit must be positive, not {self.max_bytes}")
        normalized = frozenset(
            "." + extension.lower().lstrip(".") for extension in self.extensions if extension
        )
        # A frozen dataclass may still settle its own fields while being built.
        object.__setattr__(self, "extensions", normalized)

    @property
    def reading(self) -> bytes:
        """How a document's bytes are turned into citations: the extraction rules and the
        options that change what a file yields (not which files are read)."""
        forced = self.format.value if self.format else "detected"
        code = "with" if self.include_code_blocks else "without"
        return f"rules {EXTRACTION_RULES}, format {forced}, {code} code blocks\n".encode()
