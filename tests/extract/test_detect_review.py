"""Format detection: a file named as markup is read as markup, even with an article marker."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkcheck.extract import detect_format, extract_text
from linkcheck.types import DocumentFormat

MARKDOWN_WITH_MARKER = (
    "# Notes\n\n"
    "Read [the report](https://example.com/report).\n\n"
    "```\ncurl https://example.invalid/not-a-citation\n```\n\n"
    "Original url: https://www.example.com/2025/06/10/source\n"
)
HTML_WITH_MARKER = (
    "<p>See <a href='https://example.com/a'>a</a></p>\n"
    "<pre>\nOriginal url:\nhttps://www.example.com/2025/06/10/source\n</pre>\n"
)


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        (MARKDOWN_WITH_MARKER, "notes.md", DocumentFormat.MARKDOWN),
        (MARKDOWN_WITH_MARKER, "NOTES.Markdown", DocumentFormat.MARKDOWN),
        (HTML_WITH_MARKER, "page.html", DocumentFormat.HTML),
        (HTML_WITH_MARKER, "page.htm", DocumentFormat.HTML),
        # Dumps are plain text: any other name, or none, is read by the marker.
        (MARKDOWN_WITH_MARKER, "notes.txt", DocumentFormat.ARTICLE),
        (MARKDOWN_WITH_MARKER, "notes", DocumentFormat.ARTICLE),
        (MARKDOWN_WITH_MARKER, None, DocumentFormat.ARTICLE),
        (HTML_WITH_MARKER, "-", DocumentFormat.ARTICLE),
    ],
)
def test_a_markup_name_wins_over_the_article_marker(
    text: str, name: str | None, expected: DocumentFormat
) -> None:
    assert detect_format(text, name) is expected


def test_the_sample_renamed_to_markdown_is_markdown(sample_path: Path) -> None:
    text = sample_path.read_text(encoding="utf-8")
    assert detect_format(text, "000.md") is DocumentFormat.MARKDOWN
    assert detect_format(text, "000.txt") is DocumentFormat.ARTICLE


def test_a_markdown_file_with_the_marker_is_extracted_as_markdown() -> None:
    document = extract_text(MARKDOWN_WITH_MARKER, "notes.md")
    assert document.format is DocumentFormat.MARKDOWN
    assert [c.url for c in document.citations] == [
        "https://example.com/report",  # the code block is skipped
        "https://www.example.com/2025/06/10/source",
    ]
    assert document.citations[0].title == "the report"
