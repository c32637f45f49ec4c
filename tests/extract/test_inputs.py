"""Inputs: files, directories, globs, stdin; what is skipped and why; names and hashes."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from linkcheck.errors import InputError
from linkcheck.extract import (
    ExtractOptions,
    UnchangedInput,
    content_hash,
    extract_documents,
    inputs,
)
from linkcheck.types import Document, DocumentFormat, SkippedInput


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small document tree; the current directory is its root."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / ".hidden").mkdir()
    (tmp_path / "docs" / "b.md").write_text("[b](https://b.example/)\n")
    (tmp_path / "docs" / "a.txt").write_text("https://a.example/\n")
    (tmp_path / "docs" / "sub" / "c.HTML").write_text('<a href="https://c.example/">c</a>\n')
    (tmp_path / "docs" / "sub" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "docs" / "sub" / "data.json").write_text('{"u": "https://json.example/"}')
    (tmp_path / "docs" / ".hidden" / "h.txt").write_text("https://hidden.example/\n")
    (tmp_path / "docs" / ".dotfile.txt").write_text("https://dotfile.example/\n")
    return tmp_path


def names(results: list[Document | SkippedInput | UnchangedInput]) -> list[str]:
    return [result.path for result in results]


def test_directory_is_walked_recursively_sorted_and_filtered(tree: Path) -> None:
    results = list(extract_documents(["docs"]))
    assert names(results) == ["docs/a.txt", "docs/b.md", "docs/sub/c.HTML"]
    assert [type(r) for r in results] == [Document, Document, Document]
    assert [r.format for r in results if isinstance(r, Document)] == [
        DocumentFormat.TEXT,
        DocumentFormat.MARKDOWN,
        DocumentFormat.HTML,
    ]


def test_extensions_can_be_chosen(tree: Path) -> None:
    options = ExtractOptions(extensions=frozenset({"json", ".MD"}))
    assert names(list(extract_documents(["docs"], options))) == ["docs/b.md", "docs/sub/data.json"]


def test_glob_patterns_and_explicit_files(tree: Path) -> None:
    results = list(extract_documents(["docs/**/*.json", "docs/*.md", "docs/b.md"]))
    assert names(results) == ["docs/sub/data.json", "docs/b.md"]
    assert [c.url for r in results if isinstance(r, Document) for c in r.citations] == [
        "https://json.example/",
        "https://b.example/",
    ]


def test_names_are_relative_inside_the_current_directory_and_absolute_outside(
    tree: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "o.txt"
    outside.write_text("https://o.example/\n")
    results = list(
        extract_documents([str(tree / "docs" / "a.txt"), "./docs/../docs/a.txt", str(outside)])
    )
    assert names(results) == ["docs/a.txt", outside.as_posix()]


def test_stdin_is_read_for_a_dash(tree: Path) -> None:
    stdin = io.BytesIO(b"# Notes\n\n[x](https://stdin.example/)\n")
    [document] = extract_documents(["-"], stdin=stdin)
    assert isinstance(document, Document)
    assert (document.path, document.format) == ("-", DocumentFormat.MARKDOWN)
    assert [c.url for c in document.citations] == ["https://stdin.example/"]


def test_a_dangling_or_looping_link_is_named_for_what_it_is(tree: Path) -> None:
    (tree / "gone.md").symlink_to(tree / "missing.md")
    (tree / "loop1.md").symlink_to(tree / "loop2.md")
    (tree / "loop2.md").symlink_to(tree / "loop1.md")
    for name in ("gone.md", "loop1.md"):
        with pytest.raises(InputError, match=rf"{name}: a symbolic link to nothing"):
            extract_documents([str(tree / name)])


def test_missing_paths_raise_before_anything_is_read(tree: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.txt: no such file or directory"):
        extract_documents(["docs", "nope.txt"])
    with pytest.raises(InputError, match=r"docs/\*\.rst: no file matches"):
        extract_documents(["docs/*.rst"])


def test_binary_file_is_skipped_with_a_reason(tree: Path) -> None:
    [skipped] = extract_documents(["docs/sub/image.png"])
    assert skipped == SkippedInput("docs/sub/image.png", "binary file (contains NUL bytes)")


def test_control_characters_make_a_file_binary(tree: Path) -> None:
    Path("ctl.txt").write_bytes(bytes(range(1, 9)) * 20 + b"https://x.example/")
    [skipped] = extract_documents(["ctl.txt"])
    assert skipped == SkippedInput("ctl.txt", "binary file (mostly control characters)")


def test_text_that_is_not_utf8_is_skipped_with_the_offending_byte(tree: Path) -> None:
    Path("latin.txt").write_bytes("Caf\u00e9 https://x.example/\n".encode("latin-1"))
    [skipped] = extract_documents(["latin.txt"])
    assert isinstance(skipped, SkippedInput)
    assert skipped.path == "latin.txt"
    assert skipped.reason == "not UTF-8 text (byte 0xe9 at offset 3); convert it to UTF-8"


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="windows-1252">',
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">',
    ],
)
def test_an_html_page_in_the_legacy_charset_its_meta_names_is_read(tree: Path, meta: str) -> None:
    page = f'<html><head>{meta}</head><body><a href="https://x.example/">Caf\u00e9</a></body>'
    Path("old.html").write_bytes(page.encode("cp1252"))
    [document] = extract_documents(["old.html"])
    assert isinstance(document, Document)
    [citation] = document.citations
    assert (citation.url, citation.title) == ("https://x.example/", "Caf\u00e9")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
def test_byte_order_marks_are_honoured(tree: Path, encoding: str) -> None:
    content = "Line one\r\nSee https://bom.example/\r\n"
    data = content.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    Path("bom.txt").write_bytes(data)
    [document] = extract_documents(["bom.txt"])
    assert isinstance(document, Document)
    assert [(c.url, c.lines) for c in document.citations] == [("https://bom.example/", (2,))]


def test_oversized_file_is_skipped_without_being_read(tree: Path) -> None:
    big = Path("big.txt")
    with big.open("wb") as handle:  # sparse: large on paper, nothing to read
        handle.truncate(3 * 1024 * 1024 * 1024)
    [skipped] = extract_documents(["big.txt"], ExtractOptions(max_bytes=1024))
    assert skipped == SkippedInput(
        "big.txt",
        "larger than the 1 KiB size limit (3 GiB); raise it with the max-file-size setting",
    )


def test_file_of_exactly_the_size_limit_is_read_whole(tree: Path) -> None:
    Path("edge.txt").write_bytes(b"https://edge.example/" + b"x" * 79)  # 100 bytes
    [document] = extract_documents(["edge.txt"], ExtractOptions(max_bytes=100))
    assert isinstance(document, Document)
    assert document.content_hash == content_hash(Path("edge.txt").read_bytes())


@pytest.mark.parametrize(
    ("actual", "measured", "read"),
    [
        (100, 100, 100),  # as measured
        (50, 100, 50),  # shrank since it was measured
        (150, 100, 150),  # grew, still within the limit: read whole
        (300, 100, 201),  # grew past the limit: one byte past it, so it is skipped
    ],
)
def test_a_file_is_read_up_to_one_byte_past_the_limit_whatever_its_measured_size(
    actual: int, measured: int, read: int
) -> None:
    handle = io.BytesIO(b"x" * actual)
    assert inputs._read_at_most(handle, 201, measured) == b"x" * read


class RecordingStream(io.BytesIO):
    """Standard input that remembers how much was asked of it at once."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.requests: list[int | None] = []

    def read(self, size: int | None = -1, /) -> bytes:
        self.requests.append(size)
        return super().read(size)


