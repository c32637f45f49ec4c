"""Markdown: inline links and images, reference links, autolinks, raw HTML, bare URLs.

A small scanner rather than a full CommonMark parser, built around one idea:
code is first *masked* (replaced by spaces, newlines kept), so every later pass
works on text where offsets and line numbers are those of the original and
nothing inside fenced blocks, indented blocks or code spans can be mistaken for
a link (unless ``include_code_blocks`` asks for it).

Then, on the masked text:

* ``[text](url "title")`` and ``![alt](url)``: destinations may be ``<...>`` or
  raw with balanced parentheses; backslash escapes and entities are decoded;
* ``[text][label]``, ``[text][]`` and ``[label]`` with ``[label]: url``
  definitions (labels compare case-insensitively): a reference link is cited
  at the line of each use and at the line of its definition;
* ``<https://...>`` autolinks, and ``<a href>``/``cite``/``<img src>`` in raw HTML;
* bare URLs everywhere else.

Anchor text (or image alt text) becomes the citation's title, with Markdown
markup removed; the link's own ``"title"`` is used when the text is empty.
"""

from __future__ import annotations

import html
import html.entities
import re
from collections.abc import Iterator
from dataclasses import dataclass

from linkcheck.extract.found import Findings, FoundLink, bare_links, line_at, line_starts
from linkcheck.extract.html import markup_links

_FENCE_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
# A label, then its destination on the same line or the next; "[^1]:" is a footnote (text).
_DEFINITION = re.compile(
    r"^ {0,3}\[(?P<label>(?!\^)(?:[^\[\]\\\n]|\\.){1,999})\]:[ \t]*(?:\n[ \t]*)?"
    r"(?P<dest><[^<>\n]*>|\S+)(?P<rest>.*)$",
    re.MULTILINE,
)
# What may follow a definition's destination on its line: nothing, or a title (which may
# go on over the next lines).  Anything else makes the line text: "[Update]: see https://…".
_DEFINITION_REST = re.compile(
    r"""[ \t]*|[ \t]+(?:"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|\((?:[^()\\]|\\.)*\)?)[ \t]*"""
)
_AUTOLINK = re.compile(r"<(?P<url>[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*)>")
# A backslash escape, or an entity or numeric reference: CommonMark decodes a reference
# only with its ";" ("?id=7&section=world" keeps "&sect").
_ESCAPE_OR_REFERENCE = re.compile(
    r"\\([!-/:-@\[-`{-~])|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});"
)
_NESTED_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_EMPHASIS = re.compile(r"(?<!\w)[*_]+|[*_]+(?!\w)")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# A table's delimiter row ("|---|:--:|"); it is looked for only on lines with a "|":
# a MULTILINE "^" would be tried at every offset of the text, ten times slower.
# Written so that no two runs of blanks can share the same blanks: the regex then
# fails in linear time on a long row that is no delimiter row.
_DELIMITER_ROW = re.compile(r" {0,3}\|?[ \t]*:?-+:?(?:[ \t]*\|[ \t]*:?-+:?)*(?:[ \t]*\|)?[ \t]*")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_BRACKET_OR_BREAK = re.compile(r"\\.|\[|\]|\n[ \t]*\n", re.DOTALL)


def read_markdown(text: str, *, include_code_blocks: bool = False) -> Findings:
    masked = text if include_code_blocks else mask_code(text)
    masked = _split_table_cells(_mask_comments(masked))
    starts = line_starts(text)
    definitions = _definitions(masked)
    links: list[FoundLink] = []
    consumed: list[tuple[int, int]] = []
    for found, span in _bracket_links(text, masked, definitions, starts):
        links.append(found)
        consumed.append(span)
    for found, span in _definition_links(definitions, starts):
        links.append(found)
        consumed.append(span)
    for found, span in _autolinks(masked, starts):
        links.append(found)
        consumed.append(span)
    links.extend(markup_links(masked))
    # URLs inside tags were just read as attributes; they are not bare text.
    consumed.extend(tag.span() for tag in _HTML_TAG.finditer(masked))
    links.extend(bare_links(_blank_spans(masked, consumed), starts))
    return Findings(tuple(links))