def test_oversized_stdin_is_skipped_after_reading_one_byte_past_the_limit() -> None:
    stdin = RecordingStream(b"x" * 5000)
    [skipped] = extract_documents(["-"], ExtractOptions(max_bytes=100), stdin=stdin)
    assert isinstance(skipped, SkippedInput)
    assert skipped.reason.startswith("larger than the 100 bytes size limit")
    assert stdin.requests == [101]


def test_unchanged_inputs_are_not_parsed(tree: Path) -> None:
    raw = Path("docs/a.txt").read_bytes()
    seen: list[tuple[str, str]] = []

    def is_unchanged(name: str, content_hash: str) -> bool:
        seen.append((name, content_hash))
        return name == "docs/a.txt"

    results = list(extract_documents(["docs/a.txt", "docs/b.md"], is_unchanged=is_unchanged))
    expected_hash = content_hash(raw)
    location = (tree / "docs" / "a.txt").resolve().as_posix()  # where the file really is
    assert results[0] == UnchangedInput("docs/a.txt", expected_hash, location)
    assert isinstance(results[1], Document)
    assert results[1].content_hash == content_hash(Path("docs/b.md").read_bytes())
    assert seen[0] == ("docs/a.txt", expected_hash)


def test_the_content_hash_covers_how_a_document_is_read() -> None:
    data = b"See https://example.org/\n"
    default = content_hash(data)
    assert default == content_hash(data, ExtractOptions(extensions=frozenset({"md"})))
    assert default == hashlib.sha256(ExtractOptions().reading + data).hexdigest()
    assert content_hash(data, ExtractOptions(include_code_blocks=True)) != default
    assert content_hash(data, ExtractOptions(format=DocumentFormat.MARKDOWN)) != default
    assert content_hash(data + b" ") != default


@pytest.mark.parametrize("label", ["hex", "base64", "rot-13", "zlib"])
def test_a_meta_naming_no_text_encoding_leaves_the_file_skipped_as_not_utf8(
    tree: Path, label: str
) -> None:
    page = f'<html><head><meta charset="{label}"></head><body>Caf\u00e9</body>'
    Path("odd.html").write_bytes(page.encode("cp1252"))
    [skipped] = extract_documents(["odd.html"])
    assert isinstance(skipped, SkippedInput)
    assert skipped.reason.startswith("not UTF-8 text")