# --------------------------------------------------------------------------- code masking


def mask_code(text: str) -> str:
    """``text`` with fenced and indented code blocks and code spans replaced by spaces."""
    return _mask_code_spans(_mask_code_blocks(text))


def _mask_comments(text: str) -> str:
    """``text`` with HTML comments blanked: what is commented out is not cited.

    Found with ``str.find``, not a lazy regex: the regex would read on to the end
    of the text from every ``<!--`` that is never closed (quadratic on hostile input).
    """
    if "<!--" not in text:
        return text
    pieces: list[str] = []
    done = 0
    while (start := text.find("<!--", done)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break  # no comment closes after this one: the rest is text
        pieces += (text[done:start], _blank(text[start : end + 3]))
        done = end + 3
    return "".join((*pieces, text[done:])) if pieces else text


def _split_table_cells(text: str) -> str:
    """``text`` with the unescaped ``|`` of table rows blanked: a cell's URL ends there.

    A table is a row with a ``|``, a delimiter row (``|---|:--:|``) and the rows after
    it up to a blank line.  Elsewhere ``|`` may be part of a URL and is kept.
    """
    pieces: list[str] = []
    done = position = 0  # text[:done] is in pieces; lines before position are seen
    while (pipe := text.find("|", position)) >= 0:
        row_start = text.rfind("\n", 0, pipe) + 1
        row_end = text.find("\n", pipe)
        row_end = len(text) if row_end < 0 else row_end
        position = row_end
        if row_start <= done or not _DELIMITER_ROW.fullmatch(text, row_start, row_end):
            continue  # within a table already split, or not a delimiter row
        header_start = text.rfind("\n", 0, row_start - 1) + 1
        if "|" not in text[header_start:row_start]:
            continue
        blank_line = _BLANK_LINE.search(text, row_end)
        end = blank_line.start() if blank_line else len(text)
        pieces += (text[done:header_start], _UNESCAPED_PIPE.sub(" ", text[header_start:end]))
        done = position = end
    return "".join((*pieces, text[done:])) if pieces else text


def _blank(text: str) -> str:
    return "".join(char if char == "\n" else " " for char in text)


def _mask_code_blocks(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    fence: str | None = None
    previous_blank, in_list = True, False
    for line in lines:
        if fence is not None:
            if re.match(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", line):
                fence = None
            out.append(_blank(line))
            continue
        opening = _FENCE_OPEN.match(line)
        if opening and not (opening["fence"][0] == "`" and "`" in opening["info"]):
            fence = opening["fence"]
            out.append(_blank(line))
            continue
        is_blank = not line.strip()
        if not is_blank and _indent(line) >= 4 and previous_blank and not in_list:
            out.append(_blank(line))  # indented code: previous_blank stays as it was
            continue
        if _LIST_ITEM.match(line):
            in_list = True
        elif not is_blank and _indent(line) == 0:
            in_list = False
        previous_blank = is_blank
        out.append(line)
    return "\n".join(out)


def _indent(line: str) -> int:
    width = 0
    for char in line:
        if char == " ":
            width += 1
        elif char == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def _mask_code_spans(text: str) -> str:
    chars = list(text)
    position = 0
    while (opening := re.compile(r"(?<!`)`+").search(text, position)) is not None:
        if _escaped(text, opening.start()):
            position = opening.end()
            continue
        ticks = len(opening.group())
        closing = re.compile(rf"(?<!`)`{{{ticks}}}(?!`)").search(text, opening.end())
        if closing is None or _BLANK_LINE.search(text, opening.end(), closing.start()):
            position = opening.end()
            continue
        for index in range(opening.start(), closing.end()):
            if chars[index] != "\n":
                chars[index] = " "
        position = closing.end()
    return "".join(chars)


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes > 0 and text[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


# --------------------------------------------------------------------------- links


@dataclass(frozen=True, slots=True)
class _Definition:
    destination: str
    start: int  # offset of the destination
    span: tuple[int, int]  # the whole definition line


def _definitions(masked: str) -> dict[str, _Definition]:
    found: dict[str, _Definition] = {}
    for match in _DEFINITION.finditer(masked):
        if not _DEFINITION_REST.fullmatch(match["rest"]):
            continue
        label = _label_key(match["label"])
        destination = _destination_text(match["dest"])
        # CommonMark: the first definition of a label wins.
        if label and label not in found:
            found[label] = _Definition(destination, match.start("dest"), match.span())
    return found


def _definition_links(
    definitions: dict[str, _Definition], starts: list[int]
) -> Iterator[tuple[FoundLink, tuple[int, int]]]:
    for definition in definitions.values():
        line = line_at(starts, definition.start)
        column = definition.start - starts[line - 1]
        destination = definition.destination
        yield FoundLink(destination, destination, line, column=column), definition.span


def _bracket_links(
    text: str, masked: str, definitions: dict[str, _Definition], starts: list[int]
) -> Iterator[tuple[FoundLink, tuple[int, int]]]:
    for start, close in _matching_brackets(masked).items():
        # The anchor text is read from the original: its code spans are text too.
        anchor = text[start + 1 : close]
        found = _inline_link(masked, anchor, close, starts) or _reference_link(
            masked, anchor, start, close, definitions, starts
        )
        if found is not None:
            link, end = found
            is_image = start > 0 and masked[start - 1] == "!"
            yield link, (start - 1 if is_image else start, end)


def _inline_link(
    masked: str, anchor: str, close: int, starts: list[int]
) -> tuple[FoundLink, int] | None:
    """``[text](destination "title")``: the link, cited where its destination is written."""
    parsed = _inline_destination(masked, close + 1)
    if parsed is None:
        return None
    destination, destination_start, end, link_title = parsed
    line = line_at(starts, destination_start)
    title = _anchor_title(anchor) or link_title
    column = destination_start - starts[line - 1]
    return FoundLink(destination, destination, line, title=title, column=column), end


def _reference_link(
    masked: str,
    anchor: str,
    start: int,
    close: int,
    definitions: dict[str, _Definition],
    starts: list[int],
) -> tuple[FoundLink, int] | None:
    """``[text][label]``, ``[text][]`` or ``[label]``: cited where it is used."""
    reference = _reference(masked, close, masked[start + 1 : close], definitions)
    if reference is None:
        return None
    definition, end = reference
    line = line_at(starts, start)
    destination = definition.destination
    link = FoundLink(
        destination, destination, line, title=_anchor_title(anchor), column=start - starts[line - 1]
    )
    return link, end


def _matching_brackets(text: str) -> dict[int, int]:
    """Each unescaped ``[`` with its matching ``]``, in order; pairs never span a blank line.

    One pass with a stack, so pathological input (thousands of ``[``) stays linear.
    """
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for match in _BRACKET_OR_BREAK.finditer(text):
        token, index = match.group(), match.start()
        if token == "[":
            stack.append(index)
        elif token == "]":
            if stack:
                pairs[stack.pop()] = index
        elif token.startswith("\\"):
            continue  # an escaped bracket (or backslash) is text
        else:  # a blank line ends the paragraph: nothing links across it
            stack.clear()
    return dict(sorted(pairs.items()))


def _inline_destination(text: str, index: int) -> tuple[str, int, int, str | None] | None:
    """Parse ``(destination "title")`` at ``index``: destination, its offset, end, title."""
    if not text.startswith("(", index):
        return None
    index = _skip_space(text, index + 1)
    destination_start = index
    if text.startswith("<", index):
        end = text.find(">", index)
        if end < 0 or "\n" in text[index:end] or "<" in text[index + 1 : end]:
            return None
        raw, index = text[index + 1 : end], end + 1
        destination_start += 1
    else:
        raw, index = _raw_destination(text, index)
    index = _skip_space(text, index)
    title, index = _link_title(text, index)
    index = _skip_space(text, index)
    if not text.startswith(")", index):
        return None
    return _unescape(raw), destination_start, index + 1, title


def _raw_destination(text: str, index: int) -> tuple[str, int]:
    start, depth = index, 0
    while index < len(text):
        char = text[index]
        if char.isspace() or ord(char) < 0x20:
            break
        if char == "\\" and index + 1 < len(text):
            index += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        index += 1
    return text[start:index], index


def _link_title(text: str, index: int) -> tuple[str | None, int]:
    closers = {'"': '"', "'": "'", "(": ")"}
    if index >= len(text) or text[index] not in closers:
        return None, index
    end = text.find(closers[text[index]], index + 1)
    if end < 0:
        return None, index
    return _unescape(text[index + 1 : end]).strip() or None, end + 1


def _skip_space(text: str, index: int) -> int:
    newlines = 0
    while index < len(text) and text[index] in " \t\n":
        newlines += text[index] == "\n"
        if newlines > 1:
            break
        index += 1
    return index


def _reference(
    text: str, close: int, link_text: str, definitions: dict[str, _Definition]
) -> tuple[_Definition, int] | None:
    """A full, collapsed or shortcut reference ending at ``close``: its definition and end."""
    after = close + 1
    if text.startswith("[", after):
        label_end = text.find("]", after)
        if label_end >= 0 and "\n\n" not in text[after:label_end]:
            label = text[after + 1 : label_end] or link_text
            definition = definitions.get(_label_key(label))
            return (definition, label_end + 1) if definition else None
    if text.startswith(":", after):  # this is a definition, not a use
        return None
    definition = definitions.get(_label_key(link_text))
    return (definition, after) if definition else None


def _autolinks(masked: str, starts: list[int]) -> Iterator[tuple[FoundLink, tuple[int, int]]]:
    for match in _AUTOLINK.finditer(masked):
        url = match["url"]
        line = line_at(starts, match.start("url"))
        column = match.start("url") - starts[line - 1]
        yield FoundLink(url, url, line, column=column), match.span()


# --------------------------------------------------------------------------- helpers


def _label_key(label: str) -> str:
    return " ".join(label.split()).casefold()


def _destination_text(raw: str) -> str:
    if raw.startswith("<") and raw.endswith(">"):
        raw = raw[1:-1]
    return _unescape(raw)


def _unescape(text: str) -> str:
    if "\\" not in text and "&" not in text:
        return text  # the common case
    return _ESCAPE_OR_REFERENCE.sub(_unescape_one, text)


def _unescape_one(match: re.Match[str]) -> str:
    escaped = match.group(1)
    if escaped is not None:
        return escaped
    reference = match.group()
    if reference[1] != "#" and reference[1:] not in html.entities.html5:
        return reference  # "&notanentity;" stays as written
    return html.unescape(reference)


def _anchor_title(text: str) -> str | None:
    """Anchor text without Markdown markup, whitespace collapsed; code spans keep their text."""
    if "`" not in text:
        plain = _plain_text(text)
    else:  # code spans are taken as they are, the text between them made plain
        pieces = _CODE_SPAN.split(text)  # text, ticks, code, text, ticks, code, ..., text
        plain = "".join(
            _plain_text(piece) if index % 3 == 0 else piece if index % 3 == 2 else ""
            for index, piece in enumerate(pieces)
        )
    plain = " ".join(plain.split()).strip("` ")
    return plain or None


def _plain_text(text: str) -> str:
    return _unescape(_EMPHASIS.sub("", _NESTED_LINK.sub(r"\1", text)))


def _blank_spans(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for index in range(start, end):
            if chars[index] != "\n":
                chars[index] = " "
    return "".join(chars)
